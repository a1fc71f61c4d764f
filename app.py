"""Hedong urban-renewal GIS platform: Streamlit entry point (navigation only)."""

import streamlit as st

st.set_page_config(page_title="河东区城市更新GIS平台", page_icon="🗺️", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="总体布局", default=True),
    st.Page("pages/jinmao.py", title="金贸产业园", url_path="jinmao"),
    st.Page("pages/sites.py", title="更新项目", url_path="sites"),
]

st.navigation(PAGES).run()
