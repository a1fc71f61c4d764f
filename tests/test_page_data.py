"""数据管理 page (AppTest) and its view helpers: layer list, export, CRS suggestion with both placements."""

from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

import geodata
from pages.views import data_state, ui_state
from pages.views import data_views as dv
from renewal import crs as crsmod
from renewal.layer_import import check_layer
from renewal.storage.access import Actor
from renewal.storage.layers import open_layers

ROOT = Path(__file__).resolve().parent.parent


def _run(section: str | None = None) -> AppTest:
    """The page; with ``section`` ("已导入图层"), that section chosen (one section is drawn at a time)."""
    at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=60)
    if section is not None:
        at.session_state["data_section"] = section
    at.run()
    return at


def test_page_runs_with_an_empty_workspace():
    at = _run()
    assert not at.exception, at.exception
    assert at.title[0].value == "数据管理"
    assert not any("还没有导入的图层" in i.value for i in at.info)  # the import section first, alone
    at = _run("已导入图层")
    assert not at.exception, at.exception
    assert any("还没有导入的图层" in i.value for i in at.info)


def test_page_lists_and_exports_an_imported_layer(_isolated_workspace):
    gdf = gpd.GeoDataFrame({"名称": ["<b>学校</b>"]}, geometry=[Point(117.2277, 39.11)], crs=4326)
    open_layers(_isolated_workspace).put(
        "ref_schools",
        "reference",
        gdf,
        source_file="schools.xlsx",
        crs="GCJ-02",
        actor=Actor("规划师"),
        title="学校",
    )
    at = _run("已导入图层")
    assert not at.exception, at.exception
    table = next(df.value for df in at.dataframe if "图层名" in df.value.columns)
    assert table.iloc[0]["图层名"] == "ref_schools" and table.iloc[0]["导入人"] == "规划师"
    assert table.iloc[0]["要素数"] == 1 and table.iloc[0]["来源文件"] == "schools.xlsx"
    at.selectbox(key="data_fmt").set_value("zip").run()
    at.selectbox(key="data_out_crs").set_value("cgcs2000_gk").run()
    assert not at.exception, at.exception
    assert "ref_schools" in at.selectbox(key="data_layer").value
    at.checkbox(key="data_remove_ok").check().run()
    at.button(key="data_remove").click().run()
    assert not at.exception and open_layers(_isolated_workspace).list() == []
    assert open_layers(_isolated_workspace).history("ref_schools")[0]["action"] == "remove"


def test_undo_my_last_change_button(_isolated_workspace):
    """撤销我的上一次修改 takes back the planner's own import; after someone else's replace it is refused."""
    from renewal.storage.access import local_actor

    gdf = gpd.GeoDataFrame({"名称": ["学校"]}, geometry=[Point(117.2277, 39.11)], crs=4326)
    store = open_layers(_isolated_workspace)
    me = local_actor()  # the page's person without a users file
    store.put("ref_a", "reference", gdf, source_file="a.gpkg", crs="EPSG:4326", actor=me, title="甲")
    store.put("ref_b", "reference", gdf, source_file="b.gpkg", crs="EPSG:4326", actor=me, title="乙")
    store.put(
        "ref_a", "reference", gdf, source_file="c.gpkg", crs="EPSG:4326", actor=Actor("李工"), replace=True
    )
    at = _run("已导入图层")
    at.button(key="data_undo").click().run()
    assert not at.exception, at.exception
    assert any("ref" in s.value and "b”" in s.value and "（导入）" in s.value for s in at.success), [
        s.value for s in at.success
    ]
    assert [lyr.name for lyr in store.list()] == ["ref_a"]
    # the page's memory is one state object under one key, and the notice is said once
    assert isinstance(at.session_state[data_state.STATE_KEY], data_state.DataPageState)
    assert "data_undone" not in at.session_state
    at.run()
    assert not any("（导入）" in s.value for s in at.success), [s.value for s in at.success]
    before = store.history()
    at.button(key="data_undo").click().run()  # my next change is ref_a's import: 李工 replaced it since
    assert not at.exception, at.exception
    assert any("李工" in e.value and "未撤销" in e.value for e in at.error), [e.value for e in at.error]
    assert store.history() == before and store.get("ref_a").who == "李工"


