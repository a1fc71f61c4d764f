"""Journey (issue 22 follow-up): the planner views of 汇报模式 are kept in the team database. Two app servers on
one database, each with its own workspace folder: a planner on server A adds the 金贸产业园 map to the
presentation (添加到汇报); a colleague on server B opens 汇报模式 and finds it as the slide after the six
built-in ones, with its snapshot note; the colleague removes it on B and it is gone from A's 汇报模式. One
viewport (1366x768)."""

from __future__ import annotations

import pytest

from renewal.storage import presentation_views as pv
from renewal.storage.layer_stores import open_layer_store
from tests.e2e import harness
from tests.e2e.test_journey_present_views import BUILTIN, _add, _deck, _open_add_panel, _titles
from tests.store_backends import postgis_schema

TITLE = "金贸核心区（甲服务器添加）"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Servers A and B: one throw-away schema on the test PostGIS, two workspace folders."""
    tmp = tmp_path_factory.mktemp("present-team")
    with postgis_schema() as url:
        env = {"RENEWAL_DATABASE_URL": url}
        with harness.serve_app(tmp / "a", env=env) as a, harness.serve_app(tmp / "b", env=env) as b:
            yield url, a, b


def test_a_view_added_on_one_server_is_a_slide_on_the_other(chromium, servers):
    url, a, b = servers
    with harness.planner(chromium, a, "present-team-add", harness.LAPTOP) as p:
        p.open("jinmao")
        p.map()
        p.idle(1500)  # the first bounds report reruns the map and its panels
        _open_add_panel(p)
        assert "保存在团队数据库" in p.main_text()
        _add(p, TITLE)
        p.check_page()
    entry = open_layer_store(database=url).get(pv.KIND)
    assert entry is not None and entry.version == 1 and entry.count == 1  # recorded in the team database

    with harness.planner(chromium, b, "present-team-other", harness.LAPTOP) as p:
        p.open("present")
        deck = _deck(p)
        assert _titles(deck) == [*BUILTIN, TITLE]
        note = deck.locator('.rp-slide[data-index="6"] .rp-caption').text_content()
        assert "快照" in note and "金贸产业园" in note and "北京时间" in note, note
        p.page.locator('[data-testid="stExpander"] summary', has_text="汇报顺序").click()
        p.idle()
        assert "顺序保存在团队数据库" in p.main_text()
        row = p.page.locator('[data-testid="stHorizontalBlock"]', has_text=TITLE).last
        row.scroll_into_view_if_needed()
        p.screenshot("present-team-b-1366x768")
        row.get_by_role("button", name="删除").click()
        p.idle()
        p.page.get_by_text(f"已删除：{TITLE}").wait_for()
        assert _titles(_deck(p)) == BUILTIN
        p.check_page()

    with harness.planner(chromium, a, "present-team-gone", harness.LAPTOP) as p:
        p.open("present")
        assert _titles(_deck(p)) == BUILTIN
        p.check_page()
    assert open_layer_store(database=url).get(pv.KIND).count == 0
