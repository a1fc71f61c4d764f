"""``convert`` to a projection that cannot show a point (issue 23: "inf or lat-90 coordinates through
``convert``"): latitude ±90 to Web Mercator made a y of 242 million metres; the far pole of a polar
stereographic projection 1e23. Now a clear message, exit code 2, and no output file."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from cli.main import main
from renewal.crs import parse_crs, xy_from_wgs84
from renewal.errors import InputError
from renewal.io.export import write_layer


def _table(tmp_path, lat):
    src = tmp_path / "points.csv"
    src.write_text(f"name,lon,lat\nhedong,117.25,39.12\npole,117.2,{lat}\n", encoding="utf-8")
    return src


def _geojson(tmp_path, lat):
    src = tmp_path / "points.geojson"
    feats = [
        {"type": "Feature", "properties": {"n": n}, "geometry": {"type": "Point", "coordinates": [117.2, y]}}
        for n, y in (("hedong", 39.12), ("far", lat))
    ]
    src.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    return src


@pytest.mark.parametrize("lat", [90, -90, 85.1, 89.9])
def test_a_table_with_a_latitude_beyond_web_mercator_is_refused(tmp_path, capsys, lat):
    out = tmp_path / "out.csv"
    assert (
        main(["convert", str(_table(tmp_path, lat)), str(out), "--from", "wgs84", "--to", "EPSG:3857"]) == 2
    )
    err = capsys.readouterr().err
    assert "cannot be converted to EPSG:3857" in err and "85.05" in err and "point 2" in err, err
    assert not out.exists()


@pytest.mark.parametrize("target", ["EPSG:3857", "EPSG:3395"])
def test_a_layer_beyond_a_mercator_projection_is_refused(tmp_path, capsys, target):
    out = tmp_path / "out.gpkg"
    assert main(["convert", str(_geojson(tmp_path, 89.5)), str(out), "--to", target]) == 2
    assert f"cannot be converted to {target}" in capsys.readouterr().err
    assert not out.exists()


def test_the_far_pole_of_a_polar_projection_is_refused(tmp_path, capsys):
    out = tmp_path / "out.geojson"
    assert main(["convert", str(_geojson(tmp_path, -90)), str(out), "--to", "EPSG:3413"]) == 2
    assert "cannot be converted to EPSG:3413" in capsys.readouterr().err
    assert not out.exists()


def test_points_inside_the_projection_convert_as_before(tmp_path):
    out = tmp_path / "out.csv"
    assert (
        main(["convert", str(_table(tmp_path, 85.0)), str(out), "--from", "wgs84", "--to", "EPSG:3857"]) == 0
    )
    y = [float(r.split(",")[2]) for r in out.read_text(encoding="utf-8-sig").splitlines()[1:]]
    assert 4.7e6 < y[0] < 4.8e6 and 1.96e7 < y[1] < 2.0e7  # 85° is about 19.97 million metres north
    x, y = xy_from_wgs84([117.2], [-85.0511], "EPSG:3857")
    assert abs(y[0]) < 2.01e7


def test_the_message_is_in_both_languages_and_an_export_is_refused_too(tmp_path):
    gdf = gpd.read_file(_geojson(tmp_path, 90))
    with pytest.raises(InputError) as err:
        write_layer(gdf, tmp_path / "out.gpkg", crs=parse_crs("EPSG:3857").name)
    assert "墨卡托投影只到纬度" in err.value.message_zh and "未写出任何文件" in err.value.message_zh
    assert not (tmp_path / "out.gpkg").exists()
