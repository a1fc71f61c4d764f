"""Coverage engine: radius and network modes on synthetic data with known answers."""

from __future__ import annotations

import math
import re
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely

from renewal.analysis.accessibility import accessibility
from renewal.analysis.coverage import CoverageOptions, network_coverage, radius_coverage
from renewal.analysis.inputs import CoverageWarning
from renewal.analysis.network import NetworkWarning, WalkNetwork
from renewal.analysis.siting import greedy_siting
from renewal.analysis.whatif import what_if
from renewal.errors import InputError
from tests.coverage_fixtures import X0, Y0, box_gdf, grid_nodes_edges, lattice_within, points_gdf

N = 11  # 11 x 11 lattice, 100 m, cells of 100 m centred on the nodes


@pytest.fixture(scope="module")
def net():
    xy, edges = grid_nodes_edges(N)
    return WalkNetwork.from_arrays(xy, edges)


@pytest.fixture(scope="module")
def boundary():
    return box_gdf(X0 - 50, Y0 - 50, X0 + 1050, Y0 + 1050)


def kg(xy, **cols):
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    cols.setdefault("category", ["幼儿园"] * len(xy))
    cols.setdefault("id", [f"K{i}" for i in range(len(xy))])
    return points_gdf(xy, **cols)


def manhattan_covered(centres, cutoff):
    """Cell centres (lattice nodes) within Manhattan distance of any centre."""
    i, j = np.meshgrid(np.arange(N), np.arange(N))
    d = np.full(i.shape, np.inf)
    for ci, cj in centres:
        d = np.minimum(d, (np.abs(i - ci) + np.abs(j - cj)) * 100.0)
    return d.ravel() <= cutoff + 1e-9


# ------------------------------------------------------------------ network
def test_network_lattice_coverage_is_the_manhattan_diamond(net, boundary):
    res = network_coverage(
        net, kg([[X0 + 500, Y0 + 500]]), boundary=boundary, options=CoverageOptions(cell=100)
    )
    row = res.stats.set_index("category").loc["kindergarten"]
    assert row["cutoff_m"] == 300
    assert len(res.grid) == N * N
    assert res.grid["kindergarten_covered"].sum() == lattice_within(300)
    assert row["land_share"] == pytest.approx(lattice_within(300) / (N * N))
    # distances of cells are Manhattan distances to the centre
    g = res.grid.to_crs(4548)
    c = shapely.get_coordinates(g.geometry.centroid)
    manh = np.abs(c[:, 0] - X0 - 500) + np.abs(c[:, 1] - Y0 - 500)
    d = g["kindergarten_dist_m"].to_numpy()
    ok = manh <= 300.01  # centroids went through WGS84: allow float noise
    np.testing.assert_allclose(d[ok], manh[ok], atol=0.1)
    assert np.isnan(d[~ok]).all()
    assert set(g.loc[ok, "kindergarten_facility"]) == {"K0"}
    # outputs are WGS84
    assert res.grid.crs.to_epsg() == 4326 and res.catchments.crs.to_epsg() == 4326


def test_network_catchment_and_gaps(net, boundary):
    res = network_coverage(
        net, kg([[X0 + 500, Y0 + 500]]), boundary=boundary, options=CoverageOptions(cell=100, width=10)
    )
    cat = res.catchments.to_crs(4548)
    assert len(cat) == 1 and cat["facility_id"].iat[0] == "K0"
    poly = cat.geometry.iat[0]
    # street-following star, not a hull: the block corner 150 m diagonally is out
    assert poly.contains(shapely.Point(X0 + 500, Y0 + 790))
    assert not poly.contains(shapely.Point(X0 + 650, Y0 + 650))
    # reached street length 4 * 300 + 4 * (2 * 200 + 2 * 100)... area ~ length * 2 * width
    gaps = res.gaps.to_crs(4548)
    assert gaps.area.sum() == pytest.approx((N * N - lattice_within(300)) * 100 * 100, rel=1e-6)


