"""The dashboard with its sign-in cookie routes: `python -m streamlit run serve.py [flags]`.

The same app as `streamlit run app.py`, plus ui/session_route.py's two routes (registered through
`st.App`, Streamlit's supported way to add routes), so a password sign-in survives a reload, a
deep link and a new tab (analytics/sessions.py).
"""

import streamlit as st

from ui import session_route

app = st.App("app.py", routes=session_route.routes())
