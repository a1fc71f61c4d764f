"""The renewal-site catalogue and the validation of one site."""

import math
import re

import geopandas as gpd
import pytest
import shapely.geometry
from shapely.geometry import LineString, Point, Polygon, box

import geodata
from layers import interaction
from pages.views import site_tables as tables
from pages.views import text
from renewal import storage
from renewal.crs import geometry_to_metric, geometry_to_storage
from renewal.errors import InputError
from renewal.sites import query, schema, validate

# A point in the middle of the district (near metro 直沽 station).
INSIDE = (117.2277, 39.1100)


@pytest.fixture(scope="module")
def cat():
    return query.bundled_sites()


@pytest.fixture(scope="module")
def district_m():
    return geometry_to_metric(geodata.load("district").geometry.union_all())


@pytest.fixture(scope="module")
def plan_compact():
    return re.sub(r"\s+", "", geodata.path("plan_text").read_text(encoding="utf-8"))


def square_m(center=INSIDE, side=100.0):
    """A square of known side (metres) around a WGS84 centre, returned in WGS84."""
    c = geometry_to_metric(Point(center))
    return geometry_to_storage(box(c.x - side / 2, c.y - side / 2, c.x + side / 2, c.y + side / 2))


# ---- catalogue --------------------------------------------------------------


def test_every_site_has_clause_status_precision_and_source(cat):
    assert len(cat) >= 30
    assert cat["site_id"].is_unique
    assert cat["site_id"].str.fullmatch(r"RS-\d{3}").all()
    for f in (*geodata.PLAN_FIELDS, "site_type"):
        assert cat[f].str.strip().ne("").all(), f
    assert set(cat["status"]) <= set(geodata.STATUS_LABELS)
    assert set(cat["precision"]) <= {"approximate", "schematic", "placeholder"}  # nothing here is surveyed
    assert set(cat["site_type"]) <= set(schema.SITE_TYPES)
    assert set(cat["renewal_area"]) <= {"", *schema.RENEWAL_AREAS}
    assert cat["plan_clause"].str.contains("第.章", regex=True).all()


def test_plan_words_are_verbatim(cat, plan_compact):
    for _, row in cat.iterrows():
        for part in row["plan_text"].split("；"):
            assert re.sub(r"\s+", "", part) in plan_compact, (row["name"], part)


def test_geometries_valid_and_in_or_near_district(cat, district_m):
    assert cat.geometry.is_valid.all()
    assert not cat.geometry.is_empty.any()
    dist = cat.to_crs(4548).geometry.distance(district_m)
    assert dist.max() <= validate.NEAR_DISTRICT_M
    points = cat[cat.geom_type.isin(["Point", "MultiPoint"])].to_crs(4548)
    assert points.geometry.within(district_m).all()


def test_named_items_are_all_there(cat):
    names = " ".join(cat["name"])
    for needle in (
        "天津站片区",
        "大直沽片区",
        "富民路片区",
        "金贸产业园片区",
        "一冷音乐文化产业片区",
        "天音艺术街区",
        "18号地",
        "四号台",
        "棉一地块",
        "郑庄子南北地块",
        "汪庄子2号地块",
        "一机床",
        "金二地块",
        "津龙湾",
        "井冈山路",
        "管乐器厂",
        "第五印刷厂",
        "麻纺厂",
        "煤建五厂",
        "有色金属厂",
        "棉3创意街区",
        "蓝天产业园",
        "信华金融科技园",
        "二次方产业园一期",
        "二次方产业园二期",
        "泰达津一产业园",
        "中山门胜利巷",
        "昆仑路",
        "雪莲南路",
        "龙潭路",
        "云丽路",
        "顺航路",
        "沙柳南路",
        "护仓河",
        "北塘排水河",
    ):
        assert needle in names, needle


