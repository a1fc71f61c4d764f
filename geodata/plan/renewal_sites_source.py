"""Source of the renewal-site catalogue (更新项目), digitised from the plan text.

Run ``python -m geodata.plan.renewal_sites_source`` to regenerate
``geodata/plan/renewal_sites.geojson`` and ``geodata/plan/renewal_sites_unplaced.csv``
deterministically from this file. Review this file, not the GeoJSON.

Data honesty: there is no survey data for any of these sites. Every position
was placed from the plan's words, the bundled real layers (district boundary,
Haihe line, 2016 metro stations), the layout layer (``layout.geojson``, whose
金贸产业园 outline, zones, anchors and 站产城融合发展片区 are reused here so the
two layers agree) and general knowledge of Hedong's streets.

* ``precision``: ``approximate`` = a point placed from knowledge of the place;
  ``schematic`` = a deliberately rough area or line (or a point inside a known renewal area);
  ``placeholder`` = the plan names the site but gives no place at all: the point only stands in
  (位置待定), is drawn dotted and is left out of siting by default.
* ``location_confidence``: 中 = the place is known roughly (a street, a
  station, a neighbourhood); 低 = only the district or renewal area is known,
  the point is a placeholder inside it and must be corrected by a planner
  (in the workspace, never here).
* ``position_source`` says in Chinese what the placement rests on.

Plan items that are renewal-related but have no place at all (programmes
counted in numbers, e.g. 100 余处二次供水) are listed in ``UNPLACED``.
"""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import LineString, MultiPoint, Point, box, shape

from geodata.plan._writer import write_csv, write_feature_collection

HERE = Path(__file__).resolve().parent
BASE = HERE.parent / "base"
SOURCE = "河东区“十五五”规划纲要（河东政发〔2026〕2号）"

# Clauses.
C_REVIEW = "第一章 第一节 “十四五”时期发展成效"
C_BOX1 = "第二章 第四节 专栏1：金贸产业园"
C_STATION = "第三章 第二节 推进站产城融合发展"
C_BOX4 = "第四章 第三节 专栏4：二次方二手商品流通电商产业园"
C_AREA = "第六章 第二节 统筹推进片区更新与微更新"
C_HOUSING = "第六章 第三节 系统提升城区承载能力"
C_BOX5 = "第六章 第三节 专栏5：基础设施承载能力提升工程"
C_ECO = "第六章 第五节 加快建设美丽河东"
C_BOX6 = "第六章 第五节 专栏6：天津市美丽河湖工程 - 护仓河水质巩固提升项目"
C_CULT = "第七章 第四节 推动文旅商体展深度融合"

