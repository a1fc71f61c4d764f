"""Validation of a site: the one gate every edit and import passes.

A name, a known status and precision, a type from the schema's list (or none), a geometry that is valid (or safely
repairable) and lies in or near the district. Bad input raises
:class:`~renewal.errors.InputError` listing every problem and changes nothing.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

import geodata
from renewal.crs import area_m2, geometry_to_metric
from renewal.errors import InputError
from renewal.sites.schema import (
    FIELD_LABELS,
    MAX_NAME_LENGTH,
    MAX_SITE_NUMBER,
    NUMBER_FIELDS,
    NUMBERED_ID,
    RENEWAL_AREAS,
    SITE_ID_PATTERN,
    SITE_TYPES,
    TEXT_FIELDS,
    clean_text,
    control_characters,
)

#: Fields that must be one line of text (no tabs or line breaks).
SINGLE_LINE_FIELDS = ("site_id", "name", "site_type", "renewal_area", "status", "precision")

#: How far outside the district polygon a site may reach (metres): lines along the Haihe edge.
NEAR_DISTRICT_M = 200.0
#: Largest relative area change accepted when repairing an invalid polygon.
MAX_REPAIR_CHANGE = 0.01

_STATUS_BY_LABEL = {v: k for k, v in geodata.STATUS_LABELS.items()}
_PRECISION_BY_LABEL = {v: k for k, v in geodata.PRECISION_LABELS.items()}


@cache
def _district_metric() -> BaseGeometry:
    return geometry_to_metric(geodata.load("district").geometry.union_all())


@cache
def _district_wgs84() -> BaseGeometry:
    district = geodata.load("district").geometry.union_all()
    shapely.prepare(district)
    return district


def repair_geometry(geom: BaseGeometry) -> tuple[BaseGeometry, str]:
    """Return a valid geometry and a note ("" if nothing changed).

    An invalid polygon is repaired with :func:`shapely.make_valid` only when
    the repaired area differs from the drawn one by less than
    :data:`MAX_REPAIR_CHANGE` (e.g. a duplicated vertex or a tiny loop);
    otherwise (a bow-tie, a figure eight) it is refused.
    """
    if geom.is_valid:
        return geom, ""
    reason = shapely.is_valid_reason(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        fixed = shapely.make_valid(geom)
        polys = [g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(polys) if polys else None
        before, after = abs(area_m2(geom)), (area_m2(fixed) if fixed is not None else 0.0)
        change = abs(after - before) / max(before, after) if max(before, after) > 0 else 1.0
        if fixed is not None and not fixed.is_empty and fixed.is_valid and change < MAX_REPAIR_CHANGE:
            return fixed, f"repaired ({reason}); area changed {change:.2%}"
        raise InputError(
            f"The polygon intersects itself and cannot be repaired safely ({reason}; repair would change "
            f"its area by {change:.0%}). Redraw it without crossing edges.",
            f"多边形自相交，无法安全修复（修复会使面积改变约{change:.0%}）。请重新绘制，边线不要交叉。",
        )
    raise InputError(f"Invalid geometry: {reason}", f"几何图形无效：{reason}")


def check_geometry(geom: BaseGeometry | None) -> tuple[BaseGeometry, str]:
    """Validate one WGS84 geometry: present, finite, valid (or safely repaired), in or near the district."""
    if geom is None or (not isinstance(geom, BaseGeometry)) or geom.is_empty:
        raise InputError("The site has no geometry.", "该项目没有几何图形（位置或范围）。")
    if geom.geom_type == "GeometryCollection":  # no GeoPackage/Shapefile layer of sites could hold it
        raise InputError(
            "A GeometryCollection cannot be a site: split it into points, lines or polygons.",
            "几何集合（GeometryCollection）不能作为项目图形，请拆分为点、线或面。",
        )
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        raise InputError(
            "The geometry has coordinates that are not numbers (NaN or infinity).",
            "图形中有无效坐标（NaN 或无穷大），请检查文件。",
        )
    geom = shapely.force_2d(geom)  # a height (Z) is not kept: the store and its exports are 2D
    minx, miny, maxx, maxy = geom.bounds
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)) or not (
        -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    ):
        raise InputError(
            f"Coordinates are not longitude/latitude (bounds {geom.bounds}).",
            "坐标不是经纬度（WGS84），请检查坐标系。",
        )
    geom, note = repair_geometry(geom)
    # inside the district: distance 0 without a projection (most sites; a large import's fast path)
    dist = 0.0 if _district_wgs84().covers(geom) else geometry_to_metric(geom).distance(_district_metric())
    if dist > NEAR_DISTRICT_M:
        raise InputError(
            f"The geometry lies {dist / 1000:.1f} km outside Hedong District (limit {NEAR_DISTRICT_M:.0f} m). "
            "Check the position and the coordinate system (WGS84, GCJ-02 or BD-09).",
            f"图形位于河东区界外约{dist / 1000:.1f}公里（允许{NEAR_DISTRICT_M:.0f}米以内）。请检查位置和坐标系。",
        )
    return geom, note


def _known(value: object, labels: Mapping[str, str], by_label: Mapping[str, str]) -> str | None:
    text = clean_text(value)
    if text in labels:
        return text
    return by_label.get(text)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def text_problems(props: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Problems of the text fields: not text (a number, list or object as a name or id; a list or object
    anywhere), forbidden characters (NUL, BEL, ESC...), a malformed or overlong id, an overlong name."""
    en: list[str] = []
    zh: list[str] = []
    for f in TEXT_FIELDS:
        value = props.get(f)
        if _is_missing(value):
            continue
        strict = f in ("site_id", "name")
        if (
            isinstance(value, bool)
            or not isinstance(value, str | numbers.Number)
            or (strict and not isinstance(value, str))
        ):
            kind = type(value).__name__
            en.append(f"{f} must be text, not a {kind}")
            zh.append(f"{FIELD_LABELS[f]}须为文字，不能是{_KIND_ZH.get(kind, '其他类型的值')}")
            continue
        text = clean_text(value)
        bad = control_characters(text, single_line=f in SINGLE_LINE_FIELDS)
        if bad:
            en.append(f"{f} contains control characters ({', '.join(bad)})")
            zh.append(f"{FIELD_LABELS[f]}含有控制字符（{'、'.join(bad)}），请删除")
    sid = props.get("site_id")
    if isinstance(sid, str) and sid.strip() and not control_characters(sid.strip(), single_line=True):
        if not SITE_ID_PATTERN.fullmatch(sid.strip()):
            en.append(
                "site_id must be 1-40 letters, digits or - _ . (starting with a letter or digit), "
                f"got {len(sid.strip())} character(s)"
            )
            zh.append("编号须为1至40个英文字母、数字或 - _ .（以字母或数字开头）")
        elif (m := NUMBERED_ID.fullmatch(sid.strip())) and int(m.group(1)) > MAX_SITE_NUMBER:
            en.append(
                f"site_id RS-NNN numbers go up to {MAX_SITE_NUMBER}; leave site_id empty to get a new one"
            )
            zh.append(f"RS-编号的数字最大为{MAX_SITE_NUMBER}；如需新编号，请留空编号")
    name = props.get("name")
    if isinstance(name, str) and len(name.strip()) > MAX_NAME_LENGTH:
        en.append(f"the name is longer than {MAX_NAME_LENGTH} characters ({len(name.strip())})")
        zh.append(f"名称超过{MAX_NAME_LENGTH}个字（{len(name.strip())}个）")
    return en, zh