def test_each_renewal_area_contains_its_named_projects(cat):
    areas = cat[cat["site_type"] == "片区更新"].set_index("name")
    assert set(areas.index) == set(schema.RENEWAL_AREAS)
    assert areas.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    expected = {
        "天津站片区": ("一冷音乐文化产业片区", "天音艺术街区"),
        "大直沽片区": ("18号地", "四号台", "棉一地块"),
        "富民路片区": ("郑庄子南北地块", "汪庄子2号地块"),
        "金贸产业园片区": ("一机床项目（含产业地块）", "金二地块"),
    }
    for area, names in expected.items():
        poly = areas.loc[area, "geometry"]
        members = cat[(cat["renewal_area"] == area) & (cat["site_type"] != "片区更新")]
        assert set(names) <= set(members["name"]), area
        for _, row in members.iterrows():
            assert poly.contains(row.geometry), (area, row["name"])


def test_renewal_areas_do_not_overlap(cat):
    polys = cat[cat["site_type"] == "片区更新"].to_crs(4548).geometry.tolist()
    for i, a in enumerate(polys):
        for b in polys[i + 1 :]:
            assert a.intersection(b).area < 1.0


def test_jinmao_is_the_layout_outline_and_factories_sit_in_their_zones(cat):
    layout = geodata.load("layout").set_index("name")
    jinmao = cat.set_index("name").loc["金贸产业园片区", "geometry"]
    park = layout.loc["金贸产业园", "geometry"]
    assert jinmao.symmetric_difference(park).area < 1e-10
    for name, zone in (
        ("一机床项目（含产业地块）", "西南"),
        ("麻纺厂城市更新项目", "东北"),
        ("煤建五厂地块", "西北"),
        ("有色金属厂", "西北"),
        ("泰达津一产业园", "西南"),
    ):
        pt = cat.set_index("name").loc[name, "geometry"]
        assert layout.loc[f"金贸产业园{zone}片区", "geometry"].contains(pt), name
        assert cat.set_index("name").loc[name, "zone"] == zone


def test_station_area_is_the_layout_station_area(cat):
    layout = geodata.load("layout").set_index("name")
    mine = cat.set_index("name").loc["天津站片区", "geometry"]
    assert (
        mine.symmetric_difference(layout.loc["天津站站产城融合发展片区（河东部分）", "geometry"]).area < 1e-10
    )


def test_hucang_river_length_is_close_to_the_plan_figure(cat):
    row = cat[cat["name"].str.contains("护仓河")].iloc[0]
    assert row["length_plan_m"] == 5430
    assert row.geometry.geom_type == "LineString"
    measured = query.with_measures(cat[cat["name"] == row["name"]])["length_m"].iloc[0]
    assert abs(measured - 5430) / 5430 < 0.10


def test_placeholders_say_so(cat):
    low = cat[cat["location_confidence"] == "低"]
    assert len(low) > 0
    # a low-confidence position never claims a better precision than approximate
    assert set(low["precision"]) <= {"approximate", "schematic", "placeholder"}
    assert low["position_source"].str.contains("核实|示意|占位").all()
    # a site the plan names without any place is a placeholder (位置待定), and only those
    nowhere = cat["position_source"].str.startswith("规划未给位置")
    assert set(cat.loc[nowhere, "name"]) == {
        "津龙湾片区",
        "井冈山路项目",
        "管乐器厂",
        "第五印刷厂",
        "蓝天产业园",
        "信华金融科技园",
    }
    assert (cat.loc[nowhere, "precision"] == "placeholder").all()
    assert (cat.loc[~nowhere, "precision"] != "placeholder").all()
    assert geodata.PRECISION_LABELS["placeholder"].startswith("位置待定")


# ---- validation of one site ---------------------------------------------------


def props(**kw):
    base = {"name": "测试地块", "status": "planned", "precision": "approximate", "site_type": "片区地块"}
    base.update(kw)
    return base


