"""Odd coordinate systems, field names and geometries (issue 23, medium list): each a clear message or
a correct result, never a traceback."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from cli.main import main
from renewal.errors import InputError
from renewal.io.read import read_vector
from renewal.storage.layers import open_layers

LOCAL_CS = 'LOCAL_CS["Local",LOCAL_DATUM["Local",0],UNIT["metre",1],AXIS["X",EAST],AXIS["Y",NORTH]]'
ORTHO = "+proj=ortho +lat_0=39.11 +lon_0=117.22 +ellps=WGS84 +units=m +no_defs"
INSIDE = [117.2277, 39.1100]


def raster(path, crs) -> None:
    import rasterio
    from rasterio.transform import Affine

    with rasterio.open(
        path, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32", crs=crs,
        transform=Affine(100, 0, -500, 0, -100, 500),
    ) as dst:  # fmt: skip
        dst.write(np.ones((10, 10), "float32"), 1)


def geojson(path, props, geometry) -> None:
    feature = {"type": "Feature", "properties": props, "geometry": geometry}
    text = (
        json.dumps({"type": "FeatureCollection", "features": [feature]})
        if isinstance(geometry, dict)
        else None
    )
    path.write_text(text or geometry.replace("PROPS", json.dumps(props)), encoding="utf-8")


def test_a_crs_without_epsg_code_is_converted_or_refused_clearly(tmp_path):
    """LOCAL_CS .prj and .tif crashed with CRSError EPSG:0; an orthographic .tif too."""
    shp = tmp_path / "local.shp"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(100, 200)]).to_file(shp)
    (tmp_path / "local.prj").write_text(LOCAL_CS)
    raster(tmp_path / "local.tif", LOCAL_CS)
    for name in ("local.shp", "local.tif"):
        with pytest.raises(InputError) as err:
            read_vector(tmp_path / name)
        assert "local system" in err.value.message_en and "本地坐标系" in err.value.message_zh
    assert read_vector(tmp_path / "local.shp", crs="EPSG:4548").declared.epsg == 4548  # told: fine

    raster(tmp_path / "ortho.tif", ORTHO)  # 1 km around (117.22, 39.11) in an orthographic projection
    got = read_vector(tmp_path / "ortho.tif", what="population")
    x0, y0, x1, y1 = got.gdf.total_bounds
    assert got.gdf.crs.to_epsg() == 4326 and len(got.gdf) == 100
    assert 117.21 < x0 < x1 < 117.23 and 39.10 < y0 < y1 < 39.12
    assert any("转换为WGS84" in zh for _, zh in got.notes)


def test_a_local_crs_population_raster_is_refused_by_the_coverage_grid(tmp_path):
    import geodata
    from renewal.analysis.grid import make_grid, population_to_cells
    from renewal.crs import METRIC_EPSG

    raster(tmp_path / "local.tif", LOCAL_CS)
    grid = make_grid(geodata.load("district").to_crs(METRIC_EPSG).geometry.union_all(), 200.0)
    with pytest.raises(InputError) as err:
        population_to_cells(grid, str(tmp_path / "local.tif"), cell=200.0)
    assert "本地坐标系" in err.value.message_zh


@pytest.mark.parametrize(
    "props",
    [{"Name": "甲", "name": "乙"}, {"fid": "abc", "name": "甲"}, {"geom": "x", "name": "甲"}],
    ids=["Name+name", "text-fid", "field-geom"],
)
def test_field_names_a_geopackage_keeps_for_itself_are_imported_as_they_are(tmp_path, props):
    """These names made the GeoPackage write fail with a traceback; the layer store keeps them."""
    src = tmp_path / "in.geojson"
    geojson(src, props, {"type": "Point", "coordinates": INSIDE})
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import", str(src), "--layer", "reference", "--yes"]) == 0
    layer = open_layers(ws).read("ref_in")
    assert {k: layer.iloc[0][k] for k in props} == props


@pytest.mark.parametrize("layer", ["sites", "reference"])
@pytest.mark.parametrize(
    "geometry",
    [
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":PROPS,"geometry":{"type":"Polygon",'
        '"coordinates":[[[117.227,39.110],[NaN,39.110],[117.228,39.111],[117.227,39.110]]]}}]}',
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":PROPS,"geometry":{"type":"Point",'
        '"coordinates":[Infinity,39.11]}}]}',
    ],
    ids=["nan-in-polygon", "infinite-point"],
)
def test_non_finite_coordinates_are_refused_with_a_message(tmp_path, capsys, layer, geometry):
    src = tmp_path / "bad.geojson"
    geojson(src, {"name": "甲", "status": "planned"}, geometry)
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import", str(src), "--layer", layer, "--yes"]) == 2
    err = capsys.readouterr().err
    assert "no geometry" in err and "Traceback" not in err
    assert not (ws / "layers.gpkg").exists()
    if layer == "sites":
        from renewal.storage import open_store

        assert not open_store(ws).history()


def test_a_geometry_collection_site_is_refused_so_the_catalogue_stays_exportable(tmp_path, capsys):
    src = tmp_path / "gc.geojson"
    square = [[117.227, 39.110], [117.228, 39.110], [117.228, 39.111], [117.227, 39.110]]
    geojson(
        src,
        {"name": "甲", "status": "planned"},
        {"type": "GeometryCollection", "geometries": [
            {"type": "Point", "coordinates": INSIDE}, {"type": "Polygon", "coordinates": [square]}]},
    )  # fmt: skip
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import", str(src), "--layer", "sites", "--yes"]) == 2
    assert "GeometryCollection" in capsys.readouterr().err
    out = tmp_path / "all.gpkg"
    assert main(["--workspace", str(ws), "sites", "export", "--out", str(out)]) == 0
    assert sum(len(gpd.read_file(out, layer=n)) for n in gpd.list_layers(out)["name"]) == 36
