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
    ({"amenity": "clinic", "name": "丁社区卫生服务中心"}, ["health_centre"]),
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
    out["primary_school"] += 1  # the building way (the isced:level=1 node inside it is the same school)
    out["primary_school"] -= 1
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
    assert "2 objects could not classify" in text
    assert "n1008    amenity=school\n" in text  # each listed with its tags, not only counted
    assert "n1009    amenity=social_facility; social_facility=shelter" in text
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
    assert stats.loc["primary_school", "n_facilities"] == 2  # a node and the area it lies in: one school
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
    for label in (
        "服务范围",
        "覆盖缺口",
        "公共服务设施",
        "乙中学",
        "位置示意",
        "归类依据",
        "名称含“初中/中学”（无年级标签）",
    ):
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


def test_import_network_on_an_extract_streams_and_clips_to_the_study_area(extract, tmp_path, capsys):
    from renewal.analysis.network_files import read_osm_network

    net = read_osm_network(extract)
    assert net.report["walk_ways"] == 10  # the grid; the Beijing footway is outside the clip area
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import-network", str(extract)]) == 0
    assert read_network(workspace_network_path(ws)).report["nodes"] == 25


def test_import_network_and_import_osm_take_any_area_file(extract, tmp_path, capsys):
    # a study area around the Beijing footway: the Hedong grid is now the part left out
    area = tmp_path / "beijing.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(116.39, 39.89, 116.42, 39.91)], crs=4326).to_file(area)
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import-network", str(extract), "--area", str(area)]) == 0
    net = read_network(workspace_network_path(ws))
    assert net.report["nodes"] == 2 and abs(net.report["length_m"] - 855) < 15
    assert (
        main(["--workspace", str(ws), "import-osm", str(extract), "--area", str(area), "--buffer", "0"]) == 0
    )
    out = capsys.readouterr().out
    assert "metric CRS: EPSG:4548" in out  # Beijing, 116.4E: the CGCS2000 3-degree zone of CM 117E
    fac = load_workspace_facilities(ws)
    assert list(fac["facility_id"]) == ["osm:n2001"]  # the Beijing kindergarten only


def test_import_report_lists_every_object_with_its_reason(extract, tmp_path):
    import pandas as pd

    ws, rep = tmp_path / "ws", tmp_path / "osm.xlsx"
    assert main(["--workspace", str(ws), "import-osm", str(extract), "--report", str(rep)]) == 0
    sheets = pd.read_excel(rep, sheet_name=None)
    fac = sheets["设施及归类依据"].set_index("名称")
    assert fac.loc["乙中学", "归类依据"] == "名称含“初中/中学”（无年级标签）"
    assert fac.loc["甲幼儿园", "定位依据"] == "OSM节点位置"
    school = fac.loc["osm:w1"]  # the school drawn as an area: placed on its outline, nearest the streets
    assert school["归类依据"] == "标签 school:level=primary（小学）"
    assert school["定位依据"] == "OSM面要素轮廓上离步行路网最近的点"
    uncl = sheets["无法归类的对象"]
    assert set(uncl["OSM编号"]) == {"n1008", "n1009"}
    assert "social_facility=shelter" in " ".join(uncl["相关标签"])
    merged = sheets["合并的重复设施"]
    assert list(merged["OSM编号"]) == ["n1001"] and list(merged["并入的面要素"]) == ["w1"]
    assert "EPSG:4548" in sheets["说明"].set_index("项目").loc["计算坐标系", "内容"]
    # a report path in a missing folder is refused before anything is written
    ws2 = tmp_path / "ws2"
    bad = tmp_path / "missing" / "osm.xlsx"
    assert main(["--workspace", str(ws2), "import-osm", str(extract), "--report", str(bad)]) == 2
    assert not workspace_network_path(ws2).exists()


def test_accessibility_and_coverage_clip_an_osm_roads_file_to_the_area(extract, tmp_path, capsys):
    area = tmp_path / "beijing.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(116.39, 39.89, 116.42, 39.91)], crs=4326).to_file(area)
    fac = tmp_path / "fac.geojson"
    gpd.GeoDataFrame(
        {"category": ["kindergarten"], "id": ["k1"]}, geometry=[shapely.Point(116.40, 39.9001)], crs=4326
    ).to_file(fac)
    org = tmp_path / "org.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(116.405, 39.9001)], crs=4326).to_file(org)
    out = tmp_path / "dist.csv"
    args = ["accessibility", "--roads", str(extract), "--facilities", str(fac), "--origins", str(org)]
    assert main([*args, "--out", str(out), "--area", str(area)]) == 0
    text = capsys.readouterr().out
    assert "network: 2 nodes, 1 edges" in text  # the Beijing footway only: clipped to the area
    assert "metric CRS: EPSG:4548" in text
    import pandas as pd

    d = pd.read_csv(out)["dist_m_kindergarten"].iloc[0]
    assert 420 < d < 450  # along the footway, 0.005 degrees of longitude at 39.9N
    # the default study area (Hedong) keeps the Hedong grid instead
    assert main([*args, "--out", str(out)]) == 0
    assert "network: 25 nodes" in capsys.readouterr().out


