"""The 生活圈覆盖 page (AppTest) on the bundled data alone: readiness, choices, what-if, siting."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages.views import coverage_area, coverage_inputs, panels
from pages.views.coverage_state import STATE_KEY, CoveragePageState
from tests.page_tables import table, tables

ROOT = Path(__file__).resolve().parent.parent


def _run() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "coverage.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def page_state(at) -> CoveragePageState:
    return at.session_state[STATE_KEY]


def _tab(at, label: str) -> AppTest:
    """Open a tab under the map, as the planner's click on it does (only the open tab is drawn)."""
    at.session_state["cov_tab"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def _frame(at, column):
    return table(at, column)


def _stats(at):
    return _frame(at, "用地覆盖率（%）").set_index("设施类别")


def test_page_runs_on_bundled_data_and_shows_readiness_first():
    at = _run()
    assert at.title[0].value == "生活圈覆盖"
    ready = _frame(at, "如何加载").set_index("输入")
    assert ready.loc["现状设施", "状态"] == "未加载"
    assert ready.loc["步行路网", "状态"] == "未加载"
    assert ready.loc["规划设施（内置）", "状态"].startswith("已加载")
    assert "import-osm" in ready.loc["现状设施", "如何加载"]
    assert any("现状设施未加载" in w.value and "不是全区的实际覆盖" in w.value for w in at.warning)
    # radius mode only (no network), on the plan's schools and elderly care
    assert at.radio(key="cov_mode").options == ["服务半径"]
    stats = _stats(at)
    assert {"小学", "初中", "老年人日间照料中心"} <= set(stats.index)
    assert (stats["用地覆盖率（%）"] > 0).all() and (stats["用地覆盖率（%）"] < 100).all()
    census = _frame(at, "服务人群（2020普查）").set_index("设施类别")
    assert census.loc["老年人日间照料中心", "全区人数"] == 247760
    # the bar chart under the table: each category's 用地覆盖率 as one bar, in the table's order
    import json

    import pyarrow as pa

    (chart,) = at.get("vega_lite_chart")
    bars = pa.ipc.open_stream(chart.proto.data.data).read_all().to_pandas()
    assert list(bars["设施类别"]) == list(stats.index)
    assert list(bars["用地覆盖率（%）"]) == list(stats["用地覆盖率（%）"])
    assert json.loads(chart.proto.spec)["encoding"]["x"]["field"] == "用地覆盖率（%）"


def test_choosing_category_and_circle_changes_the_statistics():
    at = _run()
    at.multiselect(key="cov_cats").set_value(["primary_school"]).run()
    stats = _stats(at)
    assert list(stats.index) == ["小学"]
    at.selectbox(key="cov_circle").set_value("5min").run()
    five = _stats(at).loc["小学", "用地覆盖率（%）"]
    assert _stats(at).loc["小学", "距离（米）"] == 300
    at.selectbox(key="cov_circle").set_value("15min").run()
    fifteen = _stats(at).loc["小学", "用地覆盖率（%）"]
    assert _stats(at).loc["小学", "距离（米）"] == 1000
    # the 生活圈 column names the circle chosen, not the category's own level (十分钟 for 小学)
    assert _stats(at).loc["小学", "生活圈"] == "十五分钟生活圈居住区（1000米）"
    assert fifteen > five * 3  # two points: (1000/300)^2 ~ 11 times the area before clipping


def test_what_if_add_at_a_renewal_site_never_lowers_coverage():
    at = _run()
    before = _stats(at)["用地覆盖率（%）"]
    _tab(at, "假设分析")
    assert not [t for t in tables(at) if "用地覆盖率（%）" in t.columns]  # only the open tab is drawn
    at.selectbox(key="cov_add_cat").set_value("elderly_day_care").run()
    sites = at.selectbox(key="cov_add_site")
    for i in (0, 5):
        sites.set_value(i)
        at.button(key="cov_add_site_btn").click().run()
        assert not at.exception, at.exception
    delta = [m for m in at.metric if m.label.startswith("老年人日间照料中心")]
    assert delta and delta[0].delta.startswith("+")
    after = _stats(_tab(at, "覆盖统计"))["用地覆盖率（%）"]
    assert (after >= before - 1e-9).all()
    assert after["老年人日间照料中心"] > before["老年人日间照料中心"]
    assert after["小学"] == before["小学"]  # other categories untouched
    assert len(page_state(at).added) == 2
    # removing a plan facility lowers (or keeps) its category, never raises it
    _tab(at, "假设分析")
    assert at.selectbox(key="cov_add_cat").value == "elderly_day_care"  # kept while the tab was not drawn
    at.selectbox(key="cov_rm").set_value(at.selectbox(key="cov_rm").options[1]).run()
    at.button(key="cov_rm_btn").click().run()
    assert not at.exception, at.exception
    assert page_state(at).removed == ["plan:PF-001"]  # 井冈山路 配套小学
    assert _stats(_tab(at, "覆盖统计")).loc["小学", "用地覆盖率（%）"] < after["小学"]
    # the what-ifs stay in the session while their categories are not chosen
    at.multiselect(key="cov_cats").set_value(["middle_school"]).run()
    assert not at.exception and not at.error, (at.exception, at.error)
    assert list(_stats(at).index) == ["初中"]


@pytest.mark.parametrize("k", [3])
def test_suggested_sites_are_k_with_non_increasing_gains(k):
    at = _tab(_run(), "建议选址")
    at.selectbox(key="cov_site_cat").set_value("elderly_day_care").run()
    at.number_input(key="cov_k").set_value(k).run()
    at.button(key="cov_site_btn").click().run()
    assert not at.exception, at.exception
    sug = page_state(at).suggested
    assert len(sug) == k
    gains = list(sug["gain"])
    assert all(a >= b for a, b in zip(gains, gains[1:], strict=False))
    assert gains[-1] > 0
    table = _frame(at, "候选位置")
    assert list(table["顺序"]) == list(range(1, k + 1))


def test_page_after_import_osm_offers_network_mode(tmp_path, monkeypatch):
    from cli.main import main
    from tests.test_import_osm import write_extract

    ws = tmp_path / "ws"
    monkeypatch.setenv("RENEWAL_WORKSPACE", str(ws))
    assert main(["--workspace", str(ws), "import-osm", str(write_extract(tmp_path / "t.osm.pbf"))]) == 0
    at = _run()
    ready = _frame(at, "如何加载").set_index("输入")
    # 10 OSM objects, the 九年一贯制 school counted twice, the school node inside the school area merged into it
    assert ready.loc["现状设施", "状态"] == "已加载：10处"
    assert ready.loc["步行路网", "状态"].startswith("已加载：25个节点")
    assert not any("现状设施未加载" in w.value for w in at.warning)
    sources = _frame(at, "数据来源")
    assert "OpenStreetMap" in set(sources["数据来源"])
    assert at.radio(key="cov_mode").options == ["服务半径", "步行网络"]
    at.radio(key="cov_mode").set_value("network").run()
    assert not at.exception, at.exception
    stats = _stats(at)
    assert set(stats["计算方式"]) == {"步行网络"}
    # 2 from OSM (the school node lies in the school area); the plan's two 位置待定 schools are left out
    # now that real facilities are loaded, until the planner counts them
    assert stats.loc["小学", "设施数"] == 2
    assert at.checkbox(key="cov_placeholders_with_existing").value is False
    assert not any("位置待定" in w.value for w in at.warning)
    at.checkbox(key="cov_placeholders_with_existing").check().run()
    assert _stats(at).loc["小学", "设施数"] == 4
    assert any(w.value == "其中 6 处为位置待定的规划设施，覆盖结果仅供示意" for w in at.warning)


def test_siting_over_clicked_candidates():
    at = AppTest.from_file(str(ROOT / "pages" / "coverage.py"), default_timeout=120)
    # two clicked points: one in the middle of the district, one far out in the Haihe corner
    at.session_state[STATE_KEY] = CoveragePageState(
        candidates=[
            {"name": "点击位置1", "lon": 117.245, "lat": 39.125},
            {"name": "点击位置2", "lon": 117.262, "lat": 39.108},
        ]
    )
    _tab(at, "建议选址")
    at.radio(key="cov_pool").set_value("clicked").run()
    at.selectbox(key="cov_site_cat").set_value("primary_school").run()
    at.number_input(key="cov_k").set_value(5).run()
    at.button(key="cov_site_btn").click().run()
    assert not at.exception, at.exception
    sug = page_state(at).suggested
    assert len(sug) == 2 and set(sug["candidate_id"]) == {"C1", "C2"}  # K=5 is capped by the 2 candidates
    assert list(sug["gain"]) == sorted(sug["gain"], reverse=True) and (sug["gain"] > 0).all()


def test_uploaded_inventory_is_used_and_can_be_saved_to_the_workspace(tmp_path, monkeypatch):
    """An Excel inventory uploaded on the page counts at once; 保存到工作区 keeps it for the next visit."""
    import io

    import pandas as pd

    from renewal.analysis.facilities import load_workspace_facilities

    monkeypatch.setenv("RENEWAL_WORKSPACE", str(tmp_path))
    rows = [
        {"名称": "河东某小学", "类别": "小学", "经度": 117.2277, "纬度": 39.11, "名称备注": "[x](http://e.x)"}
    ]
    buf = io.BytesIO()
    pd.DataFrame(rows).to_excel(buf, index=False)
    at = _run()
    panels.open_panel(at.session_state, coverage_inputs.INVENTORY_PANEL)  # the planner opens 导入设施清单
    at.run()
    before = _stats(at).loc["小学", "设施数"]
    at.file_uploader(key="cov_fac_up_0").set_value(
        ("学校.xlsx", buf.getvalue(), "application/octet-stream")
    ).run()
    assert not at.exception, at.exception
    assert _stats(at).loc["小学", "设施数"] == 1  # the plan's 位置待定 schools no longer counted by default
    at.checkbox(key="cov_placeholders_with_existing").check().run()
    assert _stats(at).loc["小学", "设施数"] == before + 1
    assert load_workspace_facilities(tmp_path) is None  # not saved until asked
    at.button(key="cov_fac_save").click().run()
    assert not at.exception, at.exception
    saved = load_workspace_facilities(tmp_path)
    assert list(saved["name"]) == ["河东某小学"]
    assert _stats(at).loc["小学", "设施数"] == before + 1  # counted once: the upload is now the workspace's
    again = (
        _run()
    )  # a new visit: the workspace inventory is loaded (and the 位置待定 ones are left out again)
    assert _stats(again).loc["小学", "设施数"] == 1
    from renewal.storage.layers import open_layers
    from renewal.zh import beijing_time

    entry = open_layers(tmp_path).get("facilities")
    assert not [c for c in again.caption if "工作区设施清单" in c.value]  # in the panel, drawn once opened
    panels.open_panel(again.session_state, coverage_inputs.INVENTORY_PANEL)
    again.run()
    said = [c.value for c in again.caption if "工作区设施清单" in c.value]
    assert len(said) == 1 and f"于 {beijing_time(entry.imported_at)}（北京时间）保存" in said[0], said
    assert "UTC" not in said[0]


def test_siting_leaves_placeholder_sites_out_unless_asked_and_then_says_the_result_is_unreliable():
    """Issue #16 item 7: renewal sites whose point is a placeholder (定位可信度 低) are no candidates by
    default; included on request, a result that uses one carries a Chinese warning."""
    import geodata

    sites = geodata.load("renewal_sites")
    placeholders = set(sites.loc[sites["location_confidence"] == "低", "site_id"])
    assert placeholders
    at = _tab(_run(), "建议选址")
    at.selectbox(key="cov_site_cat").set_value("elderly_day_care").run()
    at.number_input(key="cov_k").set_value(5).run()
    at.button(key="cov_site_btn").click().run()
    chosen = set(page_state(at).suggested["candidate_id"])
    assert chosen and not chosen & placeholders
    assert not any("结果不可靠" in w.value for w in at.warning)
    at.checkbox(key="cov_site_placeholders").check().run()
    at.number_input(key="cov_k").set_value(20).run()
    at.button(key="cov_site_btn").click().run()
    chosen = set(page_state(at).suggested["candidate_id"])
    assert chosen & placeholders
    assert any("结果不可靠" in w.value for w in at.warning)


def test_the_workspace_study_area_is_used_stated_and_restored():
    """A study area chosen for the workspace (河西区, a neighbour): the page computes on it, names it with
    its rounded area and its metric CRS above the statistics, and 恢复为河东区区界 brings the district back."""
    import geopandas as gpd

    import geodata
    from renewal.settings import workspace_dir
    from renewal.storage.access import Actor
    from renewal.storage.shared_files import current_study_area, save_study_area

    def land_m2(at) -> float:
        return float(str(_stats(at).iloc[0]["用地面积（㎡）"]).replace(",", ""))

    n = geodata.load("neighbours")
    hexi = n.loc[n["name"] == "河西区"].geometry.iloc[0]
    hexi_m2 = float(gpd.GeoSeries([hexi], crs=4326).to_crs(4548).area.iloc[0])
    hedong_m2 = float(geodata.load("district").to_crs(4548).area.sum())
    assert land_m2(_run()) == pytest.approx(hedong_m2, rel=1e-3)
    save_study_area(hexi, "河西区", actor=Actor("王规划"), workspace=workspace_dir())
    at = _run()
    # the panel is drawn once opened
    assert "当前研究范围：河西区" not in " ".join(m.value for m in at.markdown)
    panels.open_panel(at.session_state, coverage_area.PANEL)
    at.run()
    assert land_m2(at) == pytest.approx(hexi_m2, rel=1e-3)  # grid and clipping on the neighbour
    captions = [
        line for c in at.caption for line in c.value.splitlines()
    ]  # the statistics' lines: one caption
    assert any(c.startswith("研究范围：河西区（约 ") and "平方公里" in c for c in captions), captions
    assert any("计量坐标系：CGCS2000 / 3度带高斯" in c and "EPSG:4548" in c for c in captions), captions
    assert any("王规划" in c and "北京时间" in c for c in captions), captions
    assert "当前研究范围：河西区" in " ".join(m.value for m in at.markdown)
    # Hedong's census beside the statistics would mislead for another area: left out, and said
    assert not any(c.startswith("2020年第七次人口普查：河东区") for c in captions)
    assert any("研究范围不是河东区区界时不显示" in c for c in captions)
    at.button(key="cov_area_restore").click().run()
    assert not at.exception
    assert current_study_area(workspace_dir()).is_default
    assert land_m2(at) == pytest.approx(hedong_m2, rel=1e-3)
    assert any(c.value.startswith("2020年第七次人口普查：河东区") for c in at.caption)


def test_placeholder_plan_facilities_count_alone_by_default_and_say_so():
    """With nothing else loaded the plan's 位置待定 facilities count (they are all there is), and the
    statistics say the result is only indicative; unticked, nothing is left and the page says what to do."""
    at = _run()
    box = at.checkbox(key="cov_placeholders_alone")
    assert box.label == "计入位置待定设施" and box.value is True
    assert any(w.value == "其中 6 处为位置待定的规划设施，覆盖结果仅供示意" for w in at.warning)
    at.multiselect(key="cov_cats").set_value(["primary_school"]).run()
    assert any(w.value == "其中 2 处为位置待定的规划设施，覆盖结果仅供示意" for w in at.warning)
    at.checkbox(key="cov_placeholders_alone").uncheck().run()
    assert not at.exception, at.exception
    assert any("没有参与计算的设施" in i.value for i in at.info)
    assert not any("位置待定的规划设施" in w.value for w in at.warning)


def test_a_what_if_is_drawn_in_the_one_run_its_click_starts(monkeypatch):
    """Issue 22: a what-if button records its change in a callback, before the run its click starts, so that
    run draws the map and statistics with it (it was a run that recorded it and then ``st.rerun``: the
    planner waited for two runs and two maps)."""
    from pages.views import coverage_map

    drawn = []
    real = coverage_map.show

    def counted(*args, **kwargs):
        drawn.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(coverage_map, "show", counted)
    at = _run()
    before = _stats(at)["用地覆盖率（%）"]
    _tab(at, "假设分析")
    at.selectbox(key="cov_add_cat").set_value("elderly_day_care").run()
    for button, n in (("cov_add_site_btn", 1), ("cov_reset", 0)):
        drawn.clear()
        at.button(key=button).click().run()
        assert not at.exception, at.exception
        assert len(page_state(at).added) == n
        assert len(drawn) == 1, f"{button}: the map was drawn {len(drawn)} times"
        assert bool([m for m in at.metric if m.label.startswith("老年人日间照料中心")]) == bool(n)
    assert _stats(_tab(at, "覆盖统计"))["用地覆盖率（%）"].equals(before)
    _tab(at, "假设分析")
    at.selectbox(key="cov_rm").set_value(at.selectbox(key="cov_rm").options[1]).run()
    drawn.clear()
    at.button(key="cov_rm_btn").click().run()
    assert page_state(at).removed == ["plan:PF-001"] and len(drawn) == 1