def test_two_categories_with_their_own_cutoffs(net, boundary):
    fac = points_gdf([[X0, Y0], [X0 + 1000, Y0 + 1000]], category=["幼儿园", "小学"], id=["A", "B"])
    res = network_coverage(net, fac, boundary=boundary, options=CoverageOptions(cell=100))
    s = res.stats.set_index("category")
    assert s.loc["kindergarten", "cutoff_m"] == 300 and s.loc["primary_school", "cutoff_m"] == 500
    assert res.grid["kindergarten_covered"].sum() == manhattan_covered([(0, 0)], 300).sum()
    assert res.grid["primary_school_covered"].sum() == manhattan_covered([(10, 10)], 500).sum()


def test_facility_off_the_network_is_refused_and_counted(net, boundary):
    fac = kg([[X0 + 500, Y0 + 500], [X0 + 500, Y0 + 3000]])
    with pytest.warns(NetworkWarning, match="refused"):
        res = network_coverage(net, fac, boundary=boundary, options=CoverageOptions(cell=100, max_snap=100))
    row = res.stats.iloc[0]
    assert row["n_refused"] == 1 and row["n_facilities"] == 2
    assert res.grid["kindergarten_covered"].sum() == lattice_within(300)


def test_unknown_category_is_skipped_with_a_warning(net, boundary):
    fac = points_gdf([[X0, Y0], [X0 + 100, Y0]], category=["幼儿园", "网吧"])
    with pytest.warns(CoverageWarning, match="网吧"):
        res = network_coverage(net, fac, boundary=boundary, options=CoverageOptions(cell=100))
    assert list(res.stats["category"]) == ["kindergarten"]


def test_facilities_without_crs_are_refused(net, boundary):
    fac = kg([[X0, Y0]]).set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="coordinate reference system"):
        network_coverage(net, fac, boundary=boundary)


# ------------------------------------------------------------------ radius
def test_radius_share_is_the_circle_area(boundary):
    res = radius_coverage(kg([[X0 + 500, Y0 + 500]]), boundary=boundary, options=CoverageOptions(cell=50))
    row = res.stats.iloc[0]
    area = 1100.0 * 1100.0
    assert row["land_share"] == pytest.approx(math.pi * 300**2 / area, rel=3e-3)
    assert res.catchments.to_crs(4548).area.sum() == pytest.approx(math.pi * 300**2, rel=3e-3)
    assert res.gaps.to_crs(4548).area.sum() == pytest.approx(area - math.pi * 300**2, rel=3e-3)


def test_radius_clipped_to_the_boundary(boundary):
    # facility at the corner of the boundary: a quarter circle remains
    res = radius_coverage(kg([[X0 - 50, Y0 - 50]]), boundary=boundary, options=CoverageOptions(cell=50))
    assert res.stats["covered_area_m2"].iat[0] == pytest.approx(math.pi * 300**2 / 4, rel=3e-3)


def test_radius_grid_distance_is_euclidean(boundary):
    res = radius_coverage(kg([[X0 + 500, Y0 + 500]]), boundary=boundary, options=CoverageOptions(cell=100))
    g = res.grid.to_crs(4548)
    c = shapely.get_coordinates(g.geometry.centroid)
    d = np.hypot(c[:, 0] - X0 - 500, c[:, 1] - Y0 - 500)
    got = g["kindergarten_dist_m"].to_numpy()
    np.testing.assert_allclose(got, d, atol=0.1)


def test_default_boundary_is_the_district():
    import geodata

    district = geodata.load("district").to_crs(4548)
    c = district.geometry.iat[0].representative_point()
    res = radius_coverage(kg([[c.x, c.y]]), options=CoverageOptions(cell=100))
    cover = res.catchments.to_crs(4548).geometry.iat[0]
    assert cover.area > 0
    assert district.geometry.iat[0].buffer(1).contains(cover)
    assert 0 < res.stats["land_share"].iat[0] < 0.05


