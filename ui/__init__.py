"""Streamlit helpers shared by app.py and the pages: state in the URL, cached data, widgets."""
