"""import-osm on a small synthetic extract written with osmium's writer: network size,
facilities per category, what could not be classified, the buffer, and coverage afterwards."""

from __future__ import annotations

import geopandas as gpd
import osmium
import pytest
import shapely
from osmium.osm.mutable import Node, Way

import geodata
from cli.main import main
from renewal.analysis.facilities import load_workspace_facilities
from renewal.analysis.network_files import read_network, workspace_network_path
from renewal.analysis.osm_import import import_osm
from renewal.errors import InputError

LON0, LAT0, STEP = 117.24, 39.11, 0.005  # a 5 x 5 street grid inside Hedong

# (tags, expected categories); every one lies inside the district
POIS = [
    ({"amenity": "kindergarten", "name": "甲幼儿园"}, ["kindergarten"]),
    ({"amenity": "school", "isced:level": "1"}, ["primary_school"]),
    ({"amenity": "school", "name": "乙中学"}, ["middle_school"]),
    ({"amenity": "school", "isced:level": "1;2", "name": "丙学校"}, ["primary_school", "middle_school"]),
    ({"amenity": "clinic", "name": "丁医院门诊"}, ["health_centre"]),
    ({"amenity": "clinic", "name": "戊社区卫生服务站"}, ["health_station"]),
    ({"amenity": "social_facility", "social_facility": "nursing_home"}, ["nursing_home"]),
    (
        {"amenity": "social_facility", "social_facility": "day_care", "social_facility:for": "senior"},
        ["elderly_day_care"],
    ),
    ({"amenity": "school"}, []),  # no level, no telling name: could not classify
    ({"amenity": "social_facility", "social_facility": "shelter"}, []),
    ({"amenity": "cafe"}, None),  # not a facility key value: ignored, not reported
]


def _outside_point(metres: float) -> tuple[float, float]:
    """A WGS84 point ``metres`` east of the district's easternmost vertex (outside it)."""
    d = geodata.load("district").to_crs(4548).geometry.iloc[0]
    xy = shapely.get_coordinates(
        d.exterior if d.geom_type == "Polygon" else max(d.geoms, key=lambda g: g.area).exterior
    )
    x, y = xy[xy[:, 0].argmax()]
    p = gpd.GeoSeries([shapely.Point(x + metres, y)], crs=4548).to_crs(4326).iloc[0]
    assert not geodata.load("district").geometry.iloc[0].contains(p)
    return p.x, p.y


def write_extract(path):
    w = osmium.SimpleWriter(str(path))
    nid = 1
    grid = {}
    for i in range(5):
        for j in range(5):
            grid[i, j] = nid
            w.add_node(Node(id=nid, location=(LON0 + i * STEP, LAT0 + j * STEP)))
            nid += 1
    for k, (tags, _) in enumerate(POIS):
        w.add_node(Node(id=1000 + k, location=(LON0 + 0.001 + 0.0015 * k, LAT0 + 0.0025), tags=tags))
    w.add_node(Node(id=2000, location=_outside_point(400), tags={"amenity": "kindergarten"}))
    w.add_node(Node(id=2001, location=(116.40, 39.90), tags={"amenity": "kindergarten"}))  # Beijing
    # a school drawn as a closed building way (school:level=primary)
    corners = [(0.0012, 0.0012), (0.0030, 0.0012), (0.0030, 0.0030), (0.0012, 0.0030)]
    for k, (dx, dy) in enumerate(corners):
        w.add_node(Node(id=3000 + k, location=(LON0 + dx, LAT0 + dy)))
    way_id = 1
    w.add_way(
        Way(
            id=way_id,
            nodes=[3000, 3001, 3002, 3003, 3000],
            tags={"amenity": "school", "school:level": "primary"},
        )
    )
    for j in range(5):  # rows
        way_id += 1
        w.add_way(Way(id=way_id, nodes=[grid[i, j] for i in range(5)], tags={"highway": "residential"}))
    for i in range(5):  # columns
        way_id += 1
        w.add_way(Way(id=way_id, nodes=[grid[i, j] for j in range(5)], tags={"highway": "footway"}))
    # not walkable, and far away: both left out
    w.add_way(Way(id=900, nodes=[grid[0, 0], grid[4, 4]], tags={"highway": "motorway"}))
    w.add_node(Node(id=4000, location=(116.40, 39.90)))
    w.add_node(Node(id=4001, location=(116.41, 39.90)))
    w.add_way(Way(id=901, nodes=[4000, 4001], tags={"highway": "footway"}))
    w.close()
    return path


