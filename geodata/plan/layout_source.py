"""Source of the layout layer (一站一带一园多点), digitised from the plan text.

Run ``python -m geodata.plan.layout_source`` to regenerate
``geodata/plan/layout.geojson`` and ``geodata/plan/layout_unplaced.csv``
deterministically from this file. Review this file, not the GeoJSON.

Data honesty: no survey data exists for these items. Every position below was
placed from the plan's words, the bundled real layers (district boundary,
Haihe line, 2016 metro stations) and general knowledge of Hedong's streets.
``precision`` says how good that is; ``position_source`` says what it rests on.
Items the plan names but that could not be placed at all are listed in
``UNPLACED`` (written to ``layout_unplaced.csv``) instead of being given an
invented position.
"""

from __future__ import annotations

from pathlib import Path

from shapely.geometry import LineString, Point, box
from shapely.ops import unary_union

from geodata.plan._writer import write_csv, write_feature_collection

HERE = Path(__file__).resolve().parent
BASE = HERE.parent / "base"
SOURCE = "河东区“十五五”规划纲要（河东政发〔2026〕2号）"

# Clause labels (chapter / section / 专栏) used below.
C_LAYOUT = "第二章 第四节 空间布局"
C_STATION = "第三章 第二节 推进站产城融合发展"
C_BOX1 = "第二章 第四节 专栏1：金贸产业园"
C_BOX2 = "第三章 第二节 专栏2：天津站站产城融合发展片区"
C_DUAL = "第三章 第三节 主动链接“津城”“滨城”双城发展"
C_CONSUME = "第五章 第一节 大力提振消费"
C_CULTURE = "第七章 第三节 有效彰显津派文化河东特质"
C_REVIEW = "第一章 第一节 “十四五”时期发展成效"
C_SCITECH = "第四章 第一节 推动科技创新和产业创新深度融合"
C_BOX3 = "第四章 第一节 专栏3：院产城、校产城融合发展重点专项行动"

# Schematic extents (lon/lat boxes, clipped to the district polygon).
STATION_AREA_BOX = (117.195, 39.117, 117.2275, 39.150)
JINMAO_BOX = (117.270, 39.084, 117.296, 39.098)
JINMAO_SPLIT = (117.283, 39.091)  # zone split: lon, lat
BELT_WIDTH_M = 450.0


def _district():
    import geopandas as gpd

    return gpd.read_file(BASE / "hedong_boundary_wgs84.geojson").geometry.iloc[0]


def _belt(district):
    """The east-bank belt: the district within BELT_WIDTH_M of its Haihe edges."""
    import geopandas as gpd

    haihe = gpd.read_file(BASE / "haihe_approx_from_district_boundaries_wgs84.geojson")
    edges = haihe[haihe["segment"].str.startswith("河东区")].geometry
    # geodata sits below renewal (no import of renewal.crs): the same EPSG:4548 metric CRS via geopandas
    metric = gpd.GeoSeries([unary_union(list(edges))], crs=4326).to_crs(4548)
    band = metric.buffer(BELT_WIDTH_M, cap_style="flat").to_crs(4326).iloc[0]
    return band.intersection(district)


def _jinmao_zones(district):
    x0, y0, x1, y1 = JINMAO_BOX
    sx, sy = JINMAO_SPLIT
    quads = {
        "西北": box(x0, sy, sx, y1),
        "东北": box(sx, sy, x1, y1),
        "西南": box(x0, y0, sx, sy),
        "东南": box(sx, y0, x1, sy),
    }
    return {k: v.intersection(district) for k, v in quads.items()}


def _f(name, layout, category, clause, text, status, precision, position_source, geom, **extra):
    props = {
        "name": name,
        "layout": layout,
        "category": category,
        "plan_clause": clause,
        "plan_text": text,
        "status": status,
        "precision": precision,
        "position_source": position_source,
        "source": SOURCE,
    }
    props.update(extra)
    return props, geom


