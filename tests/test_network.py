"""Walking network: building, noding, snapping, shortest paths, partial-edge catchments.

Analytic answers on lattices, hand-computed partial edges, and a networkx oracle."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely

from renewal.analysis.network import NetworkWarning, WalkNetwork, catchment_polygons
from renewal.analysis.network_files import load_workspace_network, read_network, save_network
from renewal.crs import transformer
from renewal.errors import InputError
from tests.coverage_fixtures import X0, Y0, grid_lines_gdf, grid_nodes_edges, write_osm


def lattice(n=7, spacing=100.0):
    xy, edges = grid_nodes_edges(n, spacing)
    return WalkNetwork.from_arrays(xy, edges)


def test_lattice_distances_are_manhattan():
    n = 7
    net = lattice(n)
    src = net.snap(np.array([[X0 + 300, Y0 + 300]]), max_snap=1)
    nd = net.node_distances(src, cutoff=10_000)
    i, j = np.meshgrid(np.arange(n), np.arange(n))
    expected = (np.abs(i - 3) + np.abs(j - 3)).ravel() * 100.0
    np.testing.assert_allclose(nd.dist, expected, atol=1e-6)
    assert (nd.source == 0).all()


def test_source_in_the_middle_of_an_edge():
    net = lattice(5)
    # on the horizontal edge between (0,0) and (100,0), 30 m from its west end
    src = net.snap(np.array([[X0 + 30, Y0]]), max_snap=1)
    nd = net.node_distances(src, cutoff=10_000)
    assert nd.dist[0] == pytest.approx(30)
    assert nd.dist[1] == pytest.approx(70)
    assert nd.dist[5] == pytest.approx(130)  # node (0, 100)
    assert nd.dist[6] == pytest.approx(170)  # node (100, 100)


def test_cutoff_leaves_far_nodes_unreached():
    net = lattice(7)
    src = net.snap(np.array([[X0, Y0]]), max_snap=1)
    nd = net.node_distances(src, cutoff=250)
    reached = np.isfinite(nd.dist)
    assert reached.sum() == 6  # Manhattan <= 200 in one quadrant: 1 + 2 + 3
    assert (nd.source[~reached] == -1).all()


def test_nearest_source_and_ids():
    net = lattice(7)
    src = net.snap(np.array([[X0, Y0], [X0 + 600, Y0 + 600]]), max_snap=1)
    nd = net.node_distances(src, cutoff=10_000)
    assert nd.source[0] == 0 and nd.source[48] == 1
    assert nd.source[7 * 1 + 1] == 0 and nd.source[7 * 5 + 5] == 1


def test_snap_to_nearest_point_on_edge_not_node():
    net = lattice(5)
    s = net.snap(np.array([[X0 + 140, Y0 + 30]]), max_snap=50)
    assert s.ok[0]
    assert s.dist[0] == pytest.approx(30)
    e = s.edge[0]
    p = shapely.line_interpolate_point(net.edge_geom[e], s.offset[0])
    assert (p.x, p.y) == pytest.approx((X0 + 140, Y0))


def test_snap_refuses_far_points_and_counts_them():
    net = lattice(3)
    s = net.snap(np.array([[X0 + 50, Y0 + 10], [X0 + 50, Y0 + 50], [X0 - 500, Y0]]), max_snap=20)
    assert list(s.ok) == [True, False, False]
    assert s.n_refused == 2


def test_point_distances_same_edge_and_snap_legs():
    net = lattice(5)
    src = net.snap(np.array([[X0 + 20, Y0]]), max_snap=1)
    dst = net.snap(np.array([[X0 + 70, Y0 + 5], [X0 + 70, Y0 + 100]]), max_snap=10)
    nd = net.node_distances(src, cutoff=10_000)
    d, who = net.point_distances(nd, src, dst)
    # same edge: 50 along the edge + 5 off the network
    assert d[0] == pytest.approx(55)
    # other edge: 20 to node 0, 100 up, 70 along = 190 (or 80 + 100 + 30 = 210)
    assert d[1] == pytest.approx(190)
    assert list(who) == [0, 0]
    d2, _ = net.point_distances(nd, src, dst, count_snap=False)
    assert d2[0] == pytest.approx(50)


def test_facility_snap_distance_counts():
    net = lattice(5)
    src = net.snap(np.array([[X0, Y0 - 40]]), max_snap=50)
    nd = net.node_distances(src, cutoff=10_000)
    assert nd.dist[0] == pytest.approx(40)
    nd0 = net.node_distances(src, cutoff=10_000, count_snap=False)
    assert nd0.dist[0] == pytest.approx(0, abs=1e-6)


def test_crossing_lines_are_noded():
    lines = grid_lines_gdf(4)  # 4 + 4 long lines crossing at 16 points
    net = WalkNetwork.from_lines(lines)
    assert net.n_nodes == 16
    assert net.n_edges == 24
    assert net.edge_len.sum() == pytest.approx(2 * 4 * 300)


def test_lines_in_wgs84_are_measured_in_metres():
    lines = grid_lines_gdf(3, crs=4326)
    net = WalkNetwork.from_lines(lines)
    assert net.edge_len.sum() == pytest.approx(2 * 3 * 200, rel=1e-6)


def test_disconnected_pieces_keep_the_largest_and_report():
    lines = list(grid_lines_gdf(4).geometry) + [shapely.LineString([(X0 + 5000, Y0), (X0 + 5050, Y0)])]
    with pytest.warns(NetworkWarning, match="disconnected"):
        net = WalkNetwork.from_lines(lines)
    assert net.report["dropped_components"] == 1
    assert net.report["dropped_length_m"] == pytest.approx(50)
    assert net.report["dropped_share"] == pytest.approx(50 / 2450, rel=1e-3)
    assert net.n_nodes == 16


def test_no_usable_lines_is_an_error():
    with pytest.raises(InputError, match="no usable lines"):
        WalkNetwork.from_lines([shapely.Point(X0, Y0), shapely.box(X0, Y0, X0 + 1, Y0 + 1)])


def test_layer_without_crs_is_an_error():
    g = grid_lines_gdf(3).set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="coordinate reference system"):
        WalkNetwork.from_lines(g)


def test_empty_and_missing_files_are_errors(tmp_path):
    empty = tmp_path / "roads.geojson"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_network(empty)
    with pytest.raises(InputError, match="not found"):
        read_network(tmp_path / "nope.gpkg")


def test_line_layer_file_roundtrip(tmp_path):
    p = tmp_path / "roads.gpkg"
    grid_lines_gdf(3, crs=4326).to_file(p)
    net = read_network(p)
    assert net.n_nodes == 9 and net.n_edges == 12


def _lonlat(x, y):
    t = transformer(4548, 4326)
    return t.transform(x, y)


def test_osm_walking_ways_only_and_noded_at_shared_nodes(tmp_path):
    nodes = {
        1: _lonlat(X0, Y0),
        2: _lonlat(X0 + 100, Y0),
        3: _lonlat(X0 + 200, Y0),
        4: _lonlat(X0 + 100, Y0 + 100),
        5: _lonlat(X0 + 100, Y0 - 100),
        6: _lonlat(X0 + 50, Y0 - 50),
        7: _lonlat(X0 + 150, Y0 + 50),
        8: _lonlat(X0, Y0 + 300),
        9: _lonlat(X0 + 200, Y0 + 300),
    }
    ways = [
        (10, [1, 2, 3], {"highway": "residential"}),
        (11, [4, 2], {"highway": "footway"}),
        (12, [2, 5], {"highway": "service", "access": "private"}),  # not walkable
        (13, [6, 7], {"highway": "footway", "bridge": "yes"}),  # crosses way 10 without a shared node
        (14, [8, 9], {"highway": "motorway"}),  # not walkable
    ]
    path = write_osm(tmp_path / "mini.osm", nodes, ways)
    with pytest.warns(NetworkWarning):  # the bridge is its own component
        net = read_network(path)
    assert net.report["walk_ways"] == 3
    # kept: 1-2, 2-3, 4-2; the bridge is not joined to way 10 (no shared node)
    assert net.n_edges == 3
    assert net.edge_len.sum() == pytest.approx(300, rel=1e-3)


def test_osm_without_walkable_ways(tmp_path):
    nodes = {1: _lonlat(X0, Y0), 2: _lonlat(X0 + 100, Y0)}
    path = write_osm(tmp_path / "m.osm", nodes, [(1, [1, 2], {"highway": "motorway"})])
    with pytest.raises(InputError, match="No walkable ways"):
        read_network(path)


# ---------------------------------------------------------------- oracle
def _random_net(rng, n=120, k=4):
    pts = rng.uniform(0, 2000, size=(n, 2)) + [X0, Y0]
    edges = set()
    for a in range(n):
        d = np.hypot(*(pts - pts[a]).T)
        for b in np.argsort(d)[1 : k + 1]:
            edges.add((min(a, b), max(a, b)))
    # a chain guarantees connectivity
    for a in range(n - 1):
        edges.add((a, a + 1))
    return pts, np.array(sorted(edges))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_oracle_against_networkx(seed):
    rng = np.random.default_rng(seed)
    pts, edges = _random_net(rng)
    net = WalkNetwork.from_arrays(pts, edges)
    # sources at random points on random edges
    m = 6
    e = rng.integers(0, len(edges), m)
    frac = rng.uniform(0.05, 0.95, m)
    spts = pts[edges[e, 0]] + frac[:, None] * (pts[edges[e, 1]] - pts[edges[e, 0]])
    src = net.snap(spts, max_snap=1e-3)
    assert src.ok.all()
    cutoff = 900.0
    nd = net.node_distances(src, cutoff)
    # networkx: split each source edge at the source point
    G = nx.Graph()
    for (a, b), w in zip(edges, net.edge_len, strict=True):
        G.add_edge(int(a), int(b), weight=float(w))
    for s, p in enumerate(spts):
        ei = int(src.edge[s])
        a, b = int(net.edge_u[ei]), int(net.edge_v[ei])
        name = f"s{s}"
        G.add_edge(name, a, weight=float(np.hypot(*(p - net.node_xy[a]))))
        G.add_edge(name, b, weight=float(np.hypot(*(p - net.node_xy[b]))))
    ref = nx.multi_source_dijkstra_path_length(G, [f"s{s}" for s in range(m)], cutoff=cutoff, weight="weight")
    for node in range(len(pts)):
        if node in ref:
            assert nd.dist[node] == pytest.approx(ref[node], rel=1e-3)
        else:
            assert not np.isfinite(nd.dist[node])
    # origins on edges too: compare with networkx on the split graph
    o = rng.integers(0, len(edges), 20)
    of = rng.uniform(0.0, 1.0, 20)
    opts = net.node_xy[net.edge_u[o]] + of[:, None] * (
        net.node_xy[net.edge_v[o]] - net.node_xy[net.edge_u[o]]
    )
    dst = net.snap(opts, max_snap=1e-3)
    d, _ = net.point_distances(nd, src, dst)
    full = nx.multi_source_dijkstra_path_length(G, [f"s{s}" for s in range(m)], weight="weight")
    for q in range(20):
        ei = int(dst.edge[q])
        a, b = int(net.edge_u[ei]), int(net.edge_v[ei])
        t = dst.offset[q]
        best = min(full[a] + t, full[b] + net.edge_len[ei] - t)
        for s in range(m):  # a source on the same edge
            if src.edge[s] == ei:
                best = min(best, abs(src.offset[s] - t))
        if best <= cutoff:
            assert d[q] == pytest.approx(best, rel=1e-3)
        else:
            assert not np.isfinite(d[q])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("count_snap", [False, True])
def test_sources_on_nodes_mid_edge_and_off_network_mixed(seed, count_snap):
    """Sources exactly on nodes start there (no virtual node), the others through a virtual node:
    distances and nearest sources equal networkx's on the same graph with every source as its own node."""
    rng = np.random.default_rng(seed)
    pts, edges = _random_net(rng)
    net = WalkNetwork.from_arrays(pts, edges)
    on_nodes = rng.choice(len(pts), 4, replace=False)
    e = rng.integers(0, len(edges), 3)
    mid = pts[edges[e, 0]] + 0.4 * (pts[edges[e, 1]] - pts[edges[e, 0]])
    off = pts[rng.choice(len(pts), 2, replace=False)] + [30.0, 0.0]  # 30 m off the network (a snap leg)
    spts = np.vstack([pts[on_nodes], pts[on_nodes[:1]], mid, off])  # one node carries two sources
    src = net.snap(spts, max_snap=200.0)
    assert src.ok.all()
    cutoff = 700.0
    nd = net.node_distances(src, cutoff, count_snap=count_snap)
    G = nx.Graph()
    for (a, b), w in zip(edges, net.edge_len, strict=True):
        G.add_edge(int(a), int(b), weight=float(w))
    for s in range(len(spts)):
        ei = int(src.edge[s])
        a, b = int(net.edge_u[ei]), int(net.edge_v[ei])
        leg = float(src.dist[s]) if count_snap else 0.0
        G.add_edge(f"s{s}", a, weight=float(src.offset[s]) + leg)
        G.add_edge(f"s{s}", b, weight=float(net.edge_len[ei] - src.offset[s]) + leg)
    ref = {
        f"s{s}": nx.single_source_dijkstra_path_length(G, f"s{s}", cutoff=cutoff) for s in range(len(spts))
    }
    for node in range(len(pts)):
        best = min((r.get(node, np.inf) for r in ref.values()), default=np.inf)
        if np.isfinite(best):
            assert nd.dist[node] == pytest.approx(best, rel=1e-9, abs=1e-6)
            s = int(nd.source[node])
            assert ref[f"s{s}"].get(node, np.inf) == pytest.approx(best, rel=1e-9, abs=1e-6)  # a nearest one
        else:
            assert not np.isfinite(nd.dist[node]) and nd.source[node] == -1