def test_valid_site_passes_and_labels_become_keys():
    clean, geom, notes = validate.validate_site(props(status="在建", precision="位置示意"), Point(INSIDE))
    assert clean["status"] == "under_construction"
    assert clean["precision"] == "approximate"
    assert notes == []
    assert geom.equals(Point(INSIDE))


@pytest.mark.parametrize(
    "bad, needle_en, needle_zh",
    [
        ({"name": "  "}, "name is empty", "名称不能为空"),
        ({"status": "finished"}, "unknown status", "未知状态"),
        ({"precision": "exact"}, "unknown precision", "未知定位精度"),
        ({"renewal_area": "火星片区"}, "unknown renewal area", "未知更新片区"),
    ],
)
def test_bad_attributes_are_refused_bilingually(bad, needle_en, needle_zh):
    with pytest.raises(InputError) as ei:
        validate.validate_site(props(**bad), Point(INSIDE))
    assert needle_en in ei.value.message_en
    assert needle_zh in ei.value.message_zh


def test_far_outside_geometry_is_refused():
    with pytest.raises(InputError) as ei:
        validate.validate_site(props(), Point(116.40, 39.90))  # Beijing
    assert "outside Hedong" in ei.value.message_en
    assert "区界外" in ei.value.message_zh


def test_just_outside_is_near_enough_but_1km_is_not(district_m):
    # a point 100 m and one 1 km outside the district boundary, found along a ray from the centre
    c = geometry_to_metric(Point(INSIDE))
    edge = district_m.exterior if district_m.geom_type == "Polygon" else district_m.geoms[0].exterior
    p_edge = edge.interpolate(edge.project(c))
    dx, dy = p_edge.x - c.x, p_edge.y - c.y
    n = math.hypot(dx, dy)
    for d, ok in ((50.0, True), (1000.0, False)):
        p = Point(p_edge.x + dx / n * d, p_edge.y + dy / n * d)
        if district_m.contains(p):
            pytest.skip("ray re-entered the district")
        gp = geometry_to_storage(p)
        if ok:
            validate.check_geometry(gp)
        else:
            with pytest.raises(InputError):
                validate.check_geometry(gp)


def test_not_lonlat_is_refused():
    with pytest.raises(InputError) as ei:
        validate.check_geometry(Point(500000, 4330000))
    assert "longitude/latitude" in ei.value.message_en


def test_empty_geometry_is_refused():
    with pytest.raises(InputError):
        validate.check_geometry(Polygon())
    with pytest.raises(InputError):
        validate.check_geometry(None)


def test_bowtie_is_refused():
    s = square_m(side=200)
    x0, y0, x1, y1 = s.bounds
    bowtie = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    assert not bowtie.is_valid
    with pytest.raises(InputError) as ei:
        validate.check_geometry(bowtie)
    assert "自相交" in ei.value.message_zh


def test_tiny_self_intersection_is_repaired():
    s = square_m(side=200)
    x0, y0, x1, y1 = s.bounds
    w = x1 - x0
    # a square whose top edge has a tiny loop crossing itself (area change << 1%)
    e = 0.01 * w
    ring = [
        (x0, y0),
        (x1, y0),
        (x1, y1),
        (x0 + 0.6 * w, y1),
        (x0 + 0.5 * w, y1 + e),
        (x0 + 0.6 * w, y1 + e),
        (x0 + 0.5 * w, y1),
        (x0, y1),
    ]
    poly = Polygon(ring)
    assert not poly.is_valid
    fixed, note = validate.check_geometry(poly)
    assert fixed.is_valid
    assert "repaired" in note
    assert abs(fixed.area - s.area) / s.area < 0.01


def test_with_measures_known_square_and_line():
    sq = square_m(side=100)
    c = geometry_to_metric(Point(INSIDE))
    line = geometry_to_storage(LineString([(c.x, c.y), (c.x + 300, c.y + 400)]))
    gdf = gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=[sq, line, Point(INSIDE)], crs=4326)
    m = query.with_measures(gdf)
    assert m["area_m2"].iloc[0] == pytest.approx(10_000, abs=1)
    assert m["length_m"].iloc[1] == pytest.approx(500, abs=1)
    assert math.isnan(m["area_m2"].iloc[2]) and math.isnan(m["length_m"].iloc[2])


