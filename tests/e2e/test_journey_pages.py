"""Journey: a new planner opens every page of the app from the sidebar, at the office monitor's and
the laptop's size, and sees each page's title and no error (no exception element, no traceback, no
script error)."""

from __future__ import annotations

import pytest

from tests.e2e import harness

PAGES = [
    ("", "总体布局"),
    ("jinmao", "金贸产业园"),
    ("sites", "更新项目"),
    ("coverage", "生活圈覆盖"),
    ("present", "汇报模式"),
    ("data", "数据管理"),
]


@pytest.mark.parametrize("viewport", [harness.WIDE, harness.LAPTOP], ids=["1920x1080", "1366x768"])
def test_every_page_opens_from_the_sidebar_without_error(chromium, app, viewport):
    size = f"{viewport['width']}x{viewport['height']}"
    with harness.planner(chromium, app, f"pages-{size}", viewport) as p:
        p.open("")
        for path, title in PAGES:
            nav = p.page.locator('[data-testid="stSidebarNav"]')
            nav.get_by_text(title, exact=True).click()
            p.idle()
            assert p.page.url.rstrip("/").endswith(path or p.app.url.rstrip("/").rsplit("/", 1)[-1])
            assert not p.exceptions(), (title, p.exceptions())
            assert "Traceback" not in p.visible_text(), title
            p.screenshot(f"page-{path or 'home'}-{size}")
        assert not p.errors, p.errors
