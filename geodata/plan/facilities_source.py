"""Source of the plan-facilities layer (规划公共服务设施), digitised from the plan text.

Run ``python -m geodata.plan.facilities_source`` to regenerate
``geodata/plan/facilities.geojson`` and ``geodata/plan/facilities_unplaced.csv``
deterministically from this file. Review this file, not the GeoJSON.

What the plan names (as issue 8 lists them):

* 专栏7 基础教育学位资源建设工程: new schools (天津实验中学河东学校, 天津一中河东学校,
  the schools of the 井冈山路 and 津龙湾 renewal projects) and expanded schools
  (第一〇二中学津华学校, 田庄中学, 太阳城学校, 缘诚小学, 第四十五中学华英学校,
  天津一中河东学校高中部);
* 专栏8 养老服务能力提升工程 and 第八章第五节: the two district 养老服务指导中心
  (north and south), the new 公建公营 care home, the community-embedded services
  closing the gaps of the 13 subdistricts; plus (第六章第二节) the 老年人服务中心
  the plan puts into the 井冈山路 and 津龙湾 projects;
* 第八章第四节: the health facilities (河东区中医医院 project, the community health
  centres and stations, the district CDC).

Data honesty: the plan gives no address or map for any of them and this
project has no reliable location source (no POI data set was found, see
``../shared/geodata-src/PROVENANCE.md``). Only the facilities tied by the plan
to a renewal project are placed, and only at that project's placeholder point
in the renewal-site layer (``renewal_sites.geojson``; itself ``schematic``,
location confidence 低): they are drawn as 位置示意 and must be corrected by a
planner. Everything else goes to ``UNPLACED`` with the reason; no position is
invented. ``category`` is the standards category (geodata/standards/life_circle.yaml)
used by the coverage engine; ``facility_type`` keeps the plan's own wording.
"""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import shape

from geodata.plan._writer import write_csv, write_feature_collection

HERE = Path(__file__).resolve().parent
SOURCE = "河东区“十五五”规划纲要（河东政发〔2026〕2号）"

C_BOX7 = "第八章 第二节 专栏7：基础教育学位资源建设工程"
C_EDU = "第八章 第二节 扎实办好人民满意的教育"
C_HEALTH = "第八章 第四节 加快建设健康河东"
C_ELDER = "第八章 第五节 促进人口高质量发展"
C_BOX8 = "第八章 第五节 专栏8：养老服务能力提升工程"
C_TOD = "第六章 第二节 统筹推进片区更新与微更新"

# Plan words: verbatim quotes (tests/test_geodata.py checks each against the plan text).
T_NEW = "新建天津实验中学河东学校、天津一中河东学校，以及井冈山路、津龙湾等城市更新项目配套中小学。"
T_EXPAND = "改扩建第一〇二中学津华学校、田庄中学、太阳城学校、缘诚小学、第四十五中学华英学校、天津一中河东学校高中部。"
T_TOD = (
    "依托井冈山路、津龙湾片区等项目，通过TOD+城市更新，补建老年人服务中心、教育配套等社区嵌入式服务设施，"
    "提升老旧小区环境"
)
T_GUIDE = "建设南北两个区级养老服务指导中心"
T_NEW_HOME = "谋划建设一所公建公营养老机构。"
T_HOMES = "提升改造公建养老院，多点位布局社区嵌入式养老服务机构，打造智慧化服务管理平台。"
T_EMBED = "新建及改扩建社区嵌入式服务设施，补齐 13 个街道覆盖缺口。"
T_TCM = "推进河东区中医医院康复护理“城医联动”项目，提升改造社区卫生服务中心和社区卫生服务站。"
T_CDC = "加强区疾控中心（卫生监督所）建设"
T_AREAS = "在富民路、井冈山路、津龙湾、顺达路等地区新建及改扩建一批中小学和幼儿园"

#: Renewal projects whose (placeholder) points the project-linked facilities reuse.
PROJECTS = {"井冈山路": "井冈山路项目", "津龙湾": "津龙湾片区"}

S_PROJECT = (
    "规划只说该设施属{project}城市更新项目，未给位置；点位沿用更新项目图层中“{site}”的占位点（位置可信度低），"
    "不代表实际位置，须由规划人员核实修正"
)


