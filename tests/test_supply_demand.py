"""Supply and demand methods (renewal/analysis/supply_demand.py, demand.py): hand-computed answers on
tiny cases, an oracle against pysal ``access``, and properties (Hypothesis)."""

from __future__ import annotations

import math

import access  # pysal access, pinned in requirements-dev.txt: the 2SFCA oracle
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from access import weights
from hypothesis import given, settings
from hypothesis import strategies as st

from renewal.analysis import supply_demand as sd
from renewal.analysis.demand import GROUPS, census_share, demand_for
from renewal.analysis.network import WalkNetwork
from renewal.errors import InputError

INF = math.inf
# facilities A (10 places), B (20); cells 1 (10 children), 2 (20), 3 (30); cut-off 500 m
D = np.array([[100.0, 200.0, 900.0], [INF, 300.0, 100.0]])
CAP = np.array([10.0, 20.0])
DEM = np.array([10.0, 20.0, 30.0])


def reach():
    return sd.Reach.from_matrix(D, 500.0)


def test_reach_from_matrix_keeps_pairs_within_cutoff():
    r = reach()
    assert sorted(zip(r.fac.tolist(), r.cell.tolist(), r.dist.tolist(), strict=True)) == [
        (0, 0, 100.0),
        (0, 1, 200.0),
        (1, 1, 300.0),
        (1, 2, 100.0),
    ]


def test_2sfca_no_decay_by_hand():
    fac, cell = sd.two_step_fca(reach(), CAP, DEM)
    # R_A = 10 / (10 + 20), R_B = 20 / (20 + 30)
    assert fac["ratio"].tolist() == pytest.approx([1 / 3, 0.4])
    assert fac["weighted_demand"].tolist() == pytest.approx([30, 50])
    assert cell["access"].tolist() == pytest.approx([1 / 3, 1 / 3 + 0.4, 0.4])
    # every place is handed out once: sum A_i P_i = sum S_j
    assert cell["places"].sum() == pytest.approx(30)


def test_2sfca_gaussian_by_hand():
    s = 250.0

    def w(d):
        return math.exp(-d * d / (2 * s * s))

    fac, cell = sd.two_step_fca(reach(), CAP, DEM, decay="gaussian", sigma=s)
    ra = 10 / (w(100) * 10 + w(200) * 20)
    rb = 20 / (w(300) * 20 + w(100) * 30)
    assert fac["ratio"].tolist() == pytest.approx([ra, rb], rel=1e-12)
    assert cell["access"].tolist() == pytest.approx(
        [w(100) * ra, w(200) * ra + w(300) * rb, w(100) * rb], rel=1e-12
    )


def test_unknown_capacity_supplies_nothing_and_is_counted():
    fac, cell = sd.two_step_fca(reach(), [np.nan, 20.0], DEM)
    assert np.isnan(fac["ratio"][0]) and np.isnan(fac["capacity"][0])
    assert cell["access"].tolist() == pytest.approx([0, 0.4, 0.4])
    assert cell["n_unknown_in_reach"].tolist() == [1, 1, 0]
    _, bcell = sd.balance(reach(), [np.nan, 20.0], DEM)
    assert bcell["places_in_reach"].tolist() == [0, 20, 20]


def test_balance_by_hand():
    fac, cell = sd.balance(reach(), CAP, DEM)
    assert fac["demand_in_reach"].tolist() == [30, 50]
    assert fac["surplus"].tolist() == [-20, -30]
    assert fac["per_child"].tolist() == pytest.approx([1 / 3, 0.4])
    assert cell["places_in_reach"].tolist() == [10, 30, 20]
    assert cell["places_per_child"].tolist() == pytest.approx([1.0, 1.5, 2 / 3])


def test_greedy_assignment_by_hand():
    fac, cell = sd.assign(reach(), CAP, DEM)
    # closest pairs first: A->1 (100 m, 10), B->3 (100 m, 20); both full
    assert cell["assigned"].tolist() == [10, 0, 20]
    assert cell["unplaced"].tolist() == [0, 20, 10]
    assert fac["free"].tolist() == [0, 0]
    assert cell["mean_dist_m"][0] == 100 and np.isnan(cell["mean_dist_m"][1])


