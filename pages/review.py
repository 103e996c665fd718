"""review page (issue 15): being built."""

import streamlit as st

st.write("…")