def _renewal_points() -> dict[str, object]:
    fc = json.loads((HERE / "renewal_sites.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["name"]: shape(f["geometry"]) for f in fc["features"]}


def _facility(name, category, facility_type, clause, text, status, position_source, geom, project):
    props = {
        "name": name,
        "category": category,
        "facility_type": facility_type,
        "renewal_project": project,
        "plan_clause": clause,
        "plan_text": text,
        "status": status,
        "precision": "placeholder",  # at a renewal project's placeholder point: 位置待定
        "position_source": position_source,
        "location_confidence": "低",
        "source": SOURCE,
    }
    return props, geom


def features():
    """The placeable plan facilities as (properties, shapely Point) pairs, WGS84."""
    pts = _renewal_points()
    out = []
    for project, site in PROJECTS.items():
        where = S_PROJECT.format(project=project, site=site)
        geom = pts[site]
        for level in ("小学", "初中"):
            out.append(
                _facility(
                    f"{project}城市更新项目配套{level}",
                    level,
                    "新建学校（配套中小学）",
                    C_BOX7,
                    T_NEW,
                    "planned",
                    where + "；规划写“配套中小学”，此处按小学、初中各一所计",
                    geom,
                    site,
                )
            )
        out.append(
            _facility(
                f"{project}项目补建老年人服务中心",
                "老年人日间照料中心",
                "老年人服务中心（社区嵌入式服务设施）",
                C_TOD,
                T_TOD,
                "planned",
                where + "；“老年人服务中心”按五分钟生活圈的老年人日间照料中心计，类别为本项目的解读",
                geom,
                site,
            )
        )
    return out


#: Plan facilities that cannot be placed: (name, category, plan_clause, plan_text, reason).
UNPLACED = [
    ("天津实验中学河东学校", "初中", C_BOX7, T_NEW, "规划未给位置，本项目无可靠位置资料"),
    ("天津一中河东学校", "初中", C_BOX7, T_NEW, "规划未给位置，本项目无可靠位置资料"),
    (
        "第一〇二中学津华学校（改扩建）",
        "初中",
        C_BOX7,
        T_EXPAND,
        "现状学校，本项目无可靠位置资料（可用设施清单导入）",
    ),
    ("田庄中学（改扩建）", "初中", C_BOX7, T_EXPAND, "现状学校，本项目无可靠位置资料（可用设施清单导入）"),
    ("太阳城学校（改扩建）", "小学", C_BOX7, T_EXPAND, "现状学校，本项目无可靠位置资料；学段规划未说明"),
    ("缘诚小学（改扩建）", "小学", C_BOX7, T_EXPAND, "现状学校，本项目无可靠位置资料（可用设施清单导入）"),
    (
        "第四十五中学华英学校（改扩建）",
        "初中",
        C_BOX7,
        T_EXPAND,
        "现状学校，本项目无可靠位置资料（可用设施清单导入）",
    ),
    ("天津一中河东学校高中部（改扩建）", "高中", C_BOX7, T_EXPAND, "规划未给位置；高中不属生活圈配套类别"),
    (
        "富民路、顺达路等地区新建及改扩建的中小学和幼儿园",
        "小学|初中|幼儿园",
        C_EDU,
        T_AREAS,
        "规划未列学校名称、数量和位置",
    ),
    ("区级养老服务指导中心（北）", "养老院", C_ELDER, T_GUIDE, "规划只说“南北两个”，未给位置"),
    ("区级养老服务指导中心（南）", "养老院", C_ELDER, T_GUIDE, "规划只说“南北两个”，未给位置"),
    ("公建公营养老机构（新建）", "养老院", C_BOX8, T_NEW_HOME, "规划为“谋划建设”，未给位置"),
    ("公建养老院（提升改造）", "养老院", C_BOX8, T_HOMES, "规划未列名称和位置"),
    ("社区嵌入式养老服务机构（多点位）", "老年人日间照料中心", C_BOX8, T_HOMES, "规划未列点位"),
    (
        "社区嵌入式服务设施（补齐13个街道覆盖缺口）",
        "老年人日间照料中心",
        C_BOX8,
        T_EMBED,
        "规划只给街道数，未给点位；正是本页要找的缺口",
    ),
    (
        "河东区中医医院康复护理“城医联动”项目",
        "医院",
        C_HEALTH,
        T_TCM,
        "现状医院，本项目无可靠位置资料；医院不属生活圈配套类别",
    ),
    (
        "社区卫生服务中心（提升改造，共12家）",
        "社区卫生服务中心",
        C_HEALTH,
        T_TCM,
        "规划未列名称和位置（可用设施清单导入）",
    ),
    ("社区卫生服务站（提升改造）", "社区卫生服务站", C_HEALTH, T_TCM, "规划未列名称、数量和位置"),
    ("区疾控中心（卫生监督所）", "疾控中心", C_HEALTH, T_CDC, "规划未给位置；不属生活圈配套类别"),
]


def build(out_dir: Path = HERE) -> tuple[Path, Path]:
    """Write facilities.geojson and facilities_unplaced.csv; return their paths."""
    geo = write_feature_collection(
        out_dir / "facilities.geojson", "plan_facilities", features(), "facility_id", "PF-"
    )
    table = write_csv(
        out_dir / "facilities_unplaced.csv",
        ["name", "category", "plan_clause", "plan_text", "reason"],
        UNPLACED,
    )
    return geo, table


if __name__ == "__main__":
    for p in build():
        print("wrote", p)