# ------------------------------------------------------- partial-edge catchments
def _total_len(geoms):
    return float(sum(g.length for g in geoms))


def test_catchment_partial_edge_along_a_path():
    # 0 --200-- 1 --400-- 2, facility at node 0, cut-off 300: 200 + 100 m of the second edge
    xy = np.array([[X0, Y0], [X0 + 200, Y0], [X0 + 600, Y0]])
    net = WalkNetwork.from_arrays(xy, [(0, 1), (1, 2)])
    src = net.snap(np.array([[X0, Y0]]), max_snap=1)
    nd = net.node_distances(src, 300)
    geoms, who = net.catchment_pieces(nd, src)
    assert _total_len(geoms) == pytest.approx(300)
    xmax = max(shapely.get_coordinates(g)[:, 0].max() for g in geoms)
    assert xmax == pytest.approx(X0 + 300)
    assert (who == 0).all()


def test_catchment_facility_inside_a_long_edge():
    xy = np.array([[X0, Y0], [X0 + 1000, Y0]])
    net = WalkNetwork.from_arrays(xy, [(0, 1)])
    src = net.snap(np.array([[X0 + 400, Y0]]), max_snap=1)
    nd = net.node_distances(src, 250)
    geoms, _ = net.catchment_pieces(nd, src)
    merged = shapely.line_merge(shapely.union_all(geoms))
    assert merged.length == pytest.approx(500)
    assert merged.bounds[0] == pytest.approx(X0 + 150) and merged.bounds[2] == pytest.approx(X0 + 650)


