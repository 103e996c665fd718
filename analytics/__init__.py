"""Domain layer of the task dashboard: reading, validation, deadlines, agencies, store, metrics.

Nothing in this package imports streamlit.
"""