def test_gcj02_upload_shows_both_placements():
    metro = geodata.load("metro_stations")
    gcj = [crsmod.convert_geometry(g, "wgs84", "gcj02") for g in metro.geometry]
    table = pd.DataFrame({"站名": metro["name"], "经度": [g.x for g in gcj], "纬度": [g.y for g in gcj]})
    data = table.to_csv(index=False).encode("utf-8")
    check = check_layer(data, "reference", filename="stations.csv")
    assert not check.ok and any("GCJ-02" in zh for _, zh in check.problems)
    alts = dv.alternatives(check)
    assert len(alts) == 1 and "GCJ-02" in alts[0][0]
    # the suggested placement lies on the WGS84 stations; the one as read does not
    assert alts[0][1].iloc[0].distance(metro.geometry.iloc[0]) < 1e-7
    assert check.gdf.geometry.iloc[0].distance(metro.geometry.iloc[0]) > 1e-3
    assert dv.suggestion_choice(check.verdict.suggestions[0]) == "gcj02"
    fixed = check_layer(data, "reference", crs="gcj02", filename="stations.csv")
    assert fixed.ok and fixed.count == len(metro)
    rows = dv.summary_rows(fixed)
    assert "GCJ-02" in rows.set_index("项目").loc["坐标系", "内容"]


def _files(tmp_path) -> dict[str, bytes]:
    """A small file of each format, two schools inside Hedong."""
    import io
    import zipfile

    import numpy as np
    import rasterio

    from renewal.io.export import layer_bytes

    gdf = gpd.GeoDataFrame(
        {"name": ["甲小学", "乙小学"]}, geometry=[Point(117.2277, 39.11), Point(117.2377, 39.12)], crs=4326
    )
    out = {f"s.{fmt}": layer_bytes(gdf, fmt) for fmt in ("geojson", "gpkg", "zip", "kml", "csv", "xlsx")}
    kmz = io.BytesIO()
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.writestr("doc.kml", out["s.kml"])
    out["s.kmz"] = kmz.getvalue()
    tif = tmp_path / "pop.tif"
    with rasterio.open(
        tif,
        "w",
        driver="GTiff",
        width=2,
        height=1,
        count=1,
        dtype="float32",
        crs="EPSG:4548",
        transform=rasterio.Affine(100, 0, 520_000, 0, -100, 4_330_000),
    ) as dst:
        dst.write(np.array([[[5, 7]]], dtype="float32"))
    out["pop.tif"] = tif.read_bytes()
    return out


def test_upload_each_format_preview_and_confirm(tmp_path, _isolated_workspace):
    for i, (name, data) in enumerate(_files(tmp_path).items()):
        at = _run()
        if name.endswith(".tif"):
            at.selectbox(key="data_kind").set_value("population").run()
        at.file_uploader(key="data_file").set_value((name, data, "application/octet-stream")).run()
        assert not at.exception, (name, at.exception)
        summary = next(df.value for df in at.dataframe if "项目" in df.value.columns).set_index("项目")
        assert summary.loc["要素数", "内容"] == "2", name
        at.text_input(key="data_name").set_value(f"layer_{i}").run()
        at.text_input(key="data_title").set_value("**粗体** <b>x</b>").run()
        next(b for b in at.button if b.label == "确认导入").click().run()
        assert not at.exception, (name, at.exception)
        done = next(s.value for s in at.success if "已导入 2 个要素" in s.value)
        assert "\\*\\*粗体\\*\\*" in done, done  # the planner's title shown literally, not as Markdown
    names = {lyr.name for lyr in open_layers(_isolated_workspace).list()}
    assert names == {f"layer_{i}" for i in range(len(_files(tmp_path)))}


def test_upload_hostile_file_shows_chinese_error_and_writes_nothing(_isolated_workspace):
    bad = (ROOT / "tests" / "data" / "bad" / "io_zip_traversal.zip").read_bytes()
    at = _run()
    at.file_uploader(key="data_file").set_value(("evil.zip", bad, "application/zip")).run()
    assert not at.exception, at.exception
    assert any("路径穿越" in e.value for e in at.error)
    assert not (_isolated_workspace / "layers.gpkg").exists()