def expected_counts(with_buffer=True):
    out = {}
    for _, cats in POIS:
        for c in cats or []:
            out[c] = out.get(c, 0) + 1
    out["primary_school"] += 1  # the building way
    out["kindergarten"] += 1 if with_buffer else 0
    return out


@pytest.fixture
def extract(tmp_path):
    return write_extract(tmp_path / "hedong-test.osm.pbf")


def test_import_osm_network_and_facilities_per_category(extract):
    res = import_osm(extract)
    assert res.network.report["nodes"] == 25  # the grid; motorway and Beijing footway left out
    assert res.network.report["edges"] == 40
    counts = dict(zip(res.counts["category"], res.counts["count"], strict=True))
    assert counts == expected_counts()
    uncl = dict(zip(res.unclassified["tag"], res.unclassified["count"], strict=True))
    assert uncl == {"amenity=school": 1, "amenity=social_facility": 1}
    assert res.facilities["facility_id"].is_unique
    assert set(res.facilities["source_zh"]) == {"OpenStreetMap"}


def test_buffer_zero_leaves_out_the_facility_just_outside(extract):
    counts = dict(zip(*import_osm(extract, buffer_m=0).counts[["category", "count"]].T.values, strict=True))
    assert counts == expected_counts(with_buffer=False)


def test_cli_import_osm_stores_workspace_and_coverage_uses_it(extract, tmp_path, capsys):
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import-osm", str(extract)]) == 0
    text = capsys.readouterr().out
    assert "could not classify 2 objects" in text and "amenity=school" in text
    assert "primary_school" in text
    assert read_network(workspace_network_path(ws)).report["nodes"] == 25
    fac = load_workspace_facilities(ws)
    assert len(fac) == sum(expected_counts().values())
    out, rep = tmp_path / "cov.gpkg", tmp_path / "cov.xlsx"
    rc = main(
        [
            "--workspace",
            str(ws),
            "coverage",
            "--facilities",
            "workspace",
            "--roads",
            "workspace",
            "--out",
            str(out),
            "--report",
            str(rep),
        ]
    )
    assert rc == 0
    stats = gpd.read_file(out, layer="stats").set_index("category")
    assert (stats["mode"] == "network").all()
    assert stats.loc["primary_school", "n_facilities"] == 3
    assert 0 < stats.loc["primary_school", "land_share"] < 1


def test_bad_inputs_are_clear_errors(tmp_path):
    with pytest.raises(InputError):
        import_osm(tmp_path / "missing.osm.pbf")
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"not a pbf")
    with pytest.raises(InputError):
        import_osm(bad)
    far = tmp_path / "beijing.osm.pbf"
    w = osmium.SimpleWriter(str(far))
    w.add_node(Node(id=1, location=(116.40, 39.90)))
    w.add_node(Node(id=2, location=(116.41, 39.90)))
    w.add_way(Way(id=1, nodes=[1, 2], tags={"highway": "footway"}))
    w.close()
    with pytest.raises(InputError, match="No walkable ways"):
        import_osm(far)
    assert main(["--workspace", str(tmp_path / "w2"), "import-osm", str(far)]) == 2
    assert not workspace_network_path(tmp_path / "w2").exists()  # nothing half-written


def test_export_map_coverage_after_import_shows_catchments_and_gaps(extract, tmp_path):
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import-osm", str(extract)]) == 0
    out = tmp_path / "cov.html"
    assert (
        main(
            [
                "--workspace",
                str(ws),
                "export-map",
                "--map",
                "coverage",
                "--mode",
                "network",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    html = out.read_text(encoding="utf-8")
    import re

    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)
    for label in ("服务范围", "覆盖缺口", "公共服务设施", "乙中学", "位置示意"):
        assert label in text, label
    from layers.assets import external_loads

    assert external_loads(html) == []  # standalone: nothing loaded from another host


def test_export_map_coverage_network_without_network_is_a_clear_error(tmp_path, capsys):
    out = tmp_path / "cov.html"
    rc = main(
        [
            "--workspace",
            str(tmp_path / "empty"),
            "export-map",
            "--map",
            "coverage",
            "--mode",
            "network",
            "--out",
            str(out),
        ]
    )
    assert rc == 2 and not out.exists()