def test_flow_places_more_than_greedy_where_greedy_blocks():
    # A (1 place) reaches cell 1 at 100 m and cell 2 at 50 m; B (1 place) reaches only cell 2
    r = sd.Reach.from_matrix(np.array([[100.0, 50.0], [INF, 400.0]]), 500.0)
    _, g = sd.assign(r, [1, 1], [1, 1], method="greedy")
    _, f = sd.assign(r, [1, 1], [1, 1], method="flow")
    assert g["unplaced"].sum() == 1
    assert f["unplaced"].sum() == pytest.approx(0, abs=1e-6)
    assert f["mean_dist_m"].tolist() == pytest.approx([100, 400])


def test_flow_among_equal_placements_walks_least():
    # one child each in two cells, two 1-place schools, both reach both; least walk = 100 + 100
    r = sd.Reach.from_matrix(np.array([[100.0, 300.0], [250.0, 100.0]]), 500.0)
    fac, cell = sd.assign(r, [1, 1], [1, 1], method="flow")
    assert cell["mean_dist_m"].tolist() == pytest.approx([100, 100], abs=1e-6)


def test_bad_inputs_refused():
    with pytest.raises(InputError):
        sd.two_step_fca(reach(), [1.0], DEM)
    with pytest.raises(InputError):
        sd.balance(reach(), CAP, [1.0, -1.0, 2.0])
    with pytest.raises(InputError):
        sd.two_step_fca(reach(), CAP, DEM, decay="gaussian")
    with pytest.raises(InputError):
        sd.assign(reach(), CAP, DEM, method="magic")


def test_radius_reach_matches_matrix():
    fxy = np.array([[0.0, 0.0], [1000.0, 0.0]])
    cxy = np.array([[300.0, 400.0], [600.0, 0.0], [0.0, 501.0]])
    r = sd.radius_reach(fxy, cxy, 500.0)
    full = np.hypot(*(fxy[:, None, :] - cxy[None, :, :]).transpose(2, 0, 1))
    m = sd.Reach.from_matrix(full, 500.0)
    assert sorted(zip(r.fac, r.cell, r.dist, strict=True)) == sorted(zip(m.fac, m.cell, m.dist, strict=True))
    assert (0, 0) in set(zip(r.fac.tolist(), r.cell.tolist(), strict=True))  # exactly 500 m counts


def test_network_reach_walks_the_network():
    # an L: (0,0)-(0,300)-(300,300); the cell at (300,290) is 417 m away in a straight line
    # but walks 300 + 300 + 10 (its leg to the network) = 610 m
    net = WalkNetwork.from_arrays(np.array([[0.0, 0.0], [0.0, 300.0], [300.0, 300.0]]), [[0, 1], [1, 2]])
    fxy, cxy = np.array([[0.0, 0.0]]), np.array([[300.0, 290.0], [0.0, 100.0]])
    r, info = sd.network_reach(net, fxy, cxy, 700.0, max_snap=50)
    got = dict(zip(r.cell.tolist(), r.dist.tolist(), strict=True))
    assert got == pytest.approx({0: 610.0, 1: 100.0})
    assert info == {"facilities_unsnapped": 0, "cells_unsnapped": 0}
    r2, _ = sd.network_reach(net, fxy, cxy, 600.0, max_snap=50)
    assert r2.cell.tolist() == [1]
    r3, info3 = sd.network_reach(net, fxy, np.array([[300.0, 0.0]]), 700.0, max_snap=50)
    assert len(r3.dist) == 0 and info3["cells_unsnapped"] == 1


def test_zone_table_by_hand():
    zones = [shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)]
    cell_zone = sd.points_in_zones(np.array([[1, 1], [11, 1], [12, 1]]), zones)
    fac_zone = sd.points_in_zones(np.array([[5, 5], [50, 50]]), zones)
    assert cell_zone.tolist() == [0, 1, 1] and fac_zone.tolist() == [0, -1]
    fac, cell = sd.assign(reach(), CAP, DEM)
    z = sd.zone_table("assign", fac_zone, cell_zone, 2, fac, cell)
    assert z["demand"].tolist() == [10, 50]
    assert z["gap"].tolist() == [0, 30]
    assert z["share_in_reach"].tolist() == [1, 1]
    assert z["capacity"].tolist() == [10, 0]
    fac2, cell2 = sd.two_step_fca(reach(), CAP, DEM)
    z2 = sd.zone_table("2sfca", fac_zone, cell_zone, 2, fac2, cell2)
    assert z2["gap"].tolist() == pytest.approx([10 * (1 - 1 / 3), 20 * (1 - (1 / 3 + 0.4)) + 30 * 0.6])
    zb = sd.zone_table("balance", fac_zone, cell_zone, 2, *sd.balance(reach(), [np.nan, 20], DEM))
    assert zb["n_no_capacity"].tolist() == [1, 0] and zb["gap"].tolist() == [10, 50]


