"""Bundled geodata: every layer loads, is WGS84, has its fields, valid geometries,
lies where it should; plan items quote the plan verbatim."""

import re

import geopandas as gpd
import pytest
from geopandas.testing import assert_geoseries_equal
from shapely.geometry import Point, Polygon

import geodata
from renewal.crs import geometry_to_metric

VECTOR = [n for n, m in geodata.manifest().items() if m.kind in ("real", "plan")]
PLAN = [n for n, m in geodata.manifest().items() if m.kind == "plan"]


@pytest.fixture(scope="module")
def district_m():
    return geometry_to_metric(geodata.load("district").geometry.iloc[0])


@pytest.fixture(scope="module")
def plan_text_compact():
    return re.sub(r"\s+", "", geodata.path("plan_text").read_text(encoding="utf-8"))


def test_manifest_files_exist_and_have_provenance():
    for name, m in geodata.manifest().items():
        assert m.path.exists(), name
        for attr in ("source", "licence", "crs", "date", "precision", "title_zh"):
            assert str(getattr(m, attr)).strip(), (name, attr)


@pytest.mark.parametrize("name", VECTOR)
def test_vector_layer_is_valid_wgs84_with_fields(name):
    gdf = geodata.load(name)
    assert gdf.crs.to_epsg() == 4326
    assert len(gdf) > 0
    assert gdf.geometry.is_valid.all()
    assert set(geodata.meta(name).required_fields) <= set(gdf.columns)


@pytest.mark.parametrize("name", VECTOR)
def test_layer_lies_in_or_near_the_district(name, district_m):
    gdf = geodata.load(name)
    metric = gdf.to_crs(4548)
    dist = metric.geometry.distance(district_m)
    # plan items must be inside (or on the edge of) the district; real context
    # layers (neighbours, city-wide metro) only need to be in the Tianjin area.
    limit = 200 if geodata.meta(name).kind == "plan" else 60_000  # metro line 9 reaches Binhai
    assert dist.max() <= limit, dist.max()


@pytest.mark.parametrize("name", PLAN)
def test_plan_features_carry_honesty_fields(name):
    gdf = geodata.load(name)
    for field in geodata.PLAN_FIELDS:
        assert gdf[field].astype(str).str.strip().ne("").all(), field
    assert set(gdf["status"]) <= set(geodata.STATUS_LABELS)
    assert set(gdf["precision"]) <= set(geodata.PRECISION_LABELS)
    # nothing digitised from text may claim survey precision
    assert not gdf["precision"].isin(["surveyed"]).any()


@pytest.mark.parametrize("name", PLAN)
def test_plan_text_is_quoted_verbatim(name, plan_text_compact):
    gdf = geodata.load(name)
    for _, row in gdf.iterrows():
        for part in re.split("[；]|……", row["plan_text"]):
            part = re.sub(r"\s+", "", part)
            if part:
                assert part in plan_text_compact, (row["name"], part)


def test_layout_has_all_four_elements_and_the_named_items():
    lay = geodata.load("layout")
    elements = set("|".join(lay["layout"]).split("|"))
    assert {"一站", "一带", "一园", "多点"} <= elements
    names = set(lay["name"])
    for required in (
        "天津站",
        "中海国际中心",
        "渤海银行大厦",
        "嘉里中心",
        "中海城市广场",
        "北配楼",
        "新开路产业廊道",
        "六纬路产业廊道",
        "十一经路产业廊道",
        "海河东岸创新发展带",
        "金茂汇",
        "万达中心",
        "棉3创意街区",
        "金贸产业园",
    ):
        assert required in names, required
    zones = lay[lay["category"] == "园区片区"]
    assert sorted(zones["zone"]) == sorted(["东南", "东北", "西南", "西北"])


def test_jinmao_anchors_lie_in_their_zone():
    lay = geodata.load("layout")
    zones = {r["zone"]: r.geometry for _, r in lay[lay["category"] == "园区片区"].iterrows()}
    anchors = lay[(lay["layout"] == "一园") & (lay.geom_type == "Point")]
    assert len(anchors) >= 8
    for _, r in anchors.iterrows():
        assert zones[r["zone"]].contains(r.geometry), r["name"]


def test_unplaced_items_are_listed_not_invented():
    unplaced = geodata.load_table("layout_unplaced")
    lay = geodata.load("layout")
    assert len(unplaced) > 0
    assert not set(unplaced["name"]) & set(lay["name"])
    assert unplaced["reason"].str.len().gt(0).all()


def test_indicators_table_has_all_18():
    ind = geodata.load_table("indicators")
    assert sorted(set(ind["no"].astype(int))) == list(range(1, 19))
    assert set(ind["attribute"]) == {"预期性", "约束性"}
    assert (ind[ind["no"].astype(int) >= 15]["attribute"] == "约束性").all()


def _meta(**over):
    base = dict(
        name="t",
        file="x",
        title_zh="测试",
        kind="plan",
        source="s",
        licence="l",
        crs="EPSG:4326",
        date="d",
        precision="approximate",
        required_fields=("name",),
    )
    base.update(over)
    return geodata.LayerMeta(**base)