# Plan words: verbatim quotes (the catalogue test checks each against the plan text,
# ignoring white space and the page breaks of the text extraction).
T_STATION_AREA = (
    "天津站片区发挥交通枢纽优势，重点加快一冷音乐文化产业片区等项目建设，加快谋划天音艺术街区等新一批项目，"
    "导入总部商务、平台经济、音乐文化等新业态，打造站产城融合发展片区"
)
T_ZHIGU_AREA = (
    "大直沽片区突出天津城市原生点历史文化主线，重点加快 18 号地、四号台、棉一地块等项目建设，将"
    "文化、产业与居民群众生活相结合，提升城市“烟火气”，打造文旅商体展融合发展片区"
)
T_FUMIN_AREA = "富民路片区重点推动郑庄子南北地块、汪庄子2号地块盘活利用，打造“文创+科创”融合发展片区"
T_JINMAO_AREA = (
    "金贸产业园片区重点加快一机床项目产业地块及金二地块建设，按照园区总体定位导入产业要素，"
    "打造工业遗存活化利用示范片区"
)
T_BIG5 = "一机床、津龙湾、井冈山路等 5 个大体量城市更新项目扎实推进，其中一机床项目被评为全国低效用地再开发试点第一批典型案例"
T_TOD = (
    "依托井冈山路、津龙湾片区等项目，通过TOD+城市更新，补建老年人服务中心、教育配套等社区嵌入式服务设施，"
    "提升老旧小区环境"
)
T_FACTORY = (
    "加快盘活管乐器厂、第五印刷厂等一批老旧厂房，持续提升棉3创意街区、蓝天产业园、信华金融科技园等园区业态"
)
T_MIAN3 = "棉 3 创意街区被评为第九批中国 20 世纪建筑遗产、国家级夜间文化和旅游消费集聚区"
T_ERCIFANG = "二次方产业园成为全国首家二手商品流通电商产业园"
T_BOX4_1 = "项目一期位于十四经路，开展奢侈品、数码、乐器、潮玩等二手高价值物品的寄卖、回收等服务"
T_BOX4_2 = (
    "运营方与中国铁物天津公司合作，利用闲置载体建设二期项目，改造仓储物流、产业办公、商业配套等设施，"
    "提升专业服务能力，重点推动二手数码商品翻新、维修、跨境交易等产业聚集"
)
T_TEDA = "加快建设泰达津一产业园，发展海洋科创、智能科技、总部经济和文旅商融合等业态"
T_TEDA2 = "推动棉3创意街区、泰达津一产业园示范发展，培育一批“文创+科创”产业园区"
T_HOUSING = "加快推进中山门胜利巷等配售型保障性住房项目，加大保障性租赁住房供给"
T_BEIPEI = "推动北配楼及站区周边载体盘活，建设更多承接北京非首都功能疏解的微中心"
T_GAS = "新开工昆仑路燃气中压管线等。"
T_SEWER = "改造雪莲南路等污水管线。"
T_ROADS = "对龙潭路、云丽路、顺航路等近 40 条区属次、支道路维修提升。"
T_SHALIU = "加快推进城市更新项目以及新出让地块配套市政道路建设，适时启动沙柳南路等道路项目建设"
T_HUCANG = "护仓河为海河支流之一，全长 5.43 公里，平均水深 2 米，经过治理目前已消除黑臭，但仍存在水动力弱、自净能力差等问题"
T_HUCANG2 = "谋划实施护仓河水质巩固提升项目，加强北塘排水河水质保护"
T_BEITANG = "加强北塘排水河水质保护，巩固黑臭水体治理成果，全力建设美丽河湖"

# Placement wording.
S_LOW = "规划未给位置，本项目也没有可靠的位置资料；点位只是{where}内的占位，不代表实际位置，须由规划人员在工作区核实修正"
S_AREA_LOW = "规划只说属{area}，未给具体位置；点位放在示意片区内作占位，不代表实际位置，须核实"

# Renewal-area extents (lon/lat boxes, clipped to the district; schematic).
ZHIGU_BOX = (117.2180, 39.0990, 117.2380, 39.1170)
FUMIN_BOX = (117.2380, 39.0990, 117.2560, 39.1170)


def _district():
    import geopandas as gpd

    return gpd.read_file(BASE / "hedong_boundary_wgs84.geojson").geometry.iloc[0]


def _layout() -> dict[str, dict]:
    """Layout features by name (geometry as shapely), from the bundled layout layer."""
    fc = json.loads((HERE / "layout.geojson").read_text(encoding="utf-8"))
    return {
        f["properties"]["name"]: {**f["properties"], "geometry": shape(f["geometry"])} for f in fc["features"]
    }


def _zone_of(pt, layout) -> str:
    for zone in ("东南", "东北", "西南", "西北"):
        if layout[f"金贸产业园{zone}片区"]["geometry"].contains(pt):
            return zone
    return ""


def _site(
    name,
    site_type,
    category,
    clause,
    text,
    status,
    precision,
    position_source,
    geom,
    *,
    renewal_area="",
    confidence="中",
    **extra,
):
    props = {
        "name": name,
        "site_type": site_type,
        "category": category,
        "renewal_area": renewal_area,
        "plan_clause": clause,
        "plan_text": text,
        "status": status,
        "precision": precision,
        "position_source": position_source,
        "location_confidence": confidence,
        "source": SOURCE,
    }
    props.update(extra)
    return props, geom