def test_filter_sites(cat):
    z = query.filter_sites(cat, areas=["大直沽片区"])
    assert set(z["renewal_area"]) == {"大直沽片区"} and len(z) == 4
    f = query.filter_sites(cat, types=["老旧厂房"], statuses=["planned"])
    assert {"管乐器厂", "第五印刷厂", "有色金属厂"} <= set(f["name"])
    assert (f["site_type"] == "老旧厂房").all() and (f["status"] == "planned").all()
    assert list(query.filter_sites(cat, query="护仓")["name"]) == ["护仓河水质巩固提升项目"]
    assert list(query.filter_sites(cat, query="rs-001")["site_id"]) == ["RS-001"]
    assert len(query.filter_sites(cat, query="不存在的名字")) == 0
    assert len(query.filter_sites(cat)) == len(cat)


def test_site_card_has_plan_words_and_computed_area(cat):
    row = cat[cat["name"] == "金贸产业园片区"].iloc[0]
    card = query.site_card(row)
    assert card["规划原文"] == row["plan_text"]
    assert card["状态"] == "持续推进"
    assert card["定位精度"] == "示意范围"
    assert "㎡" in card["计算面积"] and "EPSG:4548" in card["计算面积"]
    line = query.site_card(cat[cat["name"].str.contains("护仓河")].iloc[0])
    assert "计算长度" in line and line["规划长度（米）"] == "5430"
    coded = query.site_card({**row.to_dict(), "location_confidence": "low"})  # e.g. an imported site's code
    assert coded["位置可信度"] == "低"


def test_current_sites_without_store_is_the_bundled_catalogue(tmp_path):
    got = storage.current_sites(tmp_path)
    assert list(got["site_id"]) == list(query.bundled_sites()["site_id"])
    assert not any(tmp_path.iterdir())  # reading never creates a store


# ---- page helpers (pure) -------------------------------------------------------


def test_geometry_from_drawings_prefers_polygons_and_converts_gcj02():
    from renewal.crs import geometry_to_gcj02

    sq = square_m(side=100)
    feats = [
        {"type": "Feature", "properties": {}, "geometry": Point(INSIDE).__geo_interface__},
        {"type": "Feature", "properties": {}, "geometry": sq.__geo_interface__},
    ]
    g, note = interaction.geometry_from_drawings(feats)
    assert g.equals(sq) and "使用其中1个面状图形" in note
    g2, _ = interaction.geometry_from_drawings(
        [{"geometry": geometry_to_gcj02(sq).__geo_interface__}], "gcj02"
    )
    assert g2.symmetric_difference(sq).area / sq.area < 1e-6
    two, _ = interaction.geometry_from_drawings(
        [{"geometry": sq.__geo_interface__}, {"geometry": square_m((117.24, 39.11)).__geo_interface__}]
    )
    assert two.geom_type == "MultiPolygon" and len(two.geoms) == 2
    assert interaction.geometry_from_drawings([]) == (None, "")
    assert interaction.geometry_from_drawings([{"geometry": {"type": "Bogus"}}, None]) == (None, "")