def _plan_row(**over):
    row = dict(
        name="甲",
        category="c",
        plan_clause="k",
        plan_text="t",
        status="planned",
        precision="approximate",
        position_source="p",
    )
    row.update(over)
    return row


def test_validate_rejects_wrong_crs():
    gdf = gpd.GeoDataFrame([_plan_row()], geometry=[Point(500000, 4300000)], crs=4548)
    with pytest.raises(geodata.GeodataError, match="EPSG:4326"):
        geodata.validate(gdf, _meta())


def test_validate_rejects_invalid_geometry_and_missing_fields():
    bowtie = Polygon([(117.2, 39.1), (117.21, 39.11), (117.21, 39.1), (117.2, 39.11)])
    gdf = gpd.GeoDataFrame([_plan_row()], geometry=[bowtie], crs=4326)
    with pytest.raises(geodata.GeodataError, match="invalid") as exc:
        geodata.validate(gdf, _meta(required_fields=("name", "missing_field")))
    assert "missing_field" in str(exc.value)
    assert "校验失败" in exc.value.message_zh


def test_validate_rejects_unknown_status():
    gdf = gpd.GeoDataFrame([_plan_row(status="maybe")], geometry=[Point(117.2, 39.1)], crs=4326)
    with pytest.raises(geodata.GeodataError, match="status"):
        geodata.validate(gdf, _meta())


def test_unknown_layer_name_is_a_clear_error():
    with pytest.raises(geodata.GeodataError, match="Unknown bundled layer"):
        geodata.load("no_such_layer")


def test_every_science_unit_of_box3_and_shuaichao_is_placed_or_listed():
    """专栏3's institutes and central-enterprise units and 帅超 are on the map or listed with a reason."""
    names = {
        "帅超科创园区",
        "国家海洋信息中心",
        "中国地震局一测中心",
        "天津地质调查中心",
        "天津地热院",
        "天津华北地勘院",
        "国机集团天津电气院",
        "天津电力设计院",
        "核理化院",
        "中核科技",
        "天津大学中心医院",
    }
    lay = set(geodata.load("layout")["name"])
    unplaced = geodata.load_table("layout_unplaced").set_index("name")
    missing = {n for n in names if n not in lay and n not in unplaced.index}
    assert not missing
    assert unplaced.loc["帅超科创园区", "plan_text"].find("帅超") >= 0
    assert unplaced.loc["帅超科创园区", "plan_clause"].startswith("第四章")


# ---- the plan layers are built from their reviewable tables ----------------------------------------------


def test_plan_tables_regenerate_every_plan_layer_exactly(tmp_path):
    from geodata.plan import build

    paths = build.build(tmp_path)
    assert set(paths) == {"layout", "renewal_sites", "facilities"}
    for layer, path in paths.items():
        committed = geodata.path({"facilities": "plan_facilities"}.get(layer, layer))
        assert path.read_bytes() == committed.read_bytes(), layer


def test_a_plan_table_row_is_the_item_a_planner_sees(tmp_path, monkeypatch):
    """One row changed in a table changes that item, its plan words and its typed fields, and nothing else."""
    import csv

    from geodata.plan import build

    items = tmp_path / "items"
    items.mkdir()
    for f in build.ITEMS.glob("*.csv"):
        (items / f.name).write_bytes(f.read_bytes())
    rows = list(csv.DictReader((items / "layout.csv").open(encoding="utf-8", newline="")))
    header = list(rows[0])
    row = next(r for r in rows if r["name"] == "中海国际中心")
    row["geometry"], row["floor_area_m2:int"] = "POINT (117.2 39.13)", "123"
    with (items / "layout.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header)
        w.writeheader()
        w.writerows(rows)
    monkeypatch.setattr(build, "ITEMS", items)
    out = tmp_path / "out"
    out.mkdir()
    built = gpd.read_file(build.build(out)["layout"]).set_index("name")
    bundled = geodata.load("layout").set_index("name")
    assert built.loc["中海国际中心", "floor_area_m2"] == 123
    assert built.loc["中海国际中心"].geometry.equals(Point(117.2, 39.13))
    others = built.index != "中海国际中心"
    assert_geoseries_equal(built[others].geometry, bundled.loc[built.index[others]].geometry)
    assert built.loc["中海国际中心", "plan_text"] == bundled.loc["中海国际中心", "plan_text"]


def test_a_plan_table_naming_an_unknown_shape_is_refused(tmp_path, monkeypatch):
    from geodata.plan import build

    items = tmp_path / "items"
    items.mkdir()
    for f in build.ITEMS.glob("*.csv"):
        (items / f.name).write_text(f.read_text(encoding="utf-8").replace("@belt", "@bolt"), encoding="utf-8")
    monkeypatch.setattr(build, "ITEMS", items)
    with pytest.raises(ValueError, match="@bolt"):
        build.build(tmp_path)
