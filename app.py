"""Router: page config, sign-in, the shared sidebar filters, navigation. Nothing else."""

import streamlit as st

from analytics.i18n import t
from ui import auth, state

st.set_page_config(page_title="Nhiệm vụ NQ 57 – 71", page_icon="📋", layout="wide")

lang = state.init_lang()
user = auth.current_user()

PAGES = [
    ("pages/briefing.py", "page_briefing", "📊", True, None),
    ("pages/agency.py", "page_agency", "🏛️", False, None),
    ("pages/workload.py", "page_workload", "📅", False, None),
    ("pages/trends.py", "page_trends", "📈", False, None),
    ("pages/data.py", "page_data", "🗂️", False, None),
    ("pages/upload.py", "page_upload", "⬆️", False, "can_upload"),
    ("pages/admin.py", "page_admin", "🔐", False, "can_admin"),
]

pages = [
    st.Page(path, title=t(key, lang), icon=icon, default=default, url_path=path.split("/")[1][:-3])
    for path, key, icon, default, needs in PAGES
    if needs is None or getattr(user, needs, False) is True  # deny by default
]
nav = st.navigation(pages)
state.sidebar(user.scope)
nav.run()