# ------------------------------------------------------------ population
def _write_raster(path, values, crs, x0, y1, px):
    import rasterio
    from rasterio.transform import Affine

    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=values.shape[0],
        width=values.shape[1],
        count=1,
        dtype="float32",
        crs=crs,
        transform=Affine(px, 0, x0, 0, -px, y1),
        nodata=-1,
    ) as dst:
        dst.write(values.astype("float32"), 1)


def test_population_raster_share(net, boundary, tmp_path):
    # one pixel per cell; population = column index + 1 (row 0 = north)
    pop = np.tile(np.arange(1, N + 1, dtype=float), (N, 1))
    path = tmp_path / "pop.tif"
    _write_raster(path, pop, "EPSG:4548", X0 - 50, Y0 + 1050, 100)
    res = network_coverage(
        net,
        kg([[X0 + 500, Y0 + 500]]),
        boundary=boundary,
        options=CoverageOptions(cell=100, population=str(path)),
    )
    cov = manhattan_covered([(5, 5)], 300).reshape(N, N)  # [row j from south, col i]
    expected = (np.tile(np.arange(1, N + 1), (N, 1)) * cov).sum() / pop.sum()
    row = res.stats.iloc[0]
    assert row["population"] == pytest.approx(pop.sum())
    assert row["population_share"] == pytest.approx(expected)


def test_population_raster_in_another_crs_warns(net, boundary, tmp_path):
    from renewal.crs import transformer

    t = transformer(4548, 4326)
    lon0, lat0 = t.transform(X0 - 50, Y0 - 50)
    lon1, lat1 = t.transform(X0 + 1050, Y0 + 1050)
    px = (lon1 - lon0) / 22
    ny = int(round((lat1 - lat0) / px))
    path = tmp_path / "pop4326.tif"
    _write_raster(path, np.ones((ny, 22)), "EPSG:4326", lon0, lat1, px)
    with pytest.warns(CoverageWarning, match="reprojected"):
        res = network_coverage(
            net,
            kg([[X0 + 500, Y0 + 500]]),
            boundary=boundary,
            options=CoverageOptions(cell=100, population=str(path)),
        )
    assert res.stats["population"].iat[0] > 0.9 * 22 * ny
    assert any("reprojected" in w for w in res.warnings)


def test_population_raster_without_crs_is_refused(net, boundary, tmp_path):
    import rasterio
    from rasterio.transform import Affine

    path = tmp_path / "nocrs.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=2,
        width=2,
        count=1,
        dtype="float32",
        transform=Affine(1, 0, 0, 0, -1, 2),
    ) as dst:
        dst.write(np.ones((2, 2), dtype="float32"), 1)
    with pytest.raises(InputError, match="no CRS"):
        network_coverage(
            net, kg([[X0, Y0]]), boundary=boundary, options=CoverageOptions(cell=100, population=str(path))
        )


def test_population_polygons_and_zones(net, boundary):
    west = (X0 - 50, Y0 - 50, X0 + 450, Y0 + 1050)  # 5 columns of cells
    east = (X0 + 450, Y0 - 50, X0 + 1050, Y0 + 1050)  # 6 columns
    polys = gpd.GeoDataFrame(
        {"人口": [5500.0, 1320.0], "name": ["W", "E"]},
        geometry=[shapely.box(*west), shapely.box(*east)],
        crs=4548,
    ).to_crs(4326)
    fac = kg([[X0, Y0 + 500]])  # west edge, middle row
    res = network_coverage(
        net, fac, boundary=boundary, options=CoverageOptions(cell=100, population=polys, zones=polys)
    )
    cov = manhattan_covered([(0, 5)], 300).reshape(N, N)
    per_cell_w, per_cell_e = 5500 / 55, 1320 / 66
    covered_pop = cov[:, :5].sum() * per_cell_w + cov[:, 5:].sum() * per_cell_e
    row = res.stats.iloc[0]
    assert row["population"] == pytest.approx(6820, rel=1e-6)
    assert row["covered_population"] == pytest.approx(covered_pop, rel=1e-6)
    z = res.zone_stats.set_index("zone")
    assert z.loc["W", "land_share"] == pytest.approx(cov[:, :5].sum() / 55)
    assert z.loc["E", "land_share"] == pytest.approx(cov[:, 5:].sum() / 66)
    assert z.loc["W", "population_share"] == pytest.approx(cov[:, :5].sum() / 55)