_KIND_ZH = {
    "int": "数字",
    "float": "数字",
    "list": "列表",
    "dict": "对象",
    "bool": "是/否值",
    "tuple": "列表",
}


def validate_site(
    props: Mapping[str, Any], geom: BaseGeometry | None
) -> tuple[dict[str, Any], BaseGeometry, list[str]]:
    """Check a site's attributes and geometry; return (clean props, geometry, notes).

    Status and precision may be given as keys or Chinese labels. Raises
    :class:`InputError` listing every problem.
    """
    problems_en, problems_zh = text_problems(props)
    clean: dict[str, Any] = {f: clean_text(props.get(f)) for f in TEXT_FIELDS}
    for f in NUMBER_FIELDS:
        text = clean_text(props.get(f))
        number = pd.to_numeric(text, errors="coerce") if text else math.nan
        if text and (pd.isna(number) or not math.isfinite(float(number))):
            problems_en.append(f"{f} is not a number: {text!r}")
            problems_zh.append(f"{FIELD_LABELS[f]}不是数字：{text}")
            number = math.nan
        clean[f] = float(number)
    name = props.get("name")
    if _is_missing(name) or (isinstance(name, str) and not name.strip()):
        problems_en.append("the name is empty")
        problems_zh.append("名称不能为空")
    status = _known(props.get("status"), geodata.STATUS_LABELS, _STATUS_BY_LABEL)
    if status is None:
        problems_en.append(
            f"unknown status {clean['status']!r} (use one of {', '.join(geodata.STATUS_LABELS)})"
        )
        problems_zh.append(
            f"未知状态“{clean['status']}”（可选：{'、'.join(geodata.STATUS_LABELS.values())}）"
        )
    else:
        clean["status"] = status
    precision = _known(props.get("precision") or "approximate", geodata.PRECISION_LABELS, _PRECISION_BY_LABEL)
    if precision is None:
        problems_en.append(f"unknown precision {clean['precision']!r}")
        problems_zh.append(f"未知定位精度“{clean['precision']}”")
    else:
        clean["precision"] = precision
    if clean["site_type"] and clean["site_type"] not in SITE_TYPES:
        problems_en.append(f"unknown site type {clean['site_type']!r} (use one of {', '.join(SITE_TYPES)})")
        problems_zh.append(f"未知项目类型“{clean['site_type']}”（可选：{'、'.join(SITE_TYPES)}）")
    if clean["renewal_area"] and clean["renewal_area"] not in RENEWAL_AREAS:
        problems_en.append(f"unknown renewal area {clean['renewal_area']!r}")
        problems_zh.append(f"未知更新片区“{clean['renewal_area']}”")
    notes: list[str] = []
    try:
        geom, note = check_geometry(geom)
        if note:
            notes.append(note)
    except InputError as err:
        problems_en.append(err.message_en)
        problems_zh.append(err.message_zh)
    if problems_en:
        raise InputError(
            "Invalid site: " + "; ".join(problems_en),
            "项目数据有误：" + "；".join(problems_zh),
            details=problems_en,
        )
    return clean, geom, notes