def features():
    """All renewal sites as (properties, shapely geometry) pairs, in WGS84."""
    district = _district()
    lay = _layout()
    station_area = lay["天津站站产城融合发展片区（河东部分）"]["geometry"]
    jinmao = lay["金贸产业园"]["geometry"]
    zhigu = box(*ZHIGU_BOX).intersection(district).difference(station_area)
    fumin = box(*FUMIN_BOX).intersection(district).difference(station_area)
    out = []
    area = "片区更新"

    # ---- 第六章第二节: the four renewal areas ----------------------------
    out.append(
        _site(
            "天津站片区",
            area,
            "更新片区",
            C_AREA,
            T_STATION_AREA,
            "ongoing",
            "schematic",
            "规划未给片区边界。沿用总体布局图层中“天津站站产城融合发展片区（河东部分）”的示意范围（天津站至十一经路一带矩形与区界相交），未经测绘",
            station_area,
            renewal_area="天津站片区",
        )
    )
    out.append(
        _site(
            "大直沽片区",
            area,
            "更新片区",
            C_AREA,
            T_ZHIGU_AREA,
            "ongoing",
            "schematic",
            "规划未给片区边界。按大直沽一带（地铁直沽站周边，海河东岸至约东兴路以北）的矩形与区界相交、扣除天津站片区示意，未经测绘",
            zhigu,
            renewal_area="大直沽片区",
        )
    )
    out.append(
        _site(
            "富民路片区",
            area,
            "更新片区",
            C_AREA,
            T_FUMIN_AREA,
            "ongoing",
            "schematic",
            "规划未给片区边界。按富民路街道一带（大直沽片区以东、中山门以西）的矩形与区界相交示意，未经测绘",
            fumin,
            renewal_area="富民路片区",
        )
    )
    out.append(
        _site(
            "金贸产业园片区",
            area,
            "更新片区",
            f"{C_AREA}；{C_BOX1}",
            T_JINMAO_AREA,
            "ongoing",
            "schematic",
            "规划未给片区边界。沿用总体布局图层中“金贸产业园”的示意范围（地铁一号桥站、二号桥站以南至区界），未经测绘",
            jinmao,
            renewal_area="金贸产业园片区",
        )
    )

    # ---- 天津站片区 projects ---------------------------------------------
    out.append(
        _site(
            "一冷音乐文化产业片区",
            "产业载体",
            "更新项目",
            C_AREA,
            T_STATION_AREA,
            "under_construction",
            "approximate",
            S_AREA_LOW.format(area="天津站片区") + "（放在站区东南、六纬路以东一带）",
            Point(117.2200, 39.1335),
            renewal_area="天津站片区",
            confidence="低",
        )
    )
    out.append(
        _site(
            "天音艺术街区",
            "产业载体",
            "更新项目",
            f"{C_AREA}；{C_CULT}",
            f"{T_STATION_AREA}；结合天音艺术街区资源提升海河游船、双层巴士演艺项目",
            "planned",
            "approximate",
            "按“天音”即天津音乐学院（十一经路）周边理解，放在地铁十一经路站东北约500米示意，未经测绘",
            Point(117.2205, 39.1240),
            renewal_area="天津站片区",
        )
    )
    beipei = lay["北配楼"]
    out.append(
        _site(
            "天津站北配楼",
            "产业载体",
            "更新项目",
            C_STATION,
            T_BEIPEI,
            "planned",
            "approximate",
            f"沿用总体布局图层“北配楼”的点位（{beipei['position_source']}）",
            beipei["geometry"],
            renewal_area="天津站片区",
        )
    )

    # ---- 大直沽片区 projects ---------------------------------------------
    zhigu_text = T_ZHIGU_AREA
    for name, pt in (
        ("18号地", (117.2300, 39.1140)),
        ("四号台", (117.2310, 39.1075)),
        ("棉一地块", (117.2345, 39.1120)),
    ):
        src = S_AREA_LOW.format(area="大直沽片区")
        if name == "棉一地块":
            src = "按原天津第一棉纺织厂在大直沽一带的一般了解示意；" + src
        out.append(
            _site(
                name,
                "片区地块",
                "更新项目",
                C_AREA,
                zhigu_text,
                "under_construction",
                "approximate",
                src,
                Point(*pt),
                renewal_area="大直沽片区",
                confidence="低",
            )
        )

    # ---- 富民路片区 projects ---------------------------------------------
    out.append(
        _site(
            "郑庄子南北地块",
            "片区地块",
            "更新项目",
            C_AREA,
            T_FUMIN_AREA,
            "planned",
            "approximate",
            "按郑庄子（富民路一带）地名位置示意南、北两个地块各一点，地块范围未知，未经测绘",
            MultiPoint([(117.2460, 39.1095), (117.2450, 39.1060)]),
            renewal_area="富民路片区",
            confidence="低",
        )
    )
    out.append(
        _site(
            "汪庄子2号地块",
            "片区地块",
            "更新项目",
            C_AREA,
            T_FUMIN_AREA,
            "planned",
            "approximate",
            "按汪庄子（富民路片区西南、近海河）地名位置示意，地块范围未知，未经测绘",
            Point(117.2420, 39.1020),
            renewal_area="富民路片区",
            confidence="低",
        )
    )

    # ---- 金贸产业园片区 projects (points reused from the layout layer) ---
    yjc = lay["一机床项目"]
    out.append(
        _site(
            "一机床项目（含产业地块）",
            "片区地块",
            "更新项目",
            f"{C_REVIEW}；{C_AREA}；{C_BOX1}",
            f"{T_BIG5}；{T_JINMAO_AREA}；西南片区依托一机床项目，推动存量老厂房更新再利用",
            "under_construction",
            "approximate",
            f"沿用总体布局图层“一机床项目”的点位（{yjc['position_source']}）",
            yjc["geometry"],
            renewal_area="金贸产业园片区",
            zone=_zone_of(yjc["geometry"], lay),
            plan_note="全国低效用地再开发试点第一批典型案例",
        )
    )
    jin2 = Point(117.2790, 39.0935)
    out.append(
        _site(
            "金二地块",
            "片区地块",
            "更新项目",
            C_AREA,
            T_JINMAO_AREA,
            "under_construction",
            "approximate",
            S_AREA_LOW.format(area="金贸产业园片区"),
            jin2,
            renewal_area="金贸产业园片区",
            confidence="低",
            zone=_zone_of(jin2, lay),
        )
    )
    for layout_name, name, text, status in (
        (
            "麻纺厂城市更新项目",
            "麻纺厂城市更新项目",
            "东北片区以实施麻纺厂城市更新项目为重点，加快待出让土地开发建设，引进战略性新兴产业，打造特色产业主题园区",
            "planned",
        ),
        (
            "煤建五厂地块",
            "煤建五厂地块",
            "西北片区重点整合存量资源，结合煤建五厂等闲置地块开发及有色金属厂等老厂房盘活",
            "planned",
        ),
        (
            "有色金属厂",
            "有色金属厂",
            "西北片区重点整合存量资源，结合煤建五厂等闲置地块开发及有色金属厂等老厂房盘活",
            "planned",
        ),
    ):
        f = lay[layout_name]
        out.append(
            _site(
                name,
                "老旧厂房",
                "更新项目",
                C_BOX1,
                text,
                status,
                "approximate",
                f"沿用总体布局图层“{layout_name}”的点位（{f['position_source']}）",
                f["geometry"],
                renewal_area="金贸产业园片区",
                zone=_zone_of(f["geometry"], lay),
            )
        )
    teda = lay["泰达津一产业园"]
    out.append(
        _site(
            "泰达津一产业园",
            "产业载体",
            "更新项目",
            f"{C_BOX1}；{C_CULT}",
            f"{T_TEDA}；{T_TEDA2}",
            "under_construction",
            "approximate",
            f"沿用总体布局图层“泰达津一产业园”的点位（{teda['position_source']}）",
            teda["geometry"],
            renewal_area="金贸产业园片区",
            zone=_zone_of(teda["geometry"], lay),
        )
    )

    # ---- 大体量项目 / TOD+城市更新 (第一章、第六章) -------------------------
    for name, pt in (("津龙湾片区", (117.2640, 39.1160)), ("井冈山路项目", (117.2500, 39.1300))):
        out.append(
            _site(
                name,
                "微更新",
                "更新项目",
                f"{C_REVIEW}；{C_AREA}",
                f"{T_BIG5}；{T_TOD}",
                "under_construction",
                "placeholder",
                S_LOW.format(where="河东区中部"),
                Point(*pt),
                confidence="低",
                tod="是",
            )
        )

    # ---- 老旧厂房 (第六章第二节) -------------------------------------------
    for name, pt in (("管乐器厂", (117.2480, 39.1200)), ("第五印刷厂", (117.2380, 39.1220))):
        out.append(
            _site(
                name,
                "老旧厂房",
                "更新项目",
                C_AREA,
                T_FACTORY,
                "planned",
                "placeholder",
                S_LOW.format(where="河东区中部"),
                Point(*pt),
                confidence="低",
            )
        )

    # ---- 园区与创意街区 ---------------------------------------------------
    mian3 = lay["棉3创意街区"]
    out.append(
        _site(
            "棉3创意街区",
            "产业载体",
            "更新项目",
            f"{C_REVIEW}；{C_AREA}；{C_CULT}",
            f"{T_MIAN3}；{T_FACTORY}；{T_TEDA2}",
            "ongoing",
            "approximate",
            f"沿用总体布局图层“棉3创意街区”的点位（{mian3['position_source']}）",
            mian3["geometry"],
        )
    )
    for name, pt in (("蓝天产业园", (117.2560, 39.1100)), ("信华金融科技园", (117.2330, 39.1300))):
        out.append(
            _site(
                name,
                "产业载体",
                "更新项目",
                C_AREA,
                T_FACTORY,
                "ongoing",
                "placeholder",
                S_LOW.format(where="河东区"),
                Point(*pt),
                confidence="低",
            )
        )
    out.append(
        _site(
            "二次方产业园一期",
            "产业载体",
            "更新项目",
            f"{C_REVIEW}；{C_BOX4}",
            f"{T_ERCIFANG}；{T_BOX4_1}",
            "existing",
            "approximate",
            "按规划文字“项目一期位于十四经路”，放在十四经路一带（地铁十一经路站东南约500米）示意，未经测绘",
            Point(117.2240, 39.1175),
        )
    )
    out.append(
        _site(
            "二次方产业园二期",
            "产业载体",
            "更新项目",
            C_BOX4,
            T_BOX4_2,
            "planned",
            "schematic",
            "规划只说“利用闲置载体建设二期项目”，未给位置；点位放在一期附近作占位，不代表实际位置，须核实",
            Point(117.2280, 39.1210),
            confidence="低",
        )
    )

    # ---- 保障性住房 ---------------------------------------------------------
    out.append(
        _site(
            "中山门胜利巷配售型保障性住房",
            "保障性住房",
            "更新项目",
            C_HOUSING,
            T_HOUSING,
            "under_construction",
            "approximate",
            "按地名“中山门”放在地铁中山门站西北约300米示意，具体地块未知，未经测绘",
            Point(117.2560, 39.1030),
        )
    )

    # ---- 专栏5 市政设施 (schematic lines; alignments from general knowledge only) ----
    road_src = "规划只给路名。线为按一般了解估计的大致走向和长度示意，不是道路或管线中心线，可信度低，须核实"
    out.append(
        _site(
            "昆仑路燃气中压管线",
            "市政设施",
            "基础设施",
            C_BOX5,
            T_GAS,
            "planned",
            "schematic",
            road_src,
            LineString([(117.2540, 39.1350), (117.2620, 39.1290)]),
            confidence="低",
            works="燃气服务提升工程",
        )
    )
    out.append(
        _site(
            "雪莲南路污水管线改造",
            "市政设施",
            "基础设施",
            C_BOX5,
            T_SEWER,
            "planned",
            "schematic",
            road_src,
            LineString([(117.2600, 39.1230), (117.2640, 39.1150)]),
            confidence="低",
            works="排污能力提升工程",
        )
    )
    for name, line in (
        ("龙潭路维修提升", [(117.2420, 39.1380), (117.2520, 39.1400)]),
        ("云丽路维修提升", [(117.2660, 39.1080), (117.2730, 39.1030)]),
        ("顺航路维修提升", [(117.2300, 39.1420), (117.2360, 39.1460)]),
    ):
        out.append(
            _site(
                name,
                "市政设施",
                "基础设施",
                C_BOX5,
                T_ROADS,
                "planned",
                "schematic",
                road_src,
                LineString(line),
                confidence="低",
                works="道路环境提升工程",
                road_count_plan=40,
            )
        )
    out.append(
        _site(
            "沙柳南路道路建设",
            "市政设施",
            "基础设施",
            C_HOUSING,
            T_SHALIU,
            "planned",
            "schematic",
            road_src,
            LineString([(117.2700, 39.1450), (117.2740, 39.1380)]),
            confidence="低",
        )
    )

    # ---- 专栏6 生态环境 ---------------------------------------------------
    out.append(
        _site(
            "护仓河水质巩固提升项目",
            "生态环境",
            "生态工程",
            f"{C_ECO}；{C_BOX6}",
            f"{T_HUCANG2}；{T_HUCANG}",
            "planned",
            "schematic",
            "规划只说护仓河为海河支流、全长5.43公里。线为从海河东岸（大直沽以南）向东北穿过区内的示意走向，"
            "长度按规划数字控制，不是河道中心线，未经测绘",
            LineString(
                [
                    (117.2360, 39.1005),
                    (117.2440, 39.1060),
                    (117.2560, 39.1100),
                    (117.2600, 39.1180),
                    (117.2610, 39.1260),
                    (117.2660, 39.1320),
                    (117.2700, 39.1390),
                ]
            ),
            confidence="低",
            length_plan_m=5430,
            depth_plan_m=2,
        )
    )
    out.append(
        _site(
            "北塘排水河（河东段）",
            "生态环境",
            "生态工程",
            C_ECO,
            T_BEITANG,
            "ongoing",
            "schematic",
            "北塘排水河自河东区东部向东流出区界（经东丽区至北塘）；线为区东缘一段的示意走向，不是河道中心线，未经测绘",
            LineString([(117.2860, 39.1000), (117.2950, 39.0990), (117.3010, 39.0985)]),
            confidence="低",
        )
    )
    return out