def test_upload_gcj02_suggests_and_switches(_isolated_workspace):
    metro = geodata.load("metro_stations")
    gcj = [crsmod.convert_geometry(g, "wgs84", "gcj02") for g in metro.geometry]
    table = pd.DataFrame({"站名": metro["name"], "经度": [g.x for g in gcj], "纬度": [g.y for g in gcj]})
    at = _run()
    at.file_uploader(key="data_file").set_value(
        ("stations.csv", table.to_csv(index=False).encode(), "text/csv")
    ).run()
    assert not at.exception, at.exception
    confirm = next(b for b in at.button if b.label == "确认导入")
    assert confirm.disabled
    at.button(key="use_gcj02").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="data_crs").value == "gcj02"
    assert not next(b for b in at.button if b.label == "确认导入").disabled


def test_upload_geopackage_with_several_layers_asks_which(tmp_path, _isolated_workspace):
    path = tmp_path / "two.gpkg"
    gdf = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[Point(117.2277, 39.11)], crs=4326)
    gdf.to_file(path, layer="schools")
    gdf.assign(name="乙").to_file(path, layer="parks")
    at = _run()
    at.file_uploader(key="data_file").set_value(
        ("two.gpkg", path.read_bytes(), "application/octet-stream")
    ).run()
    assert not at.exception, at.exception
    assert any("schools" in e.value and "parks" in e.value for e in at.error)  # refused until one is chosen
    assert set(at.selectbox(key="data_sublayer").options) == {"schools", "parks"}
    at.selectbox(key="data_sublayer").set_value("parks").run()
    summary = next(df.value for df in at.dataframe if "项目" in df.value.columns).set_index("项目")
    assert "parks" in summary.loc["文件", "内容"] and summary.loc["要素数", "内容"] == "1"


def test_team_database_down_the_page_says_so_and_offers_no_traceback(tmp_path, monkeypatch):
    """With the team database not answering, 数据管理 says so in Chinese (every section) instead of failing."""
    monkeypatch.setenv("RENEWAL_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("RENEWAL_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/renewal?connect_timeout=1")
    for section in (None, "已导入图层"):
        at = _run(section)
        assert not at.exception, at.exception
        said = [e.value for e in at.error] + [w.value for w in at.warning]
        assert any("团队数据库" in s for s in said), said
    assert not (tmp_path / "layers.gpkg").exists()


def test_the_export_file_is_built_on_click_and_a_refused_crs_is_said_at_once(
    _isolated_workspace, monkeypatch
):
    """No file is built on a rerun (the download button builds it when clicked); what the export would
    refuse (KML in a projected CRS) is said in Chinese at once, without a button."""
    import renewal.io.export as export

    built = []
    real = export.layer_bytes
    monkeypatch.setattr(export, "layer_bytes", lambda *a, **k: built.append(a) or real(*a, **k))
    gdf = gpd.GeoDataFrame({"名称": ["学校"]}, geometry=[Point(117.2277, 39.11)], crs=4326)
    open_layers(_isolated_workspace).put(
        "ref_schools",
        "reference",
        gdf,
        source_file="s.xlsx",
        crs="WGS84",
        actor=Actor("规划师"),
        title="学校",
    )
    at = _run("已导入图层")
    at.selectbox(key="data_fmt").set_value("gpkg").run()
    assert not at.exception and built == []  # reruns build nothing
    at.selectbox(key="data_fmt").set_value("kml").run()
    at.selectbox(key="data_out_crs").set_value("cgcs2000_gk").run()
    assert not at.exception, at.exception
    assert any("KML只能保存经纬度坐标" in e.value for e in at.error), [e.value for e in at.error]


def test_map_choices_are_kept_in_the_shared_state():
    """The sidebar's basemap and label choices live in one state object (pages.views.ui_state), not in loose
    keys; the widgets start from it on the next run (as on the next page)."""
    at = _run()
    kept = at.session_state[ui_state.STATE_KEY]
    assert isinstance(kept, ui_state.SharedPageState) and (kept.basemap, kept.labels) == ("none", True)
    at.sidebar.selectbox(key=ui_state.BASEMAP_WIDGET).select("osm").run()
    at.sidebar.toggle(key=ui_state.LABELS_WIDGET).set_value(False).run()
    assert not at.exception, at.exception
    kept = at.session_state[ui_state.STATE_KEY]
    assert (kept.basemap, kept.labels) == ("osm", False)
    assert "basemap" not in at.session_state and "labels" not in at.session_state
    at.run()  # a new run sets the widgets from the kept choices
    assert at.sidebar.selectbox(key=ui_state.BASEMAP_WIDGET).value == "osm"
    assert at.sidebar.toggle(key=ui_state.LABELS_WIDGET).value is False
