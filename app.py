"""Router: page config, sign-in, the shared sidebar filters, navigation. Nothing else."""

import streamlit as st

from analytics.i18n import t
from ui import auth, navigation, state

# the tab title in Vietnamese: the language is not known yet
st.set_page_config(
    page_title=t("common.page_title", "vi"), page_icon=":material/assignment:", layout="wide"
)

lang = state.init_lang()
user = auth.current_user()

nav = navigation.build(user, lang)  # every page at its address (ui/navigation.py)
state.sidebar(user.scope)
nav.run()