def features():
    """All layout features as (properties, shapely geometry) pairs, in WGS84."""
    district = _district()
    zones = _jinmao_zones(district)
    jinmao = unary_union(list(zones.values()))
    station_area = box(*STATION_AREA_BOX).intersection(district)
    out = []

    # ---- 一站 -------------------------------------------------------------
    out.append(
        _f(
            "天津站",
            "一站",
            "交通枢纽",
            f"{C_LAYOUT}；{C_STATION}",
            "发挥天津站交通枢纽辐射带动作用，做好站产城融合文章",
            "existing",
            "approximate",
            "采用任务说明给出的天津站站房参考坐标（117.2105, 39.1365，未经独立核实）；地铁天津站位于其西约415米",
            Point(117.2105, 39.1365),
        )
    )
    out.append(
        _f(
            "天津站站产城融合发展片区（河东部分）",
            "一站",
            "功能片区",
            C_BOX2,
            "天津站站产城片区总规划面积 14.3 平方公里，涉及河东、和平、河北三区……其中：河东区规划面积 6.53 平方公里",
            "planned",
            "schematic",
            "规划未给出边界。按天津站周边至十一经路一带的矩形与区界相交示意，范围大小参照规划面积6.53平方公里控制，边界未经测绘",
            station_area,
            plan_area_km2=6.53,
        )
    )
    out.append(
        _f(
            "中海国际中心",
            "一站",
            "重点产业载体",
            C_BOX2,
            "中海国际中心作为中海城市广场三期子项目，总建筑面积 37 万平方米，包括 2 座超高层写字楼：主塔高度 340 米（市内六区最高），副塔高度 200 米，整体预计 2027 年竣工",
            "under_construction",
            "approximate",
            "按规划“海河东岸从六经路至十一经路区间”的描述，放在海河东岸六经路至十一经路之间示意，未经测绘",
            Point(117.2172, 39.1236),
            floor_area_m2=370000,
            height_main_m=340,
            height_second_m=200,
            completion_year=2027,
        )
    )
    out.append(
        _f(
            "北配楼",
            "一站",
            "存量载体",
            C_STATION,
            "推动北配楼及站区周边载体盘活，建设更多承接北京非首都功能疏解的微中心",
            "planned",
            "approximate",
            "天津站北侧（北广场一侧）示意位置，未经测绘",
            Point(117.2100, 39.1380),
        )
    )
    corridor_text = (
        "依托新开路、六纬路、十一经路沿线重点楼宇，大力发展现代金融、数字经济、文旅商贸、航运服务等产业"
    )
    corridor_src = "按路名示意大致走向（端点为估计位置），不是道路中心线，未经测绘"
    out.append(
        _f(
            "新开路产业廊道",
            "一站",
            "产业廊道",
            C_STATION,
            corridor_text,
            "ongoing",
            "schematic",
            corridor_src,
            LineString([(117.2098, 39.1390), (117.2160, 39.1440), (117.2215, 39.1478)]),
        )
    )
    out.append(
        _f(
            "六纬路产业廊道",
            "一站",
            "产业廊道",
            C_STATION,
            corridor_text,
            "ongoing",
            "schematic",
            corridor_src,
            LineString([(117.2100, 39.1335), (117.2160, 39.1282), (117.2222, 39.1228)]),
        )
    )
    out.append(
        _f(
            "十一经路产业廊道",
            "一站",
            "产业廊道",
            C_STATION,
            corridor_text,
            "ongoing",
            "schematic",
            corridor_src,
            LineString([(117.2168, 39.1185), (117.2235, 39.1250), (117.2300, 39.1315)]),
        )
    )

    # ---- 一站 and 一带: the super-tall cluster on the east bank ----------------
    cluster_text = "推动中海城市广场商务楼宇子项目建设，与渤海银行大厦、嘉里中心共同形成超高层写字楼集群"
    belt_list = (
        "将沿线渤海银行大厦、嘉里中心、中海城市广场、金茂汇、万达中心、棉3创意街区、海河码头等串珠成链"
    )
    bank_src = "海河东岸示意位置（按规划“沿线”及超高层写字楼集群的描述），未经测绘"
    out.append(
        _f(
            "渤海银行大厦",
            "一站|一带",
            "商务楼宇",
            f"{C_STATION}；{C_LAYOUT}",
            f"{cluster_text}；{belt_list}",
            "existing",
            "approximate",
            bank_src,
            Point(117.2118, 39.1300),
        )
    )
    out.append(
        _f(
            "嘉里中心",
            "一站|一带",
            "商业综合体",
            f"{C_STATION}；{C_LAYOUT}",
            f"{cluster_text}；{belt_list}",
            "existing",
            "approximate",
            bank_src,
            Point(117.2135, 39.1275),
        )
    )
    out.append(
        _f(
            "中海城市广场",
            "一站|一带",
            "商业综合体",
            f"{C_STATION}；{C_LAYOUT}",
            f"{cluster_text}；{belt_list}",
            "under_construction",
            "approximate",
            bank_src,
            Point(117.2158, 39.1252),
        )
    )

    # ---- 一带 -------------------------------------------------------------
    out.append(
        _f(
            "海河东岸创新发展带",
            "一带",
            "发展带",
            C_LAYOUT,
            "依托海河东岸特色建筑、商业综合体、景观步道，将沿线渤海银行大厦、嘉里中心、中海城市广场、金茂汇、万达中心、棉3创意街区、海河码头等串珠成链……构建海河东岸创新发展带",
            "ongoing",
            "schematic",
            f"规划未给出范围。取区内距海河（由区界推算的近似线）{int(BELT_WIDTH_M)}米以内的带状区域示意",
            _belt(district),
            belt_width_m=BELT_WIDTH_M,
        )
    )
    out.append(
        _f(
            "金茂汇",
            "一带",
            "商业综合体",
            C_LAYOUT,
            belt_list,
            "existing",
            "approximate",
            "大直沽一带、海河东岸示意位置（参照地铁直沽站），未经测绘",
            Point(117.2262, 39.1118),
        )
    )
    out.append(
        _f(
            "万达中心",
            "一带",
            "商业综合体",
            C_LAYOUT,
            belt_list,
            "existing",
            "approximate",
            "十一经路一带示意位置（参照地铁十一经路站），未经测绘",
            Point(117.2195, 39.1196),
        )
    )
    out.append(
        _f(
            "棉3创意街区",
            "一带",
            "文创街区",
            f"{C_LAYOUT}；{C_REVIEW}",
            f"{belt_list}；棉 3 创意街区被评为第九批中国 20 世纪建筑遗产、国家级夜间文化和旅游消费集聚区",
            "existing",
            "approximate",
            "海河东岸、东兴路以南示意位置（原棉纺三厂），未经测绘",
            Point(117.2342, 39.0992),
        )
    )
    out.append(
        _f(
            "海河码头（3处）",
            "一带",
            "文旅设施",
            f"{C_LAYOUT}；{C_REVIEW}",
            f"{belt_list}；建成天津机床工业博物馆、直沽酒文化体验馆、棉3工运历史文化展馆和3个海河码头",
            "existing",
            "schematic",
            "规划只说建成3个海河码头，未给位置；此处以大直沽岸边一个示意点代表，不是码头实际位置",
            Point(117.2252, 39.1082),
        )
    )

    # ---- 一园 -------------------------------------------------------------
    out.append(
        _f(
            "金贸产业园",
            "一园",
            "产业园区",
            f"{C_LAYOUT}；{C_BOX1}",
            "金贸产业园是天津市承接非首都功能“1+16”重点平台之一，位于二号桥街域内，南接海河柳林设计之都核心区，将分四个片区加快建设",
            "ongoing",
            "schematic",
            "规划只说“位于二号桥街域内，南接海河柳林设计之都核心区”。按地铁一号桥站、二号桥站以南至区界的矩形示意，边界未经测绘",
            jinmao,
            industries="能源电力、海洋科创、数字创意、科技服务",
        )
    )
    zone_text = {
        "东南": (
            "东南片区以核理化院和国机集团天津电气院为核心，服务核理化院技术成果转化，促进国机集团电控配电设备检测和认证资源集聚。",
            "核理化院、国机集团天津电气院",
            "核技术成果转化、电控配电设备检测和认证",
        ),
        "东北": (
            "东北片区以实施麻纺厂城市更新项目为重点，加快待出让土地开发建设，引进战略性新兴产业，打造特色产业主题园区；依托中能建集团天津电建、天津电力设计院，发展电力工程技术研发、电力能源建设、电力电网规划等业态；服务华勘集团总部建设，推动地理信息、资源勘查、高端测绘等地质科技产业集聚。",
            "麻纺厂城市更新项目、中能建集团天津电建、天津电力设计院、华勘集团总部",
            "战略性新兴产业、电力工程技术研发、电力能源建设、电力电网规划、地质科技",
        ),
        "西南": (
            "西南片区依托一机床项目，推动存量老厂房更新再利用；加快建设泰达津一产业园，发展海洋科创、智能科技、总部经济和文旅商融合等业态。",
            "一机床项目、泰达津一产业园",
            "海洋科创、智能科技、总部经济、文旅商融合",
        ),
        "西北": (
            "西北片区重点整合存量资源，结合煤建五厂等闲置地块开发及有色金属厂等老厂房盘活，做好区域规划设计，适时启动开发建设。",
            "煤建五厂、有色金属厂",
            "存量资源整合（待规划设计）",
        ),
    }
    for zone, (text, anchors, industries) in zone_text.items():
        out.append(
            _f(
                f"金贸产业园{zone}片区",
                "一园",
                "园区片区",
                C_BOX1,
                text,
                "planned" if zone == "西北" else "ongoing",
                "schematic",
                "规划未给出四个片区的边界。按示意园区范围四等分表示方位，边界未经测绘",
                zones[zone],
                zone=zone,
                anchors=anchors,
                industries=industries,
            )
        )
    anchor_src = "按专栏1所述片区方位放在示意片区内，具体位置未经测绘"
    for name, zone, cat, pt, status in (
        ("核理化院", "东南", "科研院所", (117.2905, 39.0888), "existing"),
        ("国机集团天津电气院", "东南", "科研院所", (117.2862, 39.0890), "existing"),
        ("麻纺厂城市更新项目", "东北", "更新项目", (117.2880, 39.0952), "planned"),
        ("中能建集团天津电建", "东北", "央企总部", (117.2925, 39.0935), "existing"),
        ("天津电力设计院", "东北", "央企总部", (117.2850, 39.0960), "existing"),
        ("华勘集团总部", "东北", "央企总部", (117.2905, 39.0962), "under_construction"),
        ("一机床项目", "西南", "更新项目", (117.2770, 39.0895), "under_construction"),
        ("泰达津一产业园", "西南", "产业园区", (117.2808, 39.0898), "under_construction"),
        ("煤建五厂地块", "西北", "闲置地块", (117.2745, 39.0940), "planned"),
        ("有色金属厂", "西北", "老旧厂房", (117.2800, 39.0945), "planned"),
    ):
        out.append(
            _f(
                name,
                "一园",
                cat,
                C_BOX1,
                zone_text[zone][0],
                status,
                "approximate",
                anchor_src,
                Point(*pt),
                zone=zone,
            )
        )

    # ---- 多点 -------------------------------------------------------------
    landmark = "推动六纬路、大直沽地区、天津站北广场等地标性商圈建设"
    reshape = "推动天津站北广场、津滨大道等商圈商业载体功能重构"
    out.append(
        _f(
            "天津站北广场商圈",
            "多点",
            "商圈",
            f"{C_DUAL}；{C_CONSUME}",
            f"{landmark}；{reshape}",
            "ongoing",
            "approximate",
            "天津站北侧示意位置，未经测绘",
            Point(117.2125, 39.1398),
        )
    )
    out.append(
        _f(
            "六纬路商圈",
            "多点",
            "商圈",
            C_DUAL,
            landmark,
            "ongoing",
            "approximate",
            "六纬路一带示意位置，未经测绘",
            Point(117.2172, 39.1300),
        )
    )
    out.append(
        _f(
            "大直沽商圈",
            "多点",
            "商圈",
            f"{C_DUAL}；{C_CONSUME}",
            f"{landmark}；提升海河东岸消费带能级，串联嘉里中心、中海城市广场、金茂汇等商业载体和大直沽、海河码头等文旅资源",
            "ongoing",
            "approximate",
            "大直沽地区（参照地铁直沽站）示意位置，未经测绘",
            Point(117.2300, 39.1118),
        )
    )
    out.append(
        _f(
            "津滨大道商圈",
            "多点",
            "商圈",
            C_CONSUME,
            reshape,
            "ongoing",
            "approximate",
            "津滨大道沿线（中山门至一号桥之间）示意位置，未经测绘",
            Point(117.2660, 39.0985),
        )
    )
    out.append(
        _f(
            "元明清天妃宫遗址博物馆",
            "多点",
            "文化设施",
            C_CULTURE,
            "围绕元明清天妃宫遗址博物馆、直沽酒文化体验馆等打造民俗文化旅游街区",
            "existing",
            "approximate",
            "大直沽一带示意位置，未经测绘",
            Point(117.2285, 39.1098),
        )
    )
    out.append(
        _f(
            "直沽酒文化体验馆",
            "多点",
            "文化设施",
            f"{C_CULTURE}；{C_REVIEW}",
            "围绕元明清天妃宫遗址博物馆、直沽酒文化体验馆等打造民俗文化旅游街区",
            "existing",
            "approximate",
            "大直沽一带示意位置，未经测绘",
            Point(117.2318, 39.1128),
        )
    )
    out.append(
        _f(
            "天津机床工业博物馆",
            "多点",
            "文化设施",
            C_REVIEW,
            "建成天津机床工业博物馆、直沽酒文化体验馆、棉3工运历史文化展馆和3个海河码头",
            "existing",
            "approximate",
            "一机床厂区内示意位置（金贸产业园西南片区），未经测绘",
            Point(117.2758, 39.0905),
        )
    )
    return out


