"""Journey: a new planner opens every page of the app from the sidebar, at the office monitor's and the
laptop's size, opens each page's expanders and tabs, and sees each page's title, no error (no exception
element, no traceback, no script error) and no English UI word or code (:data:`harness.ENGLISH_UI_WORDS`)."""

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


def _open_everything(p: harness.Planner) -> None:
    """Click every tab and section, and open every closed expander of the page (the main area and the sidebar)."""
    sections = p.page.locator('[data-testid="stButtonGroup"] [role="radio"]')  # a page's sections
    for tab in [*p.page.get_by_role("tab").all(), *sections.all()]:
        tab.click()
        p.idle(100)
        _open_expanders(p)
    _open_expanders(p)


#: What each page's read-only tables (HTML, pages/views/html_table.py) hold: a header and rows a planner reads.
TABLES = {
    "": {"布局要素": ["一站", "一带", "一园", "多点"], "序号": [str(i) for i in range(1, 19)]},
    "jinmao": {"片区": ["东南", "东北", "西南", "西北"]},
}
_TABLES_JS = """() => Array.from(document.querySelectorAll('table.rp-table')).map(t => ({
  heads: Array.from(t.querySelectorAll('th')).map(e => e.innerText),
  first: Array.from(t.querySelectorAll('tbody tr')).map(r => r.cells[0].innerText),
  width: t.getBoundingClientRect().right, main: t.closest('[data-testid="stMain"]').getBoundingClientRect().right,
  wrapped: Array.from(t.querySelectorAll('td.rp-nw')).filter(c => {  // its text on more than one line
    const r = document.createRange(); r.selectNodeContents(c);
    return new Set(Array.from(r.getClientRects()).map(b => Math.round(b.top))).size > 1; }).map(c => c.innerText)}))"""


def _check_tables(p: harness.Planner, path: str) -> None:
    """The page's tables hold their rows, fit the page and keep short cells (约束性) on one line."""
    tables = p.page.evaluate(_TABLES_JS)
    for head, firsts in TABLES.get(path, {}).items():
        table = next((t for t in tables if t["heads"] and t["heads"][0] == head), None)
        assert table, (path, head, [t["heads"] for t in tables])
        assert sorted(set(table["first"]), key=firsts.index) == firsts, table["first"]
    for t in tables:
        assert t["width"] <= t["main"] + 1, t["heads"]
        assert not t["wrapped"], t["wrapped"]


def _open_expanders(p: harness.Planner) -> None:
    for summary in p.page.locator('[data-testid="stExpander"] details:not([open]) > summary').all():
        if summary.is_visible():
            summary.click()
    p.idle(100)


@pytest.mark.parametrize("viewport", [harness.WIDE, harness.LAPTOP], ids=["1920x1080", "1366x768"])
def test_every_page_opens_in_chinese_without_error(chromium, app, viewport):
    size = f"{viewport['width']}x{viewport['height']}"
    with harness.planner(chromium, app, f"pages-{size}", viewport) as p:
        p.open("")
        for path, title in PAGES:
            nav = p.page.locator('[data-testid="stSidebarNav"]')
            nav.get_by_text(title, exact=True).click()
            p.idle()
            assert p.page.url.rstrip("/").endswith(path or p.app.url.rstrip("/").rsplit("/", 1)[-1])
            if path != "present":  # the meeting mode shows slides, not a page title
                p.page.get_by_role("heading", name=title).first.wait_for()
            p.screenshot(f"page-{path or 'home'}-{size}")
            # the foot of every page says which bundled data may not be passed on (README says the same)
            footer = p.page.get_by_text("数据许可：内置的河东区界、相邻区")
            assert footer.count() == 1 and "不得对外分发" in footer.inner_text(), title
            _check_tables(p, path)
            _open_everything(p)
            try:
                p.check_page()
            except AssertionError as exc:
                raise AssertionError(f"{title}: {exc}") from exc
