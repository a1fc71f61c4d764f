"""Journey on 学位与床位's 按容量选址 and the scenarios in the store (issue #19): a planner uploads schools
with 学位 and a population layer with zones through the page's uploaders, saves the current state, asks
for one new school of 900 places at the renewal site that gives the most children a place within reach
(K = 1), sees the step and its gain in a table and the site on the map, saves it as a scenario, reloads
the page (a new session: the scenarios come back from the store), compares the two and opens the
comparison XLSX."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.e2e import harness
from tests.e2e.test_journey_coverage import UPLOADER_WORDS, choose, settle, table
from tests.e2e.test_journey_supply import SCHOOL_PLACES, SHARE_PCT, files, metric, upload_inputs  # noqa: F401

NEW_PLACES = 900


@pytest.fixture
def app(chromium_path, tmp_path):
    """A fresh workspace per journey (and per retry): the scenarios it saves stay in the store."""
    with harness.serve_app(tmp_path / "server") as served:
        yield served


def schools_with_share(p: harness.Planner, files) -> None:  # noqa: F811
    upload_inputs(p, files)
    choose(p, "供需类别", "小学（学位）")
    choose(p, "计算方法", "按容量就近分配")
    share = p.page.get_by_label("6-11岁（小学适龄）占人口的比例（%）")
    share.fill(f"{SHARE_PCT}")
    share.press("Enter")
    settle(p)


def save_as(p: harness.Planner, name: str, *, what: str = "") -> None:
    """Type ``name`` in the ``what``情景名称 box (the siting's: 选址结果) and press its save button."""
    box = p.page.get_by_label(f"{what}情景名称", exact=True)
    box.scroll_into_view_if_needed()
    box.fill(name)
    box.press("Enter")
    settle(p)
    p.page.get_by_role("button", name=f"{what}保存为情景", exact=True).click()
    settle(p)
    p.page.get_by_text(f"已保存情景“{name}”。").wait_for()


def test_site_one_school_by_capacity_save_reload_compare(chromium, app, files, tmp_path):  # noqa: F811
    with harness.planner(chromium, app, "supply-siting-wide", harness.WIDE) as p:
        p.open("coverage")
        schools_with_share(p, files)
        places = sum(v for v in SCHOOL_PLACES if v)
        assert metric(p, "供给：学位总数") == places
        gap_before = metric(p, "学位缺口")
        save_as(p, "现状")

        # 按容量选址: one new school of 900 places among the renewal sites (placeholders left out)
        head = p.page.get_by_text("按容量选址（新增设施位置）")
        head.scroll_into_view_if_needed()
        assert "包含位置待定的更新项目" in p.main_text()
        cap = p.page.get_by_label("每处新增学位")
        cap.fill(str(NEW_PLACES))
        cap.press("Enter")
        settle(p)
        p.page.get_by_role("button", name="计算按容量选址").click()
        settle(p)
        steps = table(p, "本步新增获得人数", wait_s=120)
        assert len(steps) == 1 and steps["顺序"].tolist() == ["1"]
        gain = float(steps["本步新增获得人数"].iat[0].replace(",", ""))
        assert 0 < gain <= NEW_PLACES
        assert "新增1处（每处容量900），选出1处" in p.main_text()
        supply_map = p.map(1)
        control = supply_map.locator(".leaflet-control-layers")
        control.hover()
        assert "供需：按容量选址（新增设施）" in control.inner_text()
        p.page.locator(harness.MAP_IFRAME).nth(1).scroll_into_view_if_needed()
        p.screenshot("supply-siting-map-1920x1080")
        head.scroll_into_view_if_needed()
        p.screenshot("supply-siting-steps-1920x1080")
        p.check_page(allowed_english=UPLOADER_WORDS)
        save_as(p, "新增一所学校", what="选址结果")

        # a reload is a new session: the uploads are gone, the scenarios come back from the store
        p.open("coverage")
        schools_with_share(p, files)
        pick = p.page.get_by_text("对比的情景（第一个为基准）")
        pick.scroll_into_view_if_needed()
        both = table(p, "较“现状”变化（新增一所学校）").set_index("指标")
        delta = both["较“现状”变化（新增一所学校）"].astype(float)
        assert delta["小学学位总数"] == NEW_PLACES
        # the new school's places go to children within its reach: the gap closes by that much at most
        assert -NEW_PLACES <= delta["小学学位缺口数"] < 0
        base = next(c for c in both.columns if c.startswith("现状（"))
        assert float(both.at["小学学位缺口数", base]) == gap_before
        assert {"分区缺口：西片", "分区缺口：东片"} <= set(both.index)
        p.screenshot("supply-siting-compare-1920x1080")
        xlsx = p.download("情景对比（Excel）", tmp_path)
        book = pd.read_excel(xlsx, sheet_name=None)
        sheet = book["情景对比"].set_index("指标")
        assert sheet.at["小学学位总数", "较“现状”变化（新增一所学校）"] == NEW_PLACES
        assert sheet.at["小学学位缺口数", "较“现状”变化（新增一所学校）"] == pytest.approx(
            delta["小学学位缺口数"]
        )
        p.check_page(allowed_english=UPLOADER_WORDS)