#: Items the plan names that could not be placed: listed, never given invented positions.
UNPLACED = [
    (
        "严复主题公园",
        "多点",
        "第七章 第二节 优化公共服务和文化产品供给",
        "打造严复主题公园，建设“严复与天津”陈列馆",
        "规划未给位置",
    ),
    (
        "天津星际太空港",
        "多点",
        "第七章 第四节 推动文旅商体展深度融合",
        "加快天津星际太空港等项目建设，打造科技文旅新地标",
        "规划未给位置",
    ),
    (
        "河东体育场",
        "多点",
        "第七章 第四节 推动文旅商体展深度融合",
        "依托河东体育场等载体，发展运动健身、体育零售等业态",
        "位置未能可靠确定",
    ),
    (
        "乐动力·建中里",
        "多点",
        "第七章 第四节 推动文旅商体展深度融合",
        "提升改造乐动力·建中里、乐跑运动派等一批体育特色街区",
        "位置未能可靠确定",
    ),
    (
        "乐跑运动派",
        "多点",
        "第七章 第四节 推动文旅商体展深度融合",
        "提升改造乐动力·建中里、乐跑运动派等一批体育特色街区",
        "位置未能可靠确定",
    ),
    (
        "帅超科创园区",
        "院产城融合",
        C_SCITECH,
        "积极利用天开高教科创园政策辐射，加强帅超等科创园区建设",
        "规划未给位置，“帅超”所指园区的范围与地址未能可靠确定",
    ),
    *(
        (
            name,
            "院产城融合",
            f"{C_SCITECH}；{C_BOX3}",
            text,
            "规划未给位置；驻区单位的具体地址未经核实，不按印象示意上图",
        )
        for name, text in (
            (
                "国家海洋信息中心",
                "依托国家海洋信息中心、中国地震局一测中心、天津地质调查中心、天津地热院、天津华北地勘院等，"
                "拓展海洋信息服务、地质信息服务、地热资源应用等产业",
            ),
            (
                "中国地震局一测中心",
                "依托国家海洋信息中心、中国地震局一测中心、天津地质调查中心、天津地热院、天津华北地勘院等，"
                "拓展海洋信息服务、地质信息服务、地热资源应用等产业",
            ),
            (
                "天津地质调查中心",
                "依托国家海洋信息中心、中国地震局一测中心、天津地质调查中心、天津地热院、天津华北地勘院等，"
                "拓展海洋信息服务、地质信息服务、地热资源应用等产业",
            ),
            (
                "天津地热院",
                "依托国家海洋信息中心、中国地震局一测中心、天津地质调查中心、天津地热院、天津华北地勘院等，"
                "拓展海洋信息服务、地质信息服务、地热资源应用等产业",
            ),
            (
                "天津华北地勘院",
                "依托国家海洋信息中心、中国地震局一测中心、天津地质调查中心、天津地热院、天津华北地勘院等，"
                "拓展海洋信息服务、地质信息服务、地热资源应用等产业",
            ),
            ("天津大学中心医院", "依托天津大学中心医院等，发展智慧医疗、健康服务等产业"),
        )
    ),
    (
        "中核科技",
        "院产城融合",
        C_BOX3,
        "依托核理化院、中核科技等，发展稳定同位素研发、飞轮储能研发等产业",
        "规划未给位置，也未说明该单位在河东区内的驻地",
    ),
    *(
        (
            name,
            "院产城融合",
            C_SCITECH,
            "服务国家地震计量站、绿色建筑与低碳技术市级重点实验室等发展检验检测技术咨询、标准查询等科技服务",
            "规划未给位置；所在地址未经核实",
        )
        for name in ("国家地震计量站", "绿色建筑与低碳技术市级重点实验室")
    ),
    (
        "海河柳林设计之都核心区",
        "一园",
        "第二章 第四节 专栏1：金贸产业园",
        "南接海河柳林设计之都核心区",
        "在河东区界以外（金贸产业园以南）",
    ),
]


def build(out_dir: Path = HERE) -> tuple[Path, Path]:
    """Write layout.geojson and layout_unplaced.csv; return their paths."""
    geo = write_feature_collection(out_dir / "layout.geojson", "layout", features(), "feature_id", "L-")
    table = write_csv(
        out_dir / "layout_unplaced.csv", ["name", "layout", "plan_clause", "plan_text", "reason"], UNPLACED
    )
    return geo, table


if __name__ == "__main__":
    for p in build():
        print("wrote", p)