#: Renewal-related plan items with no place to put them (counted programmes, unnamed projects).
UNPLACED = [
    (
        "其余2个大体量城市更新项目",
        C_REVIEW,
        "一机床、津龙湾、井冈山路等 5 个大体量城市更新项目扎实推进",
        "规划未列名称",
    ),
    (
        "150余个老旧小区提升改造",
        C_REVIEW,
        "完成 150 余个老旧小区提升改造，总建筑面积约 600 万平方米",
        "规划未列小区名单",
    ),
    ("67处口袋公园和绿地", C_REVIEW, "利用小区边角空地建成 67 处口袋公园和绿地", "规划未列位置"),
    ("100余处二次供水管网改造", C_BOX5, "改造 100 余处二次供水管网。", "规划未列位置"),
    ("其余约37条区属次、支道路维修", C_BOX5, T_ROADS, "规划只列出龙潭路、云丽路、顺航路"),
    (
        "排水设施防涝能力提升改造工程二期",
        C_HOUSING,
        "推进排水设施防涝能力提升改造工程二期建设",
        "规划未给范围",
    ),
]


def build(out_dir: Path = HERE) -> tuple[Path, Path]:
    """Write renewal_sites.geojson and renewal_sites_unplaced.csv; return their paths."""
    geo = write_feature_collection(
        out_dir / "renewal_sites.geojson", "renewal_sites", features(), "site_id", "RS-"
    )
    table = write_csv(
        out_dir / "renewal_sites_unplaced.csv", ["name", "plan_clause", "plan_text", "reason"], UNPLACED
    )
    return geo, table


if __name__ == "__main__":
    for p in build():
        print("wrote", p)