def test_drawing_for_site_uses_only_one_unambiguous_compatible_shape():
    site = square_m(side=100)
    reshaped = square_m(side=120)
    other = square_m((117.24, 39.11))
    f = lambda g: {"type": "Feature", "properties": {}, "geometry": g.__geo_interface__}  # noqa: E731
    g, warn = interaction.drawing_for_site([f(reshaped)], site)
    assert g.equals(reshaped) and warn == ""
    g, warn = interaction.drawing_for_site([f(reshaped), f(Point(INSIDE))], site)  # a stray marker is ignored
    assert g.equals(reshaped) and warn == ""
    g, warn = interaction.drawing_for_site([f(reshaped), f(other)], site)  # a new shape beside the site's own
    assert g is None and "2个面状图形" in warn and "图形未修改" in warn
    g, warn = interaction.drawing_for_site([f(Point(INSIDE))], site)  # wrong kind only
    assert g is None and "没有面状图形" in warn
    g, warn = interaction.drawing_for_site([], site)
    assert g is None and "图形未修改" in warn
    two_parts = shapely.geometry.MultiPolygon([site, other])
    g, warn = interaction.drawing_for_site([f(reshaped), f(other)], two_parts)  # both parts, one reshaped
    assert g.geom_type == "MultiPolygon" and len(g.geoms) == 2 and warn == ""
    g, warn = interaction.drawing_for_site([f(Point(INSIDE))], Point(117.23, 39.11))
    assert g.equals(Point(INSIDE)) and warn == ""


def test_edited_shape_is_the_drawing_only_when_it_changed_the_site():
    site = square_m(side=100)
    f = lambda g: {"type": "Feature", "properties": {}, "geometry": g.__geo_interface__}  # noqa: E731
    g, warn = interaction.edited_shape([f(square_m(side=120))], site)  # reshaped: saved with the form
    assert g.equals(square_m(side=120)) and warn == ""
    assert interaction.edited_shape([f(site)], site) == (None, "")  # the site's own shape: nothing to save
    g, warn = interaction.edited_shape([], site)  # deleted and nothing drawn: the planner is told
    assert g is None and "没有面状图形" in warn
    moved = Point(117.2302, 39.1122)
    g, warn = interaction.edited_shape([f(moved)], Point(117.23, 39.112))  # a point placed elsewhere
    assert g.equals(moved) and warn == ""


def test_clicked_site_id_only_for_site_layers():
    f = {"properties": {"_id": "RS-004", "_layer": "renewal_sites"}}
    assert interaction.clicked_site_id(f) == "RS-004"
    assert interaction.clicked_site_id({"properties": {"_id": "L-001", "_layer": "station_hub"}}) is None
    assert interaction.clicked_site_id({"properties": {}}) is None
    assert interaction.clicked_site_id(None) is None


@pytest.mark.parametrize(
    "kw, expected",
    [
        (
            {"table_pick": "B", "last_table_pick": "A", "map_pick": "C", "last_map_pick": "C"},
            "B",
        ),  # table touched
        (
            {"table_pick": "A", "last_table_pick": "A", "map_pick": "C", "last_map_pick": "B"},
            "C",
        ),  # map touched
        (
            {"table_pick": "A", "last_table_pick": "A", "map_pick": "C", "last_map_pick": "C"},
            "X",
        ),  # nothing new
        (
            {"table_pick": None, "last_table_pick": None, "map_pick": "Z", "last_map_pick": None},
            "X",
        ),  # not visible
    ],
)
def test_resolve_selection(kw, expected):
    assert tables.resolve_selection("X", visible=["A", "B", "C", "X"], **kw) == expected


def test_resolve_selection_drops_hidden_current():
    assert (
        tables.resolve_selection(
            "X", table_pick=None, last_table_pick=None, map_pick=None, last_map_pick=None, visible=["A"]
        )
        is None
    )


def test_focus_extent_shows_a_points_neighbourhood_and_frames_a_large_area_with_a_margin(cat):
    one = cat[cat["site_id"] == "RS-021"]
    frame = query.focus_extent(one).to_crs(4548).geometry.iloc[0]
    minx, miny, maxx, maxy = frame.bounds
    assert maxx - minx == pytest.approx(1500) and maxy - miny == pytest.approx(1500)  # at least 1.5 km
    assert frame.centroid.distance(one.to_crs(4548).geometry.iloc[0]) < 1  # centred on the point
    big = cat[cat["site_id"] == "RS-001"]
    bx = big.to_crs(4548).total_bounds
    fx = query.focus_extent(big, margin_m=300).to_crs(4548).total_bounds
    assert fx[2] - fx[0] == pytest.approx(
        bx[2] - bx[0] + 600, rel=1e-3
    )  # larger: its envelope + 300 m each side


