"""--crs on the analysis exports: the coverage result in CGCS2000 GK, then as a Shapefile, lands where the WGS84 one does."""

import zipfile

import geopandas as gpd
import pandas as pd
import pytest

from cli.main import main
from renewal.io.read import read_vector
from tests.coverage_fixtures import X0, Y0, box_gdf, points_gdf


@pytest.fixture()
def inputs(tmp_path):
    fac = points_gdf([[X0, Y0], [X0 + 1000, Y0]], crs=4326, category=["幼儿园", "小学"], id=["K1", "P1"])
    fac_csv = tmp_path / "fac.csv"
    pd.DataFrame(
        {"id": fac["id"], "category": fac["category"], "lon": fac.geometry.x, "lat": fac.geometry.y}
    ).to_csv(fac_csv, index=False)
    boundary = tmp_path / "b.geojson"
    box_gdf(X0 - 50, Y0 - 50, X0 + 1050, Y0 + 1050, crs=4326, name=["t"]).to_file(boundary)
    return fac_csv, boundary, tmp_path


def _coverage(fac, boundary, out, *extra):
    args = [
        "coverage",
        "--facilities",
        str(fac),
        "--boundary",
        str(boundary),
        "--cell",
        "100",
        "--out",
        str(out),
    ]
    assert main([*args, *extra]) == 0


def test_coverage_crs_then_shapefile(inputs):
    fac, boundary, d = inputs
    _coverage(fac, boundary, d / "w.gpkg")
    _coverage(fac, boundary, d / "gk.gpkg", "--crs", "EPSG:4548")
    w = gpd.read_file(d / "w.gpkg", layer="catchments")
    gk = gpd.read_file(d / "gk.gpkg", layer="catchments")
    assert w.crs.to_epsg() == 4326 and gk.crs.to_epsg() == 4548
    assert gk.to_crs(4326).geometry.iloc[0].hausdorff_distance(w.geometry.iloc[0]) < 1e-7
    shp = d / "catchments.zip"
    assert (
        main(["convert", "--to", "EPSG:4548", "--layer-name", "catchments", str(d / "w.gpkg"), str(shp)]) == 0
    )
    with zipfile.ZipFile(shp) as zf:
        assert any(n.endswith(".prj") and "CM_117E" in zf.read(n).decode() for n in zf.namelist())
    back = read_vector(shp).gdf
    assert back.geometry.iloc[0].hausdorff_distance(w.geometry.iloc[0]) < 1e-7


def test_accessibility_crs(inputs):
    fac, _, d = inputs
    org = d / "homes.geojson"
    points_gdf([[X0 + 300, Y0 + 200]], crs=4326, home=["h1"]).to_file(org)
    out = d / "acc.csv"
    args = ["accessibility", "--facilities", str(fac), "--origins", str(org), "--mode", "radius"]
    assert main([*args, "--out", str(out), "--crs", "EPSG:4548"]) == 0
    t = pd.read_csv(out, encoding="utf-8-sig")
    assert {"x", "y"} <= set(t.columns) and t["x"].iloc[0] == pytest.approx(X0 + 300, abs=0.01)
