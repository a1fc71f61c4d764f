"""Siting with capacity (renewal/analysis/supply_siting.py): against every subset of candidates (each
scored by the existing min-cost-flow assignment, an independent solver) and a case worked by hand
where capacity changes the answer that coverage alone would give."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from renewal.analysis import supply_demand as sd
from renewal.analysis.supply_report import supply_demand_run
from renewal.analysis.supply_siting import Placer, capacity_siting, greedy_steps, site_changes, with_new_sites
from renewal.errors import InputError
from tests.coverage_fixtures import X0, Y0, points_gdf


def _placed_by_assign(reach: sd.Reach, cap, dem, chosen, n_existing) -> float:
    """Demand placed by the existing HiGHS min-cost flow with only the existing + ``chosen`` facilities."""
    keep = np.concatenate([np.arange(n_existing), n_existing + np.asarray(chosen, int)])
    mask = np.isin(reach.fac, keep)
    sub = sd.Reach(
        reach.fac[mask], reach.cell[mask], reach.dist[mask], reach.n_fac, reach.n_cell, reach.cutoff
    )
    c = np.where(np.isin(np.arange(reach.n_fac), keep), cap, 0.0)
    _, cell = sd.assign(sub, c, dem, method="flow")
    return float(cell["assigned"].sum())


@pytest.mark.parametrize("seed", range(6))
def test_greedy_against_every_subset(seed):
    rng = np.random.default_rng(seed)
    n_cell, n_exist, n_cand = 25, 2, 6
    cells = rng.uniform(0, 2000, (n_cell, 2))
    facs = rng.uniform(0, 2000, (n_exist + n_cand, 2))
    dem = rng.integers(5, 60, n_cell).astype(float)
    cap = np.concatenate([rng.integers(50, 200, n_exist), np.full(n_cand, 120)]).astype(float)
    reach = sd.radius_reach(facs, cells, 600.0)
    placer = Placer(reach, cap, dem, n_exist)
    assert placer.placed() == pytest.approx(_placed_by_assign(reach, cap, dem, [], n_exist), abs=0.01)
    for k in (1, 2):
        best = max(
            _placed_by_assign(reach, cap, dem, list(s), n_exist)
            for s in itertools.combinations(range(n_cand), k)
        )
        steps, _ = greedy_steps(placer, n_cand, k=k, target=None)
        got = steps[-1][1] if steps else placer.placed()
        # one site: greedy is exact; two: within the (1 - 1/e) bound of the best gain
        if k == 1:
            assert got == pytest.approx(best, abs=0.01)
        base = placer.placed()
        assert got - base >= (1 - 1 / np.e) * (best - base) - 0.01
        # every step's figure is the flow of the chosen set, re-solved independently
        chosen = [c for c, _ in steps]
        assert got == pytest.approx(_placed_by_assign(reach, cap, dem, chosen, n_exist), abs=0.01)


def _by_hand():
    # 甲: 100 children at x=0, no school; 乙: 300 children at x=3000 beside a school of 280 places
    pop = points_gdf([[X0, Y0], [X0 + 3000, Y0]], **{"6-11岁": [100.0, 300.0]})
    fac = points_gdf([[X0 + 3100, Y0]], category=["小学"], name=["乙小学"])
    fac["places"] = [280.0]
    # A reaches 甲 only; B reaches 乙 (300 children: what coverage alone would pick); C reaches nothing
    sites = points_gdf(
        [[X0 + 100, Y0], [X0 + 3050, Y0], [X0 + 9000, Y0]],
        site_id=["A", "B", "C"],
        name=["甲地块", "乙地块", "远地块"],
    )
    return fac, pop, sites


def test_capacity_changes_the_choice_by_hand():
    fac, pop, sites = _by_hand()
    res = capacity_siting(fac, pop, "小学", sites, new_capacity=100, k=2, age_field="6-11岁")
    assert res.base_placed == pytest.approx(280) and res.demand_total == pytest.approx(400)
    steps = res.steps
    assert steps["site_id"].tolist() == ["A", "B"]  # 甲's 100 children before 乙's 20 left over
    assert steps["gain"].tolist() == pytest.approx([100, 20])
    assert steps["unplaced"].tolist() == pytest.approx([20, 0]) and steps["share"].iat[-1] == pytest.approx(1)
    assert res.reached and steps.crs.to_epsg() == 4326
    assert steps.geometry.x.iat[0] == pytest.approx(sites.to_crs(4326).geometry.x.iat[0])
    # the scenario inventory: the same run with the new schools places everybody
    after = supply_demand_run(with_new_sites(fac, res), pop, "小学", method="assign", age_field="6-11岁")
    assert after.cells["unplaced"].sum() == pytest.approx(0)
    assert [c["name"] for c in site_changes(res)] == ["甲地块", "乙地块"]


def test_target_share_takes_the_fewest_and_says_when_unreachable():
    fac, pop, sites = _by_hand()
    res = capacity_siting(fac, pop, "小学", sites, new_capacity=100, target_share=0.9, age_field="6-11岁")
    assert res.steps["site_id"].tolist() == ["A"] and res.reached  # 380 / 400 = 95 % after one
    small = capacity_siting(fac, pop, "小学", sites, new_capacity=5, target_share=1.0, age_field="6-11岁")
    assert not small.reached and small.steps["site_id"].tolist() == ["A", "B"]  # C places nobody
    assert small.steps["share"].iat[-1] == pytest.approx(290 / 400)


@pytest.mark.parametrize(
    ("opts", "message"),
    [
        ({"k": 1, "target_share": 0.8}, "not both"),
        ({}, "not both"),
        ({"k": 0}, "1 to 50"),
        ({"target_share": 1.5}, "at most 1"),
        ({"k": 1, "new_capacity": 0}, "positive"),
        ({"k": 1, "new_capacity": "多"}, "positive"),
    ],
)
def test_bad_options_refused(opts, message):
    fac, pop, sites = _by_hand()
    kw = {"new_capacity": 100, **opts}
    with pytest.raises(InputError, match=message):
        capacity_siting(fac, pop, "小学", sites, age_field="6-11岁", **kw)


def test_no_candidates_refused():
    fac, pop, sites = _by_hand()
    with pytest.raises(InputError, match="No candidate"):
        capacity_siting(fac, pop, "小学", sites.iloc[:0], new_capacity=10, k=1, age_field="6-11岁")
