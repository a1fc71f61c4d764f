"""`python -m renewal import FILE --layer facilities|network`: a planner's inventory with Amap coordinates and
Chinese columns goes into the workspace and the coverage command uses it; bad input changes nothing."""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString

from cli.main import main
from renewal.analysis.facilities import load_workspace_facilities, workspace_facilities_path
from renewal.analysis.network_files import workspace_network_path
from renewal.crs import wgs84_to_gcj02

SCHOOLS = [("河东实验小学", "小学", 117.2277, 39.1100), ("东局子小学", "小学", 117.2450, 39.1180)]


def _amap_xlsx(path, rows=SCHOOLS):
    recs = []
    for name, cat, lon, lat in rows:
        glon, glat = wgs84_to_gcj02(lon, lat)
        recs.append({"名称": name, "类别": cat, "经度": float(glon), "纬度": float(glat), "地址": "河东区"})
    pd.DataFrame(recs).to_excel(path, index=False)
    return path


def test_amap_inventory_lands_in_place_and_feeds_coverage(tmp_path):
    ws = tmp_path / "ws"
    src = _amap_xlsx(tmp_path / "学校.xlsx")
    args = ["--workspace", str(ws), "import", str(src), "--layer", "facilities", "--crs", "gcj02"]
    assert main(args) == 0 and load_workspace_facilities(ws) is None  # dry run: nothing written
    assert main([*args, "--yes"]) == 0
    fac = load_workspace_facilities(ws)
    assert list(fac["name"]) == [n for n, *_ in SCHOOLS] and set(fac["category"]) == {"primary_school"}
    # GCJ-02 numbers converted back: within a metre of the WGS84 positions
    metric = fac.to_crs(4548).geometry
    want = gpd.GeoSeries(gpd.points_from_xy([r[2] for r in SCHOOLS], [r[3] for r in SCHOOLS]), crs=4326)
    assert metric.distance(want.to_crs(4548), align=False).max() < 1.0
    out = tmp_path / "cov.gpkg"
    assert main(["--workspace", str(ws), "coverage", "--facilities", "workspace", "--out", str(out)]) == 0
    stats = gpd.read_file(out, layer="stats")
    assert stats.set_index("category").loc["primary_school", "n_facilities"] == 2


def test_second_inventory_needs_replace_and_a_refusal_changes_nothing(tmp_path, capsys):
    ws = tmp_path / "ws"
    src = _amap_xlsx(tmp_path / "学校.xlsx")
    base = ["--workspace", str(ws), "import", str(src), "--layer", "facilities", "--crs", "gcj02", "--yes"]
    assert main(base) == 0
    before = workspace_facilities_path(ws).read_bytes()
    assert main(base) == 2 and "--replace" in capsys.readouterr().err
    far = _amap_xlsx(tmp_path / "far.xlsx", [("北京某校", "小学", 116.40, 39.90)])
    assert (
        main(["--workspace", str(ws), "import", str(far), "--layer", "facilities", "--replace", "--yes"]) == 2
    )
    unknown = tmp_path / "unknown.xlsx"
    pd.DataFrame([{"名称": "网吧", "类别": "网吧", "经度": 117.2277, "纬度": 39.11}]).to_excel(
        unknown, index=False
    )
    assert (
        main(["--workspace", str(ws), "import", str(unknown), "--layer", "facilities", "--replace", "--yes"])
        == 2
    )
    assert "网吧" in capsys.readouterr().out  # the unmatched value is listed, not dropped silently
    assert workspace_facilities_path(ws).read_bytes() == before


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_network_layer_import_stores_the_walking_network(tmp_path, suffix):
    ws = tmp_path / "ws"
    lines = gpd.GeoDataFrame(
        geometry=[
            LineString([(117.22, 39.11), (117.23, 39.11)]),
            LineString([(117.225, 39.105), (117.225, 39.115)]),
        ],
        crs=4326,
    )
    src = tmp_path / f"roads{suffix}"
    lines.to_file(src)
    assert main(["--workspace", str(ws), "import", str(src), "--layer", "network", "--yes"]) == 0
    assert workspace_network_path(ws).exists()