def test_catchment_two_facilities_split_at_equal_distance():
    # 0 --1000-- 1 with facilities at both ends, cut-off 800: meet at 500
    xy = np.array([[X0, Y0], [X0 + 1000, Y0]])
    net = WalkNetwork.from_arrays(xy, [(0, 1)])
    src = net.snap(np.array([[X0, Y0], [X0 + 1000, Y0]]), max_snap=1)
    nd = net.node_distances(src, 800)
    geoms, who = net.catchment_pieces(nd, src)
    lens = {int(w): 0.0 for w in who}
    for g, w in zip(geoms, who, strict=True):
        lens[int(w)] += g.length
    assert lens[0] == pytest.approx(500, abs=1e-6) and lens[1] == pytest.approx(500, abs=1e-6)


def test_catchment_on_a_lattice_matches_hand_count():
    # facility at the centre node of a 7x7 lattice (100 m), cut-off 150:
    # 4 whole edges + 4 x 3 half-reached edges of 50 m = 400 + 600
    net = lattice(7)
    src = net.snap(np.array([[X0 + 300, Y0 + 300]]), max_snap=1)
    nd = net.node_distances(src, 150)
    geoms, _ = net.catchment_pieces(nd, src)
    assert _total_len(geoms) == pytest.approx(1000)