def test_coverage_measures_and_states_the_study_areas_own_crs(tmp_path, capsys):
    area = tmp_path / "helsinki.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(24.93, 60.16, 24.96, 60.18)], crs=4326).to_file(area)
    fac = tmp_path / "fac.geojson"
    gpd.GeoDataFrame(
        {"category": ["kindergarten"]}, geometry=[shapely.Point(24.94, 60.17)], crs=4326
    ).to_file(fac)
    out = tmp_path / "cov.gpkg"
    report = tmp_path / "cov.xlsx"
    args = ["coverage", "--facilities", str(fac), "--area", str(area), "--out", str(out)]
    assert main([*args, "--report", str(report)]) == 0
    text = capsys.readouterr().out
    assert "metric CRS: EPSG:32635" in text  # UTM 35N: Helsinki's own, not Hedong's EPSG:4548
    assert "EPSG:4548" not in text
    import pandas as pd

    about = pd.read_excel(report, sheet_name="计算说明", dtype=str)
    crs = about.loc[about["项目"] == "计量坐标系", "内容"].iloc[0]
    assert crs.startswith("WGS 84 / UTM 第35带 北半球 (EPSG:32635)")
    assert about.loc[about["项目"] == "研究范围", "内容"].iloc[0] == "helsinki.geojson"


def test_review_decisions_are_kept_by_osm_id_and_applied_again(extract, tmp_path, capsys):
    import pandas as pd

    from renewal.analysis.osm_review import decisions_path

    ws, rep = tmp_path / "ws", tmp_path / "osm.xlsx"
    assert main(["--workspace", str(ws), "import-osm", str(extract), "--report", str(rep)]) == 0
    sheets = pd.read_excel(rep, sheet_name=None, dtype=str)
    fac = sheets["设施及归类依据"]
    fac.loc[fac["名称"] == "乙中学", "审核意见"] = "小学、初中"  # a 九年制 school the name did not say
    fac.loc[fac["名称"] == "甲幼儿园", "审核意见"] = "不计入"  # closed
    uncl = sheets["无法归类的对象"]
    uncl.loc[uncl["OSM编号"] == "n1008", "审核意见"] = "小学"
    reviewed = tmp_path / "reviewed.xlsx"
    with pd.ExcelWriter(reviewed) as w:
        for name, df in sheets.items():
            df.to_excel(w, sheet_name=name, index=False)

    def categories(ws):
        f = load_workspace_facilities(ws)
        return {
            oid: sorted(f.loc[f["facility_id"].str.startswith(f"osm:{oid}"), "category"])
            for oid in ("n1000", "n1002", "n1008")
        }

    want = {"n1000": [], "n1002": ["middle_school", "primary_school"], "n1008": ["primary_school"]}
    assert main(["--workspace", str(ws), "import-osm", str(extract), "--review", str(reviewed)]) == 0
    assert "3 decisions kept in the workspace, 3 applied" in capsys.readouterr().out
    assert categories(ws) == want
    f = load_workspace_facilities(ws)
    assert set(f.loc[f["facility_id"].str.startswith("osm:n1008"), "class_rule"]) == {"规划人员审核"}
    assert decisions_path(ws).exists()
    # the next import (a newer extract) applies them again without the file
    assert main(["--workspace", str(ws), "import-osm", str(extract)]) == 0
    assert categories(ws) == want
    # a value that is no category is refused and changes nothing
    bad = tmp_path / "bad.xlsx"
    uncl.loc[uncl["OSM编号"] == "n1009", "审核意见"] = "游泳馆"
    with pd.ExcelWriter(bad) as w:
        for name, df in sheets.items():
            df.to_excel(w, sheet_name=name, index=False)
    before = decisions_path(ws).read_bytes()
    assert main(["--workspace", str(ws), "import-osm", str(extract), "--review", str(bad)]) == 2
    assert "n1009: 游泳馆" in capsys.readouterr().err
    assert decisions_path(ws).read_bytes() == before


def test_an_area_file_without_polygons_is_refused_and_nothing_is_written(extract, tmp_path, capsys):
    pts = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(117.24, 39.11)], crs=4326).to_file(pts)
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import-osm", str(extract), "--area", str(pts)]) == 2
    assert "no polygons" in capsys.readouterr().err
    assert not workspace_network_path(ws).exists()
