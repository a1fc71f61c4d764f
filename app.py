"""Hedong urban-renewal GIS platform: Streamlit entry point (navigation only)."""

from pages._nav import run_app

run_app()