def test_catchment_polygons_follow_the_streets_not_a_hull():
    xy = np.array([[X0, Y0], [X0 + 500, Y0], [X0 + 500, Y0 + 500]])
    net = WalkNetwork.from_arrays(xy, [(0, 1), (1, 2)])
    src = net.snap(np.array([[X0, Y0]]), max_snap=1)
    nd = net.node_distances(src, 1000)
    geoms, who = net.catchment_pieces(nd, src)
    poly = catchment_polygons(geoms, who, 1, width=10)[0]
    hull = shapely.convex_hull(shapely.union_all(geoms))
    assert poly.area == pytest.approx(1000 * 20, rel=0.02)
    assert poly.area < 0.2 * hull.area
    assert poly.contains(shapely.Point(X0 + 500, Y0 + 250))
    assert not poly.contains(shapely.Point(X0 + 250, Y0 + 250))


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_catchment_pieces_agree_with_point_distances(seed):
    """A point on an edge is inside the reached pieces exactly when its
    distance is within the cut-off, and the piece's facility is its nearest."""
    rng = np.random.default_rng(seed)
    pts, edges = _random_net(rng, n=80)
    net = WalkNetwork.from_arrays(pts, edges)
    e = rng.integers(0, len(edges), 8)
    e[1] = e[0]  # two facilities on one edge
    frac = rng.uniform(0.05, 0.95, 8)
    spts = net.node_xy[net.edge_u[e]] + frac[:, None] * (
        net.node_xy[net.edge_v[e]] - net.node_xy[net.edge_u[e]]
    )
    src = net.snap(spts + rng.normal(0, 3, spts.shape), max_snap=50)
    cutoff = 400.0
    nd = net.node_distances(src, cutoff)
    geoms, who = net.catchment_pieces(nd, src)
    q = rng.integers(0, len(edges), 400)
    qf = rng.uniform(0, 1, 400)
    qpts = net.node_xy[net.edge_u[q]] + qf[:, None] * (
        net.node_xy[net.edge_v[q]] - net.node_xy[net.edge_u[q]]
    )
    dst = net.snap(qpts, max_snap=1e-3)
    d, w = net.point_distances(nd, src, dst)
    tree = shapely.STRtree(geoms)
    for k, p in enumerate(shapely.points(qpts)):
        near = tree.query(p, predicate="dwithin", distance=1e-6)
        if np.isfinite(d[k]) and d[k] < cutoff - 1e-3:
            assert len(near), f"point {k} at {d[k]:.1f} m not in any piece"
            assert w[k] in set(who[near])
        elif not np.isfinite(d[k]):
            assert len(near) == 0


