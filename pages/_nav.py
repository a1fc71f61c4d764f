"""The app's navigation: page config and the page list, used by app.py.

Kept here (not in app.py) so a page can also reach it: on the first run of a fresh
server Streamlit resolves a deep link such as /sites through legacy pages/
discovery and runs pages/sites.py directly, without app.py. Such a page calls
:func:`run_app` itself (see ``pages/_ui.py: require_app_navigation``).
"""

import streamlit as st

PAGES = (
    ("pages/home.py", "总体布局", None),
    ("pages/jinmao.py", "金贸产业园", "jinmao"),
    ("pages/sites.py", "更新项目", "sites"),
    ("pages/coverage.py", "生活圈覆盖", "coverage"),
    ("pages/present.py", "汇报模式", "present"),
    ("pages/data.py", "数据管理", "data"),
)


def run_app() -> None:
    """Configure the page and run the page the URL asks for."""
    st.set_page_config(page_title="河东区城市更新GIS平台", page_icon="🗺️", layout="wide")
    from pages._signin import require_sign_in
    from pages.views.heavy import HEAVY_PAGES, heavy_slot

    pages = [
        st.Page(path, title=title, url_path=url, default=url is None)
        if url
        else st.Page(path, title=title, default=True)
        for path, title, url in PAGES
    ]
    page = st.navigation(pages)  # first, so the page the URL asks for (a deep link) survives signing in
    require_sign_in()  # only when a users file exists
    from pages._chrome import guarded, licence_footer, localize_widgets

    localize_widgets()  # Streamlit's own widget texts in Chinese, on every page
    # an unexpected error: a Chinese message, details in the server log; heavy pages run a few at a time
    with guarded(page.title), heavy_slot(page.url_path in HEAVY_PAGES):
        page.run()
    licence_footer()  # what of the bundled data may not be passed on, on every page