def test_population_polygons_need_a_field(net, boundary):
    polys = box_gdf(X0, Y0, X0 + 100, Y0 + 100, label=["x"])
    with pytest.raises(InputError, match="population field"):
        network_coverage(
            net, kg([[X0, Y0]]), boundary=boundary, options=CoverageOptions(cell=100, population=polys)
        )


# ------------------------------------------------------------------ what-if
@pytest.mark.parametrize("mode", ["network", "radius"])
def test_what_if_add_equals_a_full_run(net, boundary, mode):
    run = (
        (lambda f: network_coverage(net, f, boundary=boundary, options=CoverageOptions(cell=100)))
        if mode == "network"
        else (lambda f: radius_coverage(f, boundary=boundary, options=CoverageOptions(cell=100)))
    )
    base = run(kg([[X0 + 200, Y0 + 200]]))
    new = kg([[X0 + 730, Y0 + 700]], id=["NEW"])
    after = what_if(base, add=new, geometry=True)
    full = run(kg([[X0 + 200, Y0 + 200], [X0 + 730, Y0 + 700]], id=["K0", "NEW"]))
    assert after.stats["land_share"].iat[0] == pytest.approx(full.stats["land_share"].iat[0])
    np.testing.assert_allclose(after.grid["kindergarten_dist_m"], full.grid["kindergarten_dist_m"], atol=1e-6)
    assert list(after.grid["kindergarten_facility"]) == list(full.grid["kindergarten_facility"])
    d = after.delta.set_index("category").loc["kindergarten"]
    assert d["delta_land_share"] == pytest.approx(
        full.stats["land_share"].iat[0] - base.stats["land_share"].iat[0]
    )
    assert d["delta_n_facilities"] == 1
    assert after.catchments.to_crs(4548).area.sum() == pytest.approx(
        full.catchments.to_crs(4548).area.sum(), rel=1e-6
    )
    # the original result is unchanged
    assert base.stats["n_facilities"].iat[0] == 1


def test_what_if_remove_equals_a_full_run(net, boundary):
    base = network_coverage(
        net,
        kg([[X0, Y0], [X0 + 1000, Y0 + 1000]], id=["A", "B"]),
        boundary=boundary,
        options=CoverageOptions(cell=100),
    )
    after = what_if(base, remove=["B"])
    full = network_coverage(
        net, kg([[X0, Y0]], id=["A"]), boundary=boundary, options=CoverageOptions(cell=100)
    )
    assert after.stats["land_share"].iat[0] == pytest.approx(full.stats["land_share"].iat[0])
    assert after.delta["delta_land_share"].iat[0] < 0
    with pytest.raises(InputError, match="not found"):
        what_if(base, remove=["nope"])


def test_what_if_new_category(net, boundary):
    base = network_coverage(net, kg([[X0, Y0]]), boundary=boundary, options=CoverageOptions(cell=100))
    after = what_if(base, add=points_gdf([[X0 + 500, Y0 + 500]], category=["小学"]))
    s = after.stats.set_index("category")
    assert s.loc["primary_school", "land_share"] == pytest.approx(lattice_within(500) / (N * N))


def test_greedy_siting_picks_the_best_candidates(net, boundary):
    base = network_coverage(net, kg([[X0, Y0]]), boundary=boundary, options=CoverageOptions(cell=100))
    cand = points_gdf(
        [[X0 + 100, Y0 + 100], [X0 + 500, Y0 + 500], [X0 + 1000, Y0 + 1000], [X0 + 900, Y0 + 900]],
        id=["near_existing", "centre", "far_corner", "near_far_corner"],
    )
    chosen = greedy_siting(base, cand, "幼儿园", 2, weight="area")
    assert list(chosen["candidate_id"]) == ["centre", "near_far_corner"]
    # the marginal gains match what-if runs
    step1 = what_if(base, add=cand.iloc[[1]].assign(category="幼儿园"))
    gain1 = step1.stats["covered_area_m2"].iat[0] - base.stats["covered_area_m2"].iat[0]
    assert chosen["gain"].iat[0] == pytest.approx(gain1)
    step2 = what_if(step1, add=cand.iloc[[3]].assign(category="幼儿园"))
    assert chosen["share_after"].iat[1] == pytest.approx(step2.stats["land_share"].iat[0])


