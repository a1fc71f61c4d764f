"""Journey: a planner reads the history of a site on 更新项目 after a colleague changed it: who (the
colleague's name), when (北京时间, a Chinese date), what was done and what changed, field by field, before →
after, in a panel wide enough to read at the laptop's size."""

from __future__ import annotations

import re

import geodata
from renewal.storage import open_store
from tests.e2e import harness

SITE = "RS-021"


def test_history_shows_who_when_and_what_changed(chromium, app):
    store = open_store(app.workspace, session="张工")  # a colleague, signed in as 张工, edits the site
    props, geom, version = store.site(SITE)
    before_status = props["status"]
    store.save_site(
        SITE,
        {**props, "status": "under_construction", "position_source": "现场踏勘核实"},
        geom,
        expected_version=version,
    )
    with harness.planner(chromium, app, "history", harness.LAPTOP) as p:
        p.open(f"sites?site={SITE}")
        panel = p.page.get_by_test_id("stExpander").filter(has_text="修改历史")
        panel.get_by_text("修改历史").first.click()
        grid = panel.get_by_test_id("stTable")
        grid.wait_for()
        assert panel.bounding_box()["width"] > 800  # was a 230 px popover
        text = grid.inner_text()
        assert "张工" in text and "修改" in text, text
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", text), text
        assert "UTC" not in text and "+00:00" not in text
        assert text.count("状态：") == 1 and text.count("定位依据：") == 1, text  # each changed field once
        assert f"状态：{geodata.STATUS_LABELS[before_status]} → 在建" in text, text
        assert "→ 在建" in text and "定位依据：" in text and "→ 现场踏勘核实" in text, text
        p.check_page()
        panel.scroll_into_view_if_needed()
        p.screenshot("history-1366x768")
