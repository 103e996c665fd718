"""Router: page config, sign-in, the shared sidebar filters, navigation. Nothing else."""

import streamlit as st

from analytics.i18n import t
from ui import auth, state

# the tab title in Vietnamese: the language is not known yet
st.set_page_config(
    page_title=t("common.page_title", "vi"), page_icon=":material/assignment:", layout="wide"
)

lang = state.init_lang()
user = auth.current_user()

# (script, title key, icon, permission needed). Material icons: the font ships with Streamlit
# (an emoji needs an emoji font, which a server's or a phone's browser may lack). Every URL path equals its file's stem.
PAGES = [
    ("pages/briefing.py", "page.briefing", ":material/dashboard:", None),
    ("pages/agency.py", "page.agency", ":material/account_balance:", None),
    ("pages/workload.py", "page.workload", ":material/calendar_month:", None),
    ("pages/trends.py", "page.trends", ":material/trending_up:", None),
    ("pages/data.py", "page.data", ":material/table_view:", None),
    ("pages/my_tasks.py", "page.my_tasks", ":material/edit_note:", "can_report"),
    ("pages/review.py", "page.review", ":material/fact_check:", "can_review"),
    ("pages/upload.py", "page.upload", ":material/upload_file:", "can_upload"),
    ("pages/admin.py", "page.admin", ":material/admin_panel_settings:", "can_open_admin"),
]

pages = [
    st.Page(path, title=t(key, lang), icon=icon, url_path=path.split("/")[1][:-3])
    for path, key, icon, needs in PAGES
    if needs is None or getattr(user, needs, False) is True  # deny by default
]


def _home() -> None:
    """ "/" forwards to the briefing at its own address, keeping the link's parameters."""
    st.switch_page(pages[0], query_params={k: st.query_params.get_all(k) for k in st.query_params})


home = st.Page(
    _home, title=t("page.briefing", lang), url_path="home", default=True, visibility="hidden"
)
nav = st.navigation([home, *pages])
state.sidebar(user.scope)
nav.run()
