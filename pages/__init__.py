"""Streamlit pages (thin). Shared glue lives in pages/_ui.py."""