def test_osm_pbf(tmp_path):
    import osmium

    path = tmp_path / "mini.osm.pbf"
    w = osmium.SimpleWriter(str(path))
    pts = {i + 1: _lonlat(X0 + 100 * i, Y0) for i in range(4)}
    pts[5] = _lonlat(X0 + 100, Y0 + 100)
    for i, (lon, lat) in pts.items():
        w.add_node(osmium.osm.mutable.Node(id=i, location=(lon, lat), version=1))
    w.add_way(osmium.osm.mutable.Way(id=1, nodes=[1, 2, 3, 4], tags={"highway": "residential"}, version=1))
    w.add_way(osmium.osm.mutable.Way(id=2, nodes=[2, 5], tags={"highway": "steps"}, version=1))
    w.add_way(osmium.osm.mutable.Way(id=3, nodes=[3, 5], tags={"highway": "cycleway"}, version=1))
    w.close()
    net = read_network(path)
    # way 1 is split at node 2 (shared with the steps) but not at node 3 (shared only with the
    # cycleway, which is not walkable): 1-2, 2-3-4 and the steps 2-5
    assert net.n_edges == 3
    assert net.edge_len.sum() == pytest.approx(400, rel=1e-3)
    src = net.snap(np.array([[X0 + 100, Y0 + 100]]), max_snap=1)
    nd = net.node_distances(src, 10_000)
    far_end = int(np.argmin(np.hypot(*(net.node_xy - [X0 + 300, Y0]).T)))
    assert nd.dist[far_end] == pytest.approx(300, rel=1e-3)