# ------------------------------------------------------------ accessibility
def test_accessibility_network_and_radius(net):
    fac = points_gdf(
        [[X0, Y0], [X0 + 1000, Y0 + 1000], [X0 + 1000, Y0]],
        category=["幼儿园", "幼儿园", "小学"],
        id=["K1", "K2", "P1"],
    )
    org = points_gdf([[X0 + 300, Y0 + 200], [X0 + 950, Y0 + 1000]], home=["h1", "h2"])
    out = accessibility(fac, org, net)
    assert list(out["home"]) == ["h1", "h2"]
    assert out["dist_m_幼儿园"].tolist() == pytest.approx([500, 50])
    assert out["facility_id_幼儿园"].tolist() == ["K1", "K2"]
    assert out["dist_m_小学"].tolist() == pytest.approx([900, 1050])
    straight = accessibility(fac, org)
    assert straight["dist_m_幼儿园"].tolist() == pytest.approx([math.hypot(300, 200), 50], abs=0.01)


# ------------------------------------------------------------------ bad input
def test_empty_facilities_are_refused(net, boundary):
    with pytest.raises(InputError):
        network_coverage(net, kg(np.empty((0, 2))), boundary=boundary)


def test_boundary_without_area_is_refused():
    with pytest.raises(InputError, match="no area"):
        radius_coverage(kg([[X0, Y0]]), boundary=points_gdf([[X0, Y0]]))


def test_no_network_is_refused(boundary):
    with pytest.raises(InputError, match="walking network"):
        network_coverage(None, kg([[X0, Y0]]), boundary=boundary)