def test_selected_first(cat):
    out = tables.selected_first(cat, "RS-020")
    assert out["site_id"].iloc[0] == "RS-020"
    assert sorted(out["site_id"]) == sorted(cat["site_id"])
    assert list(out["site_id"].iloc[1:]) == [s for s in cat["site_id"] if s != "RS-020"]
    assert tables.selected_first(cat, None) is cat


def test_site_table_headers_and_labels(cat):
    t = tables.site_table(cat, selected="RS-004")
    assert list(t.columns)[:4] == ["选中", "编号", "名称", "类型"]
    assert list(t.loc[t["选中"] != "", "编号"]) == ["RS-004"]
    assert (tables.site_table(cat)["选中"] == "").all()
    assert set(t["状态"]) <= set(geodata.STATUS_LABELS.values())
    assert t.loc[t["名称"] == "金贸产业园片区", "计算面积（㎡）"].iloc[0] > 1e6


def test_a_drawing_used_for_adding_is_not_used_again():
    sq = square_m(side=100)
    drawn = {"type": "Feature", "properties": {}, "geometry": sq.__geo_interface__}
    same_again = {"type": "Feature", "properties": {"x": 1}, "geometry": sq.__geo_interface__}
    other = {"type": "Feature", "properties": {}, "geometry": square_m(side=120).__geo_interface__}
    assert interaction.unused_drawing(drawn, []) is drawn
    used = [interaction.drawing_key(drawn)]
    assert (
        interaction.drawing_key(drawn)
        == interaction.drawing_key(same_again)
        != interaction.drawing_key(other)
    )
    assert interaction.unused_drawing(same_again, used) is None
    assert interaction.unused_drawing(other, used) is other
    clicked = {"properties": {"_layer": "renewal_sites", "_id": "RS-001"}, "geometry": sq.__geo_interface__}
    assert interaction.unused_drawing(clicked, []) is None  # a click on a site is not a drawing
    assert (
        interaction.unused_drawing(None, []) is None
        and interaction.unused_drawing({"geometry": None}, []) is None
    )
    assert interaction.drawing_key(None) == ""


def test_markdown_literal_escapes_every_markdown_character():
    assert text.markdown_literal("**粗体** _斜_ ~~删~~ $x$ `code`") == (
        r"\*\*粗体\*\* \_斜\_ \~\~删\~\~ \$x\$ \`code\`"
    )
    assert text.markdown_literal("<b>x</b> [链接](http://a) # 标题") == (
        r"\<b\>x\</b\> \[链接\]\(http\://a\) \# 标题"
    )
    # a URL scheme's colon, where the renderer's autolinks start; other colons are left alone
    assert text.markdown_literal("见https://e.x，EPSG:4548") == r"见https\://e\.x，EPSG:4548"
    assert text.markdown_literal("a\\b") == r"a\\b"
    assert text.markdown_literal("第一行\n第二行") == "第一行  \n第二行"
    assert text.markdown_literal("河东区城市更新") == "河东区城市更新"  # plain Chinese text unchanged
    assert text.markdown_literal(None) == ""
    # unescaping gives the original back: nothing is lost
    original = "=1+1 *a* _b_ ~c~ $d$ `e` <f> \\g"
    assert re.sub(r"\\(.)", r"\1", text.markdown_literal(original)) == original


def test_plan_text_or_note_for_a_site_without_plan_words():
    assert query.plan_text_or_note({"plan_text": ""}) == "（规划人员新增，无规划原文）"
    assert query.plan_text_or_note({"plan_text": None}) == schema.NO_PLAN_TEXT
    assert query.plan_text_or_note({"plan_text": " 规划原文 "}) == "规划原文"
