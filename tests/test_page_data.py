"""数据管理 page (AppTest) and its view helpers: layer list, export, CRS suggestion with both placements."""

from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

import geodata
from pages.views import data_views as dv
from renewal import crs as crsmod
from renewal.layer_import import check_layer
from renewal.storage.layers import open_layers

ROOT = Path(__file__).resolve().parent.parent


def _run() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=60)
    at.run()
    return at


def test_page_runs_with_an_empty_workspace():
    at = _run()
    assert not at.exception, at.exception
    assert at.title[0].value == "数据管理"
    assert any("还没有导入的图层" in i.value for i in at.info)


def test_page_lists_and_exports_an_imported_layer(_isolated_workspace):
    gdf = gpd.GeoDataFrame({"名称": ["<b>学校</b>"]}, geometry=[Point(117.2277, 39.11)], crs=4326)
    open_layers(_isolated_workspace).put(
        "ref_schools", "reference", gdf, source_file="schools.xlsx", crs="GCJ-02", who="规划师", title="学校"
    )
    at = _run()
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
