"""Command line: accessibility, coverage, import-network, fetch-network."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from cli.main import main
from renewal.crs import transformer, wgs84_to_gcj02
from tests.coverage_fixtures import X0, Y0, box_gdf, grid_lines_gdf, points_gdf


@pytest.fixture()
def files(tmp_path):
    roads = tmp_path / "roads.geojson"
    grid_lines_gdf(11, crs=4326).to_file(roads)
    fac = points_gdf(
        [[X0, Y0], [X0 + 1000, Y0 + 1000], [X0 + 1000, Y0]],
        crs=4326,
        category=["幼儿园", "幼儿园", "小学"],
        id=["K1", "K2", "P1"],
    )
    fac_csv = tmp_path / "fac.csv"
    pd.DataFrame(
        {"id": fac["id"], "category": fac["category"], "lon": fac.geometry.x, "lat": fac.geometry.y}
    ).to_csv(fac_csv, index=False)
    org = tmp_path / "homes.geojson"
    points_gdf([[X0 + 300, Y0 + 200], [X0 + 950, Y0 + 1000]], crs=4326, home=["h1", "h2"]).to_file(org)
    boundary = tmp_path / "boundary.geojson"
    box_gdf(X0 - 50, Y0 - 50, X0 + 1050, Y0 + 1050, crs=4326, name=["test"]).to_file(boundary)
    return {"roads": roads, "fac": fac_csv, "fac_gdf": fac, "org": org, "boundary": boundary, "dir": tmp_path}


def test_accessibility_csv_network(files, capsys):
    out = files["dir"] / "acc.csv"
    rc = main(
        [
            "accessibility",
            "--roads",
            str(files["roads"]),
            "--facilities",
            str(files["fac"]),
            "--origins",
            str(files["org"]),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    df = pd.read_csv(out)
    assert list(df["home"]) == ["h1", "h2"]
    assert df["dist_m_幼儿园"].tolist() == pytest.approx([500, 50], abs=0.05)
    assert df["facility_id_幼儿园"].tolist() == ["K1", "K2"]
    assert df["dist_m_小学"].tolist() == pytest.approx([900, 1050], abs=0.05)
    assert {"lon", "lat"} <= set(df.columns)


def test_accessibility_gpkg_radius(files):
    out = files["dir"] / "acc.gpkg"
    rc = main(
        [
            "accessibility",
            "--mode",
            "radius",
            "--facilities",
            str(files["fac"]),
            "--origins",
            str(files["org"]),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    g = gpd.read_file(out)
    assert g.crs.to_epsg() == 4326
    assert g["dist_m_幼儿园"].tolist() == pytest.approx([np.hypot(300, 200), 50], abs=0.05)


def test_accessibility_gcj02_input(files):
    f = pd.read_csv(files["fac"])
    glon, glat = wgs84_to_gcj02(f["lon"].to_numpy(), f["lat"].to_numpy())
    gcj = files["dir"] / "fac_gcj.xlsx"
    f.assign(lon=glon, lat=glat).to_excel(gcj, index=False)
    out = files["dir"] / "acc_gcj.csv"
    # origins are WGS84 GeoJSON; --coords applies to both inputs, so give WGS84 origins as GCJ too
    org = gpd.read_file(files["org"])
    ox, oy = wgs84_to_gcj02(org.geometry.x.to_numpy(), org.geometry.y.to_numpy())
    org_gcj = files["dir"] / "homes_gcj.csv"
    pd.DataFrame({"home": org["home"], "lon": ox, "lat": oy}).to_csv(org_gcj, index=False)
    rc = main(
        [
            "accessibility",
            "--roads",
            str(files["roads"]),
            "--facilities",
            str(gcj),
            "--coords",
            "gcj02",
            "--origins",
            str(org_gcj),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    df = pd.read_csv(out)
    assert df["dist_m_幼儿园"].tolist() == pytest.approx([500, 50], abs=0.5)


def test_accessibility_bad_input_leaves_no_file(files, capsys):
    out = files["dir"] / "acc.csv"
    nocrs = files["dir"] / "nocrs.csv"
    pd.DataFrame({"a": [1]}).to_csv(nocrs, index=False)
    rc = main(
        [
            "accessibility",
            "--roads",
            str(files["roads"]),
            "--facilities",
            str(nocrs),
            "--origins",
            str(files["org"]),
            "--out",
            str(out),
        ]
    )
    assert rc == 2
    assert "lon" in capsys.readouterr().err
    assert not out.exists()
    empty = files["dir"] / "empty.geojson"
    empty.write_text("")
    rc = main(
        [
            "accessibility",
            "--roads",
            str(empty),
            "--facilities",
            str(files["fac"]),
            "--origins",
            str(files["org"]),
            "--out",
            str(out),
        ]
    )
    assert rc == 2 and not out.exists()
    assert list(files["dir"].glob(".acc*")) == []


def test_coverage_command_writes_layers_and_report(files, capsys):
    out = files["dir"] / "cov.gpkg"
    rep = files["dir"] / "cov.xlsx"
    zones = files["dir"] / "zones.geojson"
    gpd.GeoDataFrame(
        {"name": ["W", "E"], "population": [1000, 3000]},
        geometry=list(box_gdf(X0 - 50, Y0 - 50, X0 + 450, Y0 + 1050).geometry)
        + list(box_gdf(X0 + 450, Y0 - 50, X0 + 1050, Y0 + 1050).geometry),
        crs=4548,
    ).to_crs(4326).to_file(zones)
    rc = main(
        [
            "coverage",
            "--facilities",
            str(files["fac"]),
            "--roads",
            str(files["roads"]),
            "--boundary",
            str(files["boundary"]),
            "--zones",
            str(zones),
            "--population",
            str(zones),
            "--pop-field",
            "population",
            "--cell",
            "100",
            "--out",
            str(out),
            "--report",
            str(rep),
        ]
    )
    assert rc == 0
    layers = set(pyogrio.list_layers(out)[:, 0])
    assert {"catchments", "grid", "gaps", "stats", "zone_stats"} <= layers
    stats = gpd.read_file(out, layer="stats")
    s = stats.set_index("category")
    # two kindergartens at opposite corners: 2 x 10 lattice cells within 300 m, of 121
    assert s.loc["kindergarten", "land_share"] == pytest.approx(20 / 121)
    assert s.loc["kindergarten", "population"] == pytest.approx(4000)
    sheets = pd.read_excel(rep, sheet_name=None)
    assert {"覆盖统计", "分区统计", "设施类别与距离标准", "生活圈", "提示"} <= set(sheets)
    first = next(iter(sheets.values()))
    assert list(sheets)[0] == "覆盖统计"
    assert "幼儿园" in set(first["设施类别"])  # Chinese headers and labels, no codes
    assert {"用地覆盖率（%）", "生活圈", "计算方式"} <= set(first.columns)
    assert not {"category", "land_share"} & set(first.columns)
    grid = gpd.read_file(out, layer="grid")
    assert grid["kindergarten_covered"].sum() == 20


def test_coverage_radius_mode_default_without_roads(files):
    out = files["dir"] / "cov_r.gpkg"
    rc = main(
        [
            "coverage",
            "--facilities",
            str(files["fac"]),
            "--boundary",
            str(files["boundary"]),
            "--cell",
            "100",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    s = gpd.read_file(out, layer="stats").set_index("category")
    assert s.loc["primary_school", "mode"] == "radius"
    # the 500 m circle around P1 cut by the boundary 50 m east and 50 m south of it
    import shapely

    expected = (
        shapely.Point(X0 + 1000, Y0)
        .buffer(500, quad_segs=256)
        .intersection(shapely.box(X0 - 50, Y0 - 50, X0 + 1050, Y0 + 1050))
        .area
    )
    assert s.loc["primary_school", "covered_area_m2"] == pytest.approx(expected, rel=3e-3)


def test_coverage_refuses_wrong_output_extension(files, capsys):
    rc = main(["coverage", "--facilities", str(files["fac"]), "--out", str(files["dir"] / "x.csv")])
    assert rc == 2


def test_import_network_then_use_it(files, capsys):
    rc = main(["import-network", str(files["roads"])])
    assert rc == 0
    out = files["dir"] / "acc.csv"
    rc = main(
        [
            "accessibility",
            "--mode",
            "network",
            "--facilities",
            str(files["fac"]),
            "--origins",
            str(files["org"]),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    assert pd.read_csv(out)["dist_m_幼儿园"].tolist() == pytest.approx([500, 50], abs=0.05)


def test_network_mode_without_a_network_names_the_import_route(files, capsys):
    rc = main(
        [
            "accessibility",
            "--mode",
            "network",
            "--facilities",
            str(files["fac"]),
            "--origins",
            str(files["org"]),
            "--out",
            str(files["dir"] / "a.csv"),
        ]
    )
    assert rc == 2
    assert "import-network" in capsys.readouterr().err


def test_fetch_network_without_internet_fails_fast(monkeypatch, capsys):
    import cli.commands.fetch_network as fetch

    monkeypatch.setattr(fetch, "internet_available", lambda *a, **k: False)
    rc = main(["fetch-network"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "No internet" in err and "import-network" in err and ".osm.pbf" in err


def test_osm_file_as_roads(files, tmp_path):
    from tests.coverage_fixtures import write_osm

    t = transformer(4548, 4326)
    nodes = {i + 1: t.transform(X0 + 100 * i, Y0) for i in range(11)}
    path = write_osm(tmp_path / "line.osm", nodes, [(1, list(range(1, 12)), {"highway": "footway"})])
    out = tmp_path / "acc.csv"
    org = tmp_path / "o.geojson"
    points_gdf([[X0 + 420, Y0 + 10]], crs=4326, home=["h"]).to_file(org)
    rc = main(
        [
            "accessibility",
            "--roads",
            str(path),
            "--facilities",
            str(files["fac"]),
            "--origins",
            str(org),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    df = pd.read_csv(out)
    assert df["dist_m_幼儿园"].iat[0] == pytest.approx(430, abs=0.1)  # 420 along + 10 off the way


def test_coverage_distance_override(files):
    out = files["dir"] / "cov_d.gpkg"
    rc = main(
        [
            "coverage",
            "--facilities",
            str(files["fac"]),
            "--roads",
            str(files["roads"]),
            "--boundary",
            str(files["boundary"]),
            "--cell",
            "100",
            "--distance",
            "幼儿园=100",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    s = gpd.read_file(out, layer="stats").set_index("category")
    assert s.loc["kindergarten", "cutoff_m"] == 100
    assert s.loc["kindergarten", "land_share"] == pytest.approx(
        2 * 3 / 121
    )  # corner node + 2 neighbours, twice
    rc = main(["coverage", "--facilities", str(files["fac"]), "--distance", "幼儿园", "--out", str(out)])
    assert rc == 2