def test_disconnected_network_is_reported(boundary):
    xy, edges = grid_nodes_edges(5)
    lines = list(shapely.linestrings(np.stack([xy[edges[:, 0]], xy[edges[:, 1]]], axis=1)))
    lines.append(shapely.LineString([(X0 + 2000, Y0), (X0 + 2100, Y0)]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetworkWarning)
        n2 = WalkNetwork.from_lines(gpd.GeoDataFrame(geometry=lines, crs=4548))
    res = network_coverage(n2, kg([[X0, Y0]]), boundary=boundary, options=CoverageOptions(cell=100))
    assert any("dropped 1 pieces" in w for w in res.warnings)


def test_facilities_far_away_suggest_a_wrong_crs(net, boundary):
    # metric numbers labelled as WGS84 land far outside the district
    fac = kg([[X0, Y0]])
    wrong = gpd.GeoDataFrame(
        fac.drop(columns="geometry"), geometry=gpd.points_from_xy([117.2], [39.1]), crs=4548
    )
    with pytest.raises(InputError, match="wrong CRS"):
        network_coverage(net, wrong, boundary=boundary, options=CoverageOptions(cell=100))
    some = kg([[X0, Y0], [X0 + 50_000, Y0]])
    with pytest.warns(CoverageWarning, match="outside the boundary"):
        radius_coverage(some, boundary=boundary, options=CoverageOptions(cell=100))


def test_network_elsewhere_is_refused(boundary):
    xy, edges = grid_nodes_edges(3, 100.0, X0 + 30_000, Y0)
    far = WalkNetwork.from_arrays(xy, edges)
    with pytest.raises(InputError, match="does not overlap"):
        network_coverage(far, kg([[X0, Y0]]), boundary=boundary, options=CoverageOptions(cell=100))


def test_greedy_siting_by_population_prefers_people_over_land(net, boundary, tmp_path):
    pop = np.zeros((N, N))
    pop[0, 0] = 1000.0  # north-west corner cell (row 0 = north)
    path = tmp_path / "pop.tif"
    _write_raster(path, pop, "EPSG:4548", X0 - 50, Y0 + 1050, 100)
    base = network_coverage(
        net, kg([[X0 + 1000, Y0]]), boundary=boundary, options=CoverageOptions(cell=100, population=str(path))
    )
    cand = points_gdf([[X0 + 500, Y0 + 500], [X0, Y0 + 1000]], id=["centre", "nw_corner"])
    chosen = greedy_siting(base, cand, "kindergarten", 2)
    assert list(chosen["candidate_id"]) == ["nw_corner"]  # the centre adds land but no people: not chosen
    assert chosen["gain"].iat[0] == pytest.approx(1000)
    assert chosen["share_after"].iat[0] == pytest.approx(1.0)
    by_area = greedy_siting(base, cand, "kindergarten", 1, weight="area")
    assert list(by_area["candidate_id"]) == ["centre"]


def test_raster_gaps_equal_the_union_of_uncovered_cells():
    """Gaps traced from the cell raster equal the old union of clipped cells:
    an irregular boundary (clipped edge cells), a hole in the uncovered area,
    and two cells touching only at a corner (separate parts, as in a union)."""
    import shapely.affinity

    from renewal.analysis.grid import cells_to_polygons, make_grid

    b = shapely.Polygon([(0, 0), (1000, 0), (1000, 730), (430, 1000), (0, 1000)]).buffer(0)
    b = shapely.affinity.translate(b, X0 + 13, Y0 + 7)
    grid = make_grid(b, 100.0)
    rng = np.random.default_rng(3)
    mask = rng.random(len(grid)) < 0.45
    col, row = grid["col"].to_numpy(), grid["row"].to_numpy()
    mask[(col == 5) & (row == 5)] = False  # a covered cell inside an uncovered ring: a hole
    ring = (np.abs(col - 5) <= 1) & (np.abs(row - 5) <= 1) & ~((col == 5) & (row == 5))
    mask[ring] = True
    mask[(col == 0) & (row == 0)] = mask[(col == 1) & (row == 1)] = True  # corner contact
    mask[(col == 1) & (row == 0)] = mask[(col == 0) & (row == 1)] = False
    polys = cells_to_polygons(grid, mask, b)
    union = shapely.union_all(grid.geometry.values[mask])
    assert shapely.area(polys).sum() == pytest.approx(union.area, rel=1e-9)
    assert shapely.union_all(polys).symmetric_difference(union).area < 1e-6
    assert len(polys) == len(shapely.get_parts(union))
    assert any(len(p.interiors) for p in polys)  # the hole survives
    assert not cells_to_polygons(grid, np.zeros(len(grid), bool), b).size


def test_warnings_carry_chinese_for_the_pages_and_the_report(net, boundary):
    """A result's warnings are English for the command line and Chinese (notice_zh) for what planners
    read: the page's 计算提示 and the XLSX report's 提示 sheet; the Chinese survives Streamlit's pickling."""
    import pickle

    from renewal.analysis.coverage_report import report_sheets
    from renewal.errors import notice_zh
    from renewal.standards import load_standards

    fac = points_gdf([[X0, Y0], [X0 + 100, Y0], [X0 + 60_000, Y0]], category=["幼儿园", "网吧", "幼儿园"])
    with pytest.warns(UserWarning):
        res = network_coverage(net, fac, boundary=boundary, options=CoverageOptions(cell=100))
    zh = [notice_zh(w) for w in pickle.loads(pickle.dumps(res.warnings))]
    assert any("网吧" in w and "不在标准中" in w for w in zh), zh
    assert any("边界以外" in w for w in zh), zh
    assert all(not re.search(r"[A-Za-z]{4,}", w) for w in zh), zh  # no English sentence left
    assert any("not in the standards" in w for w in res.warnings)  # the command line keeps English
    sheet = report_sheets(res.stats, res.zone_stats, load_standards(), res.warnings)["提示"]
    assert list(sheet.columns) == ["提示"] and list(sheet["提示"]) == zh