# ------------------------------------------------------------- oracle: pysal access
def _random_case(seed, n_fac=12, n_cell=60, cutoff=500.0):
    rng = np.random.default_rng(seed)
    fxy = rng.uniform(0, 2000, (n_fac, 2))
    cxy = rng.uniform(0, 2000, (n_cell, 2))
    cap = rng.integers(0, 300, n_fac).astype(float)
    dem = rng.uniform(0, 80, n_cell)
    return sd.radius_reach(fxy, cxy, cutoff), cap, dem


@pytest.mark.parametrize("decay", [None, "gaussian"])
def test_2sfca_equals_pysal_access(decay):
    r, cap, dem = _random_case(3)
    fac, cell = sd.two_step_fca(r, cap, dem, decay=decay, sigma=200.0 if decay else None)
    cost = pd.DataFrame({"origin": r.cell, "dest": r.fac, "cost": r.dist})
    a = access.Access(
        demand_df=pd.DataFrame({"geoid": np.arange(r.n_cell), "pop": dem}),
        demand_index="geoid",
        demand_value="pop",
        supply_df=pd.DataFrame({"geoid": np.arange(r.n_fac), "cap": cap}),
        supply_index="geoid",
        supply_value="cap",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    out = a.two_stage_fca(
        name="x", max_cost=500.0, weight_fn=weights.gaussian(200.0) if decay else None, normalize=False
    )
    theirs = out.reindex(np.arange(r.n_cell)).fillna(0.0).to_numpy().ravel()
    assert (cell["access"] > 0).sum() > 10  # a case with something to compare
    np.testing.assert_allclose(cell["access"].to_numpy(), theirs, rtol=0, atol=1e-6)


# ------------------------------------------------------------- properties
@st.composite
def cases(draw):
    n_fac = draw(st.integers(1, 6))
    n_cell = draw(st.integers(1, 8))
    dist = draw(
        st.lists(st.one_of(st.just(INF), st.floats(0, 600)), min_size=n_fac * n_cell, max_size=n_fac * n_cell)
    )
    cap = draw(
        st.lists(
            st.one_of(st.just(math.nan), st.one_of(st.just(0.0), st.floats(1e-3, 50))),
            min_size=n_fac,
            max_size=n_fac,
        )
    )
    dem = draw(st.lists(st.one_of(st.just(0.0), st.floats(1e-3, 50)), min_size=n_cell, max_size=n_cell))
    # people and places: zero or at least a thousandth (subnormal counts overflow any ratio)
    return np.array(dist).reshape(n_fac, n_cell), np.array(cap), np.array(dem)


@settings(max_examples=60, deadline=None)
@given(cases())
def test_assignment_never_exceeds_capacity_or_demand(case):
    d, cap, dem = case
    r = sd.Reach.from_matrix(d, 500.0)
    known = np.nan_to_num(cap)
    results = {}
    for method in sd.ASSIGN_METHODS:
        fac, cell = sd.assign(r, cap, dem, method=method)
        assert (fac["assigned"].to_numpy() <= known + 1e-6).all()
        assert (cell["assigned"].to_numpy() <= dem + 1e-6).all()
        assert cell["assigned"].sum() == pytest.approx(fac["assigned"].sum(), abs=1e-6)
        assert (cell["assigned"] + cell["unplaced"]).to_numpy() == pytest.approx(dem, abs=1e-6)
        # nothing assigned out of reach
        assert (cell["assigned"][cell["n_fac_in_reach"] == 0] == 0).all()
        results[method] = cell["assigned"].sum()
    assert results["flow"] >= results["greedy"] - 1e-5


@settings(max_examples=60, deadline=None)
@given(cases(), st.sampled_from([None, "gaussian"]))
def test_2sfca_hands_out_each_place_once(case, decay):
    d, cap, dem = case
    r = sd.Reach.from_matrix(d, 500.0)
    fac, cell = sd.two_step_fca(r, cap, dem, decay=decay, sigma=150.0)
    served = fac["ratio"].notna()
    assert cell["places"].sum() == pytest.approx(fac["capacity"][served].sum(), rel=1e-9, abs=1e-6)


# ------------------------------------------------------------- demand by age
def test_census_gives_elderly_shares_but_no_school_cohorts():
    assert census_share(GROUPS["age_60p"]) == pytest.approx(0.2885)  # PROVENANCE.md: 60+ 28.85 %
    assert census_share(GROUPS["age_80p"]) == pytest.approx(0.0193 + 0.0182)
    assert census_share(GROUPS["age_6_11"]) is None


def test_demand_sources():
    t = pd.DataFrame({"人口": [1000.0, 2000.0], "6-11岁": [50.0, 70.0]})
    d = demand_for(t, "primary_school")
    assert d.values.tolist() == [50, 70] and "6-11岁" in d.source_zh
    d = demand_for(t[["人口"]], "primary_school", share=0.05)
    assert d.values.tolist() == pytest.approx([50, 100])
    d = demand_for(t[["人口"]], "elderly_day_care")
    assert d.values.tolist() == pytest.approx([288.5, 577.0]) and "普查" in d.source_zh
    with pytest.raises(InputError, match="no age_6_11 share"):
        demand_for(t[["人口"]], "primary_school")
    with pytest.raises(InputError, match="no population"):
        demand_for(pd.DataFrame({"x": [1]}), "kindergarten")
    with pytest.raises(InputError):
        demand_for(t, "health_centre")


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda nf: st.integers(1, 6).flatmap(
            lambda nc: st.tuples(
                st.lists(st.one_of(st.just(INF), st.integers(0, 500)), min_size=nf * nc, max_size=nf * nc),
                st.lists(st.integers(0, 30), min_size=nf, max_size=nf),
                st.lists(st.integers(0, 30), min_size=nc, max_size=nc),
                st.just((nf, nc)),
            )
        )
    )
)
def test_flow_equals_networkx_max_flow_min_cost(case):
    dist, cap, dem, (nf, nc) = case
    d = np.array(dist, dtype=float).reshape(nf, nc)
    r = sd.Reach.from_matrix(d, 500.0)
    _, cell = sd.assign(r, cap, dem, method="flow")
    g = nx.DiGraph()
    for j in range(nf):
        g.add_edge("s", f"f{j}", capacity=cap[j], weight=0)
    for i in range(nc):
        g.add_edge(f"c{i}", "t", capacity=dem[i], weight=0)
    for j, i, dd in zip(r.fac, r.cell, r.dist, strict=True):
        g.add_edge(f"f{j}", f"c{i}", capacity=10**6, weight=int(dd))
    flow = nx.max_flow_min_cost(g, "s", "t")
    placed = sum(flow["s"].values())
    walked = nx.cost_of_flow(g, flow)
    assert cell["assigned"].sum() == pytest.approx(placed, abs=1e-5)
    mine = float((cell["assigned"] * cell["mean_dist_m"].fillna(0)).sum())
    assert mine == pytest.approx(walked, abs=1e-4 * max(1, walked))


