"""The layer registry: what each map layer is, declared as data.

A :class:`LayerSpec` says how a layer looks and reads: its Chinese title,
its group in the layer control, its style, which fields its tooltip and popup
show, whether it is visible by default and its drawing order, and, for a
layer of bundled data, which geodata layer its features come from
(optionally filtered). A computed layer (catchments, gaps, a selection) has
``source=None``: its features come with the scene (:mod:`layers.scene`),
never from the spec. :mod:`layers.render` is the folium back-end that draws a
scene.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Layer-control groups, in display order.
GROUPS = ("一站", "一带", "一园", "多点", "生活圈", "基础", "参考")


@dataclass(frozen=True)
class Style:
    """How a layer's features look, as plain values (no CSS or Leaflet strings).

    Colours are CSS colour strings (every back-end understands ``#rrggbb``),
    widths and radii are screen pixels, ``dash_array`` is an on/off pattern in
    pixels, e.g. ``(6, 5)``. :func:`layers.styles.resolve_style` turns this
    plus a feature into the values a back-end draws; approximate features get
    dashed/hollow variants there.
    """

    color: str = "#3366cc"
    weight: float = 2.0
    opacity: float = 0.9
    fill_color: str | None = None  # None: same as ``color``
    fill_opacity: float = 0.2
    radius: float = 6.0  # for points (circle markers), in pixels
    dash_array: tuple[float, ...] | None = None  # on/off lengths in pixels; None: solid
    color_field: str | None = None  # take the colour from this property (e.g. metro line colour)
    color_by: str | None = None  # choose the colour from ``color_map`` by this property
    color_map: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LayerSpec:
    """One map layer, declared."""

    key: str
    title_zh: str
    group: str
    source: str | None = None  # geodata manifest name; None for a computed layer (data comes with the scene)
    style: Style = field(default_factory=Style)
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (column, allowed values); "a|b" cells match either
    geom_types: tuple[str, ...] = ()  # e.g. ("Point",); empty: all
    tooltip: tuple[str, ...] = ("name",)
    popup: tuple[tuple[str, str], ...] = ()  # (field, Chinese label)
    visible: bool = True
    z: int = 0  # drawing order: higher on top
    label: bool = False  # draw the name as a text label when labels are switched on

    def fields(self) -> set[str]:
        """Every data field this spec reads."""
        out = set(self.tooltip) | {f for f, _ in self.popup} | {c for c, _ in self.where}
        for f in (self.style.color_field, self.style.color_by):
            if f:
                out.add(f)
        return out


#: The popup every plan-derived feature shows.
PLAN_POPUP: tuple[tuple[str, str], ...] = (
    ("category", "类别"),
    ("plan_clause", "规划条款"),
    ("plan_text", "规划原文"),
    ("status", "状态"),
    ("precision", "定位精度"),
    ("position_source", "定位依据"),
)

_POLY = ("Polygon", "MultiPolygon")
_LINE = ("LineString", "MultiLineString")
_POINT = ("Point", "MultiPoint")

ZONE_COLORS = (("东南", "#d95f02"), ("东北", "#7570b3"), ("西南", "#1b9e77"), ("西北", "#e7298a"))

_SPECS = (
    # ---- 基础 (orientation, real data) ----
    LayerSpec(
        "neighbours",
        "相邻区",
        "基础",
        "neighbours",
        Style(color="#9a9a9a", weight=1, fill_color="#ececec", fill_opacity=0.6),
        tooltip=("name",),
        popup=(),
        z=-20,
        label=True,
    ),
    LayerSpec(
        "district",
        "河东区界",
        "基础",
        "district",
        Style(color="#333333", weight=2.5, fill_color="#fffdf5", fill_opacity=0.55),
        tooltip=("name",),
        popup=(("adcode", "行政区划代码"),),
        z=-10,
    ),
    LayerSpec(
        "haihe",
        "海河（近似）",
        "基础",
        "haihe",
        Style(color="#2b7bba", weight=6, opacity=0.75),
        tooltip=("segment",),
        popup=(("segment", "区界段"), ("confidence", "可信度")),
        z=-5,
    ),
    LayerSpec(
        "metro_lines",
        "地铁线（2016年示意）",
        "基础",
        "metro_lines",
        Style(weight=3, opacity=0.7, color_field="color"),
        tooltip=("line",),
        popup=(("line", "线路"),),
        z=-4,
        visible=True,
    ),
    LayerSpec(
        "metro_stations",
        "地铁站（2016年）",
        "基础",
        "metro_stations",
        Style(color="#444444", weight=1.5, fill_color="#ffffff", fill_opacity=1.0, radius=4),
        tooltip=("name",),
        popup=(("name", "站名"), ("lines", "线路")),
        z=-3,
    ),
    # ---- 一站 ----
    LayerSpec(
        "station_area",
        "站产城融合发展片区（河东部分）",
        "一站",
        "layout",
        Style(color="#c0392b", weight=2.5, fill_opacity=0.08),
        where=(("layout", ("一站",)), ("category", ("功能片区",))),
        geom_types=_POLY,
        popup=PLAN_POPUP,
        z=10,
        label=True,
    ),
    LayerSpec(
        "station_corridors",
        "产业廊道（新开路、六纬路、十一经路）",
        "一站",
        "layout",
        Style(color="#e67e22", weight=5, opacity=0.85),
        where=(("layout", ("一站",)), ("category", ("产业廊道",))),
        geom_types=_LINE,
        popup=PLAN_POPUP,
        z=11,
        label=True,
    ),
    LayerSpec(
        "station_hub",
        "天津站",
        "一站",
        "layout",
        Style(color="#c0392b", fill_opacity=0.9, radius=10, weight=3),
        where=(("layout", ("一站",)), ("category", ("交通枢纽",))),
        geom_types=_POINT,
        popup=PLAN_POPUP,
        z=30,
        label=True,
    ),
    LayerSpec(
        "station_buildings",
        "站区重点载体与楼宇",
        "一站",
        "layout",
        Style(color="#a93226", fill_opacity=0.8, radius=6),
        where=(("layout", ("一站",)), ("category", ("重点产业载体", "存量载体", "商务楼宇", "商业综合体"))),
        geom_types=_POINT,
        popup=PLAN_POPUP,
        z=25,
        label=True,
    ),
    # ---- 一带 ----
    LayerSpec(
        "belt",
        "海河东岸创新发展带",
        "一带",
        "layout",
        Style(color="#16a085", weight=2, fill_opacity=0.18),
        where=(("layout", ("一带",)), ("category", ("发展带",))),
        geom_types=_POLY,
        popup=PLAN_POPUP,
        z=5,
    ),
    LayerSpec(
        "belt_anchors",
        "发展带沿线节点",
        "一带",
        "layout",
        Style(color="#117a65", fill_opacity=0.85, radius=6),
        where=(("layout", ("一带",)),),
        geom_types=_POINT,
        popup=PLAN_POPUP,
        z=24,
        label=True,
    ),
    # ---- 一园 ----
    LayerSpec(
        "jinmao_zones",
        "金贸产业园四个片区",
        "一园",
        "layout",
        Style(weight=1.5, fill_opacity=0.25, color_by="zone", color_map=ZONE_COLORS),
        where=(("layout", ("一园",)), ("category", ("园区片区",))),
        geom_types=_POLY,
        tooltip=("name", "industries"),
        popup=(("anchors", "核心单位"), ("industries", "目标产业"), *PLAN_POPUP),
        z=12,
        label=True,
    ),
    LayerSpec(
        "jinmao_park",
        "金贸产业园范围",
        "一园",
        "layout",
        Style(color="#6c3483", weight=3, fill_opacity=0.0),
        where=(("layout", ("一园",)), ("category", ("产业园区",))),
        geom_types=_POLY,
        popup=(("industries", "发展业态"), *PLAN_POPUP),
        z=13,
    ),
    LayerSpec(
        "jinmao_anchors",
        "园区核心单位与项目",
        "一园",
        "layout",
        Style(color="#4a235a", fill_opacity=0.85, radius=5),
        where=(("layout", ("一园",)),),
        geom_types=_POINT,
        tooltip=("name", "zone"),
        popup=(("zone", "所在片区"), *PLAN_POPUP),
        z=26,
        label=True,
    ),
    # ---- 多点 ----
    LayerSpec(
        "business_districts",
        "活力商圈",
        "多点",
        "layout",
        Style(color="#d4ac0d", fill_opacity=0.85, radius=8),
        where=(("layout", ("多点",)), ("category", ("商圈",))),
        geom_types=_POINT,
        popup=PLAN_POPUP,
        z=22,
        label=True,
    ),
    LayerSpec(
        "culture_points",
        "文化地标",
        "多点",
        "layout",
        Style(color="#2e86c1", fill_opacity=0.85, radius=6),
        where=(("layout", ("多点",)), ("category", ("文化设施",))),
        geom_types=_POINT,
        popup=PLAN_POPUP,
        z=21,
        label=True,
    ),
)

REGISTRY: dict[str, LayerSpec] = {s.key: s for s in _SPECS}

#: The layers of the home page's layout map, in drawing order.
LAYOUT_MAP_KEYS: tuple[str, ...] = tuple(s.key for s in sorted(_SPECS, key=lambda s: s.z))

#: Layers of the 金贸产业园 page.
JINMAO_MAP_KEYS: tuple[str, ...] = (
    "neighbours",
    "district",
    "haihe",
    "metro_lines",
    "metro_stations",
    "jinmao_zones",
    "jinmao_park",
    "jinmao_anchors",
)

#: Orientation layers under the 更新项目 page's sites.
SITES_BASE_KEYS: tuple[str, ...] = ("district", "haihe", "metro_lines", "metro_stations")


def register(spec: LayerSpec) -> LayerSpec:
    """Add a spec to the registry (used by pages that own a layer, e.g. renewal sites)."""
    if spec.key in REGISTRY and REGISTRY[spec.key] != spec:
        raise ValueError(f"layer key already registered: {spec.key}")
    if spec.group not in GROUPS and spec.group:
        raise ValueError(f"unknown group {spec.group!r} for layer {spec.key}")
    REGISTRY[spec.key] = spec
    return spec


# ---- Renewal sites (更新项目): drawn from the workspace catalogue, not from a bundled layer list ----
#: Colours of the renewal-site types (renewal.sites.schema.SITE_TYPES).
SITE_TYPE_COLORS = (
    ("片区更新", "#b03a2e"),
    ("片区地块", "#ca6f1e"),
    ("产业载体", "#7d3c98"),
    ("微更新", "#2874a6"),
    ("老旧厂房", "#6e2c00"),
    ("保障性住房", "#1e8449"),
    ("市政设施", "#566573"),
    ("生态环境", "#138d75"),
)
SITE_POPUP: tuple[tuple[str, str], ...] = (
    ("site_id", "编号"),
    ("site_type", "类型"),
    ("renewal_area", "所属更新片区"),
    ("plan_clause", "规划条款"),
    ("plan_text", "规划原文"),
    ("status", "状态"),
    ("precision", "定位精度"),
    ("position_source", "定位依据"),
    ("location_confidence", "位置可信度"),
)
register(
    LayerSpec(
        "renewal_sites",
        "城市更新项目",
        "多点",
        "renewal_sites",
        Style(weight=2.5, fill_opacity=0.15, radius=7, color_by="site_type", color_map=SITE_TYPE_COLORS),
        tooltip=("name", "site_type"),
        popup=SITE_POPUP,
        z=28,
        label=True,
    )
)
register(
    LayerSpec(
        "renewal_site_selected",
        "选中的更新项目",
        "多点",
        "renewal_sites",
        Style(color="#f1c40f", weight=6, opacity=1.0, fill_opacity=0.25, radius=12),
        tooltip=("name", "site_type"),
        popup=SITE_POPUP,
        z=40,
        label=False,
    )
)


# ---- 生活圈覆盖 (coverage page): facilities, catchments, gaps; all computed (data comes with the scene) ----
#: Colours of the life-circle facility categories (by their Chinese names in the standards file).
FACILITY_COLORS = (
    ("幼儿园", "#e377c2"),
    ("小学", "#1f77b4"),
    ("初中", "#17becf"),
    ("社区卫生服务中心", "#2ca02c"),
    ("社区卫生服务站", "#98df8a"),
    ("老年人日间照料中心", "#ff7f0e"),
    ("养老院", "#8c564b"),
    ("老年养护院", "#9467bd"),
)
FACILITY_POPUP: tuple[tuple[str, str], ...] = (
    ("name_zh", "设施类别"),
    ("class_rule", "归类依据"),
    ("source_zh", "数据来源"),
    ("address", "地址"),
    ("status", "状态"),
    ("plan_clause", "规划条款"),
    ("plan_text", "规划原文"),
    ("precision", "定位精度"),
    ("position_source", "定位依据"),
)
COVERAGE_FACILITIES_KEY = "coverage_facilities"
COVERAGE_CATCHMENTS_KEY = "coverage_catchments"
COVERAGE_GAPS_KEY = "coverage_gaps"
COVERAGE_MISSING_KEY = "coverage_missing"
#: The sequential ramp of the several-category gap view: 1, 2, … categories out of reach (ColorBrewer YlOrRd).
MISSING_RAMP = ("#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026", "#4d0013")
COVERAGE_GAINED_KEY = "coverage_gained"
COVERAGE_ADDED_KEY = "coverage_added"
COVERAGE_SUGGESTED_KEY = "coverage_suggested"
COVERAGE_SITES_KEY = "coverage_sites"
COVERAGE_AREA_KEY = "coverage_area"
register(
    LayerSpec(
        COVERAGE_AREA_KEY,
        "研究范围",
        "生活圈",
        None,
        Style(color="#6a3d9a", weight=3.5, opacity=0.95, fill_opacity=0.0, dash_array=(10, 6)),
        tooltip=("name",),
        popup=(("name", "研究范围"), ("area_zh", "面积")),
        z=-8,
    )
)
register(
    LayerSpec(
        COVERAGE_SITES_KEY,
        "城市更新项目（候选位置）",
        "生活圈",
        "renewal_sites",
        Style(color="#7f7f7f", weight=1.5, opacity=0.8, fill_opacity=0.05, radius=5),
        tooltip=("name", "site_type"),
        popup=SITE_POPUP,
        z=30,
        label=False,
    )
)
register(
    LayerSpec(
        COVERAGE_FACILITIES_KEY,
        "公共服务设施",
        "生活圈",
        None,
        Style(weight=2, fill_opacity=0.9, radius=6, color_by="name_zh", color_map=FACILITY_COLORS),
        tooltip=("name", "name_zh"),
        popup=FACILITY_POPUP,
        z=50,
        label=True,
    )
)
register(
    LayerSpec(
        COVERAGE_CATCHMENTS_KEY,
        "服务范围",
        "生活圈",
        None,
        # outlines only: the gaps (or the count of categories out of reach) carry the fill
        Style(weight=1.5, opacity=0.8, fill_opacity=0.0, color_by="name_zh", color_map=FACILITY_COLORS),
        tooltip=("facility_id", "name_zh"),
        popup=(("name_zh", "设施类别"), ("cutoff_m", "距离（米）"), ("area_m2", "面积（㎡）")),
        z=42,
    )
)
register(
    LayerSpec(
        COVERAGE_GAPS_KEY,
        "覆盖缺口",
        "生活圈",
        None,
        Style(color="#d7191c", weight=1, opacity=0.8, fill_color="#d7191c", fill_opacity=0.3),
        tooltip=("name_zh",),
        popup=(("name_zh", "设施类别"), ("area_m2", "缺口面积（㎡）")),
        z=44,
    )
)
register(
    LayerSpec(
        COVERAGE_MISSING_KEY,
        "缺口：不可达的类别数",
        "生活圈",
        None,
        Style(
            weight=0.5,
            opacity=0.9,
            fill_opacity=0.65,
            color_by="missing_zh",
            color_map=tuple((f"{k}类不可达", c) for k, c in enumerate(MISSING_RAMP, start=1)),
        ),
        tooltip=("missing_zh",),
        popup=(("missing_zh", "所选类别中不可达"), ("area_m2", "面积（㎡）")),
        z=43,
    )
)
register(
    LayerSpec(
        COVERAGE_GAINED_KEY,
        "假设新增覆盖",
        "生活圈",
        None,
        Style(color="#1a9641", weight=2, opacity=1.0, fill_color="#1a9641", fill_opacity=0.5),
        tooltip=("name_zh",),
        popup=(("name_zh", "设施类别"), ("area_m2", "新增覆盖面积（㎡）")),
        z=46,
    )
)
register(
    LayerSpec(
        COVERAGE_ADDED_KEY,
        "假设新增设施",
        "生活圈",
        None,
        Style(color="#000000", weight=3, fill_color="#ffff33", fill_opacity=1.0, radius=9),
        tooltip=("name", "name_zh"),
        popup=(("name_zh", "设施类别"), ("source_zh", "数据来源")),
        z=55,
        label=True,
    )
)
register(
    LayerSpec(
        COVERAGE_SUGGESTED_KEY,
        "建议选址",
        "生活圈",
        None,
        Style(color="#4d004b", weight=3, fill_color="#f7fcb9", fill_opacity=0.9, radius=9),
        tooltip=("name", "rank"),
        popup=(("rank", "顺序"), ("gain_text", "新增覆盖")),
        z=56,
        label=True,
    )
)


# ---- 学位与床位 (supply and demand) on 生活圈覆盖: classes computed by layers.maps.supply_layers ----
SUPPLY_ZONES_KEY = "supply_zones"
SUPPLY_CELLS_KEY = "supply_cells"
SUPPLY_FACILITIES_KEY = "supply_facilities"
SUPPLY_SITED_KEY = "supply_sited"
#: Demand points or cells by the places (or beds) within reach per person; zones by their gap.
SUPPLY_CELL_COLORS = (("可达容量不足", "#d7191c"), ("可达容量充足", "#1a9641"), ("无需求", "#bdbdbd"))
SUPPLY_ZONE_COLORS = (("有缺口", "#d7191c"), ("无缺口", "#1a9641"), ("无需求", "#bdbdbd"))
SUPPLY_KEYS = (SUPPLY_ZONES_KEY, SUPPLY_CELLS_KEY, SUPPLY_FACILITIES_KEY, SUPPLY_SITED_KEY)
#: A scenario comparison's zones by the change of their gap against the baseline.
SUPPLY_CHANGE_KEY = "supply_change"
SUPPLY_CHANGE_COLORS = (("缺口减少", "#1a9641"), ("缺口增加", "#d7191c"), ("不变", "#bdbdbd"))
register(
    LayerSpec(
        SUPPLY_CHANGE_KEY,
        "情景对比：分区缺口变化",
        "生活圈",
        None,
        Style(
            weight=1.5,
            opacity=0.9,
            fill_opacity=0.35,
            color_by="change_class",
            color_map=SUPPLY_CHANGE_COLORS,
        ),
        tooltip=("zone", "change_text"),
        popup=(
            ("zone", "分区"),
            ("change_text", "缺口变化"),
            ("baseline_text", "基准缺口"),
            ("gap_text", "对比情景缺口"),
        ),
        z=42,
    )
)
register(
    LayerSpec(
        SUPPLY_ZONES_KEY,
        "供需：分区缺口",
        "生活圈",
        None,
        Style(weight=1.5, opacity=0.9, fill_opacity=0.25, color_by="gap_class", color_map=SUPPLY_ZONE_COLORS),
        tooltip=("zone", "gap_text"),
        popup=(
            ("zone", "分区"),
            ("gap_text", "缺口"),
            ("demand_text", "需求"),
            ("capacity_text", "容量合计"),
        ),
        z=41,
    )
)
register(
    LayerSpec(
        SUPPLY_CELLS_KEY,
        "供需：需求点（人均可达容量）",
        "生活圈",
        None,
        Style(
            weight=0.5,
            opacity=0.8,
            fill_opacity=0.55,
            radius=5,
            color_by="supply_class",
            color_map=SUPPLY_CELL_COLORS,
        ),
        tooltip=("supply_class", "per_person_text"),
        popup=(("cell_id", "需求点"), ("demand_text", "需求"), ("per_person_text", "人均可达容量")),
        z=45,
    )
)
register(
    LayerSpec(
        SUPPLY_FACILITIES_KEY,
        "供需：设施",
        "生活圈",
        None,
        Style(color="#000000", weight=2, fill_color="#ffffff", fill_opacity=1.0, radius=7),
        tooltip=("name", "capacity_text"),
        popup=(("name", "名称"), ("capacity_text", "容量")),
        z=50,
        label=True,
    )
)
register(
    LayerSpec(
        SUPPLY_SITED_KEY,
        "供需：按容量选址（新增设施）",
        "生活圈",
        None,
        Style(color="#6a3d9a", weight=3, fill_color="#cab2d6", fill_opacity=1.0, radius=9),
        tooltip=("name", "gain_text"),
        popup=(
            ("rank_text", "顺序"),
            ("name", "候选地块"),
            ("capacity_text", "新增容量"),
            ("gain_text", "本步新增"),
        ),
        z=55,
        label=True,
    )
)