def test_from_noded_lines_keeps_crossings_apart():
    import geopandas as gpd

    # two lines that cross without a junction (a bridge): not joined
    a = shapely.LineString([(X0, Y0), (X0 + 200, Y0)])
    b = shapely.LineString([(X0 + 100, Y0 - 100), (X0 + 100, Y0 + 100)])
    c = shapely.LineString([(X0 + 200, Y0), (X0 + 200, Y0 + 100)])
    g = gpd.GeoDataFrame(geometry=[a, b, c], crs=4548)
    with pytest.warns(NetworkWarning):
        net = WalkNetwork.from_noded_lines(g)
    assert net.n_edges == 2  # a and c; b is a separate piece, dropped
    noded = WalkNetwork.from_lines(g)
    assert noded.n_edges == 5  # a and b split at the crossing, plus c


def test_saved_network_reloads_without_new_junctions(tmp_path):
    import geopandas as gpd

    # a bridge crossing a street: kept apart on save and reload
    a = shapely.LineString([(X0, Y0), (X0 + 200, Y0)])
    b = shapely.LineString([(X0 + 100, Y0 - 100), (X0 + 100, Y0 + 100)])
    link = shapely.LineString([(X0 + 200, Y0), (X0 + 200, Y0 + 100), (X0 + 100, Y0 + 100)])
    net = WalkNetwork.from_noded_lines(gpd.GeoDataFrame(geometry=[a, b, link], crs=4548))
    assert net.n_edges == 3
    path = tmp_path / "net.gpkg"
    save_network(net, path)
    again = read_network(path)
    assert again.n_edges == 3 and again.n_nodes == net.n_nodes
    assert again.edge_len.sum() == pytest.approx(net.edge_len.sum(), rel=1e-6)
    assert load_workspace_network() is None  # nothing imported into this test's workspace


@pytest.mark.parametrize("seed", [20])
def test_catchment_polygons_equal_the_buffer_of_their_pieces(seed):
    """Chained through the junctions and buffered once, each source's polygon
    equals the plain round buffer of its pieces up to the octagonal facets."""
    rng = np.random.default_rng(seed)
    pts, edges = _random_net(rng, n=60)
    net = WalkNetwork.from_arrays(pts, edges)
    e = rng.integers(0, len(edges), 5)
    spts = net.node_xy[net.edge_u[e]] + 0.5 * (net.node_xy[net.edge_v[e]] - net.node_xy[net.edge_u[e]])
    src = net.snap(spts, max_snap=50)
    nd = net.node_distances(src, 600.0)
    geoms, who = net.catchment_pieces(nd, src)
    polys = catchment_polygons(geoms, who, 5, width=20.0, threads=1)
    for i in np.unique(who):
        exact = shapely.buffer(shapely.union_all(geoms[who == i]), 20.0, quad_segs=16)
        p = polys[i]
        assert p.is_valid and p.area == pytest.approx(exact.area, rel=0.01)
        assert shapely.difference(p, exact).area < 1e-3 * exact.area  # never wider than the buffer
        assert shapely.difference(exact, p).area < 0.01 * exact.area  # only the facets are missing
        assert p.contains(shapely.buffer(shapely.union_all(geoms[who == i]), 15.0))