def test_network_reach_nearest_equals_the_coverage_engine():
    # on a jittered lattice, each cell's nearest pair is the engine's multi-source nearest distance
    rng = np.random.default_rng(5)
    n = 15
    i, j = np.meshgrid(np.arange(n), np.arange(n))
    xy = np.column_stack([i.ravel(), j.ravel()]) * 80.0 + rng.normal(0, 8, (n * n, 2))
    k = np.arange(n * n).reshape(n, n)
    edges = np.vstack(
        [
            np.column_stack([k[:, :-1].ravel(), k[:, 1:].ravel()]),
            np.column_stack([k[:-1].ravel(), k[1:].ravel()]),
        ]
    )
    net = WalkNetwork.from_arrays(xy, edges[rng.random(len(edges)) > 0.1])
    fxy = rng.uniform(0, 80 * (n - 1), (12, 2))
    cxy = rng.uniform(0, 80 * (n - 1), (400, 2))
    r, _ = sd.network_reach(net, fxy, cxy, 400.0)
    mine = np.full(len(cxy), np.inf)
    np.minimum.at(mine, r.cell, r.dist)
    fs, cs = net.snap(fxy), net.snap(cxy)
    engine, _ = net.point_distances(net.node_distances(fs, 400.0), fs, cs)
    assert np.isfinite(mine).sum() > 100
    np.testing.assert_array_equal(np.isfinite(mine), np.isfinite(engine))
    np.testing.assert_allclose(mine[np.isfinite(mine)], engine[np.isfinite(engine)], atol=1e-6)
