"""The renewal-site catalogue's schema: fields, labels, id pattern, column normalisation.

A *site* is one renewal-related item the plan names (a renewal area, a plot, a
factory, a park, a pipe, a river), with the plan's words, the clause, status,
``precision`` and ``position_source``. Pure data rules: no storage, no files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Hashable

import geopandas as gpd
import pandas as pd

#: Site types (Chinese), in display order.
SITE_TYPES = ("片区更新", "片区地块", "产业载体", "微更新", "老旧厂房", "保障性住房", "市政设施", "生态环境")

#: The four renewal areas of chapter 6 section 2.
RENEWAL_AREAS = ("天津站片区", "大直沽片区", "富民路片区", "金贸产业园片区")

#: Text attributes of a site, in column order (``site_id`` first).
TEXT_FIELDS = (
    "site_id",
    "name",
    "site_type",
    "category",
    "renewal_area",
    "plan_clause",
    "plan_text",
    "status",
    "precision",
    "position_source",
    "location_confidence",
    "source",
    "zone",
    "works",
    "tod",
    "plan_note",
)
#: Numeric plan figures a site may carry.
NUMBER_FIELDS = ("length_plan_m", "depth_plan_m", "road_count_plan")
SITE_FIELDS = TEXT_FIELDS + NUMBER_FIELDS

#: Chinese labels of the fields (tables, cards, spreadsheets).
FIELD_LABELS = {
    "site_id": "编号",
    "name": "名称",
    "site_type": "类型",
    "category": "类别",
    "renewal_area": "所属更新片区",
    "plan_clause": "规划条款",
    "plan_text": "规划原文",
    "status": "状态",
    "precision": "定位精度",
    "position_source": "定位依据",
    "location_confidence": "位置可信度",
    "source": "来源",
    "zone": "金贸园区片区",
    "works": "工程类别",
    "tod": "TOD项目",
    "plan_note": "备注",
    "length_plan_m": "规划长度（米）",
    "depth_plan_m": "规划水深（米）",
    "road_count_plan": "规划道路条数",
    "area_m2": "计算面积（㎡）",
    "length_m": "计算长度（米）",
    "version": "版本",
}

#: Other column names planners' files use for site fields (besides the field names and FIELD_LABELS).
COLUMN_ALIASES = {
    "项目名称": "name",
    "项目编号": "site_id",
    "项目类型": "site_type",
    "更新片区": "renewal_area",
    "片区": "renewal_area",
    "项目状态": "status",
    "精度": "precision",
    "备注": "plan_note",
    "说明": "plan_note",
}


def site_column_names(columns: Collection[Hashable]) -> dict[Hashable, str]:
    """How a file's columns map to site fields: the field name itself, its Chinese label (名称, 状态 …),
    an alias (项目名称 …) or our own export header ``名称（name）``. Only columns that map, and only
    when the field is not also present under its own name; the first column for a field wins."""
    by_label = {label: f for f, label in FIELD_LABELS.items() if f in SITE_FIELDS}
    present = {str(c).strip() for c in columns}
    out: dict[Hashable, str] = {}
    for col in columns:
        text = str(col).strip()
        key = text.rsplit("（", 1)[-1].rstrip("）") if text.endswith("）") and "（" in text else None
        field = key if key in SITE_FIELDS else by_label.get(text) or COLUMN_ALIASES.get(text)
        if field and field != text and field not in present and field not in out.values():
            out[col] = field
    return out


#: Chinese names of the history actions.
ACTION_LABELS = {"create": "新增", "update": "修改", "delete": "删除", "import": "导入", "undo": "撤销"}


#: Shown instead of an empty plan text (a site added by a planner has no words of the plan).
NO_PLAN_TEXT = "（规划人员新增，无规划原文）"


def normalise_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` with every site field (missing text as "", numbers as NaN), site fields first."""
    gdf = gdf.copy()
    for f in TEXT_FIELDS:
        if f not in gdf.columns:
            gdf[f] = ""
        gdf[f] = gdf[f].map(clean_text)
    for f in NUMBER_FIELDS:
        if f not in gdf.columns:
            gdf[f] = math.nan
        gdf[f] = pd.to_numeric(gdf[f], errors="coerce")
    extra = [c for c in gdf.columns if c not in SITE_FIELDS and c != gdf.geometry.name]
    return gdf[[*SITE_FIELDS, *extra, gdf.geometry.name]]


def clean_text(value: object) -> str:
    """A cell as stripped text: None/NaN -> "", 3.0 -> "3"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


#: A site id: letters, digits and ``-_.``, starting with a letter or digit, at most 40 characters.
SITE_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}")
#: The ids the store numbers itself: ``RS-`` and digits. A given id of this form may not go past
#: ``MAX_SITE_NUMBER`` (a file's ``RS-999…`` is refused), and the store's counter never counts it.
NUMBERED_ID = re.compile(r"RS-(\d+)")
MAX_SITE_NUMBER = 999_999
#: Longest accepted name (characters).
MAX_NAME_LENGTH = 200
#: Characters never accepted in text: C0/C1 controls (NUL, BEL, ESC...), DEL and the bidi overrides
#: that reorder what a reader sees. Tab and line breaks are allowed in long texts, not in names or ids.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_CONTROL = re.compile(r"[\t\n\r\u2028\u2029]")


def control_characters(text: str, *, single_line: bool = False) -> list[str]:
    """The forbidden characters in ``text`` as ``U+XXXX`` codes (empty when the text is clean)."""
    found = _CONTROL.findall(text) + (_LINE_CONTROL.findall(text) if single_line else [])
    return sorted({f"U+{ord(c):04X}" for c in found})


def printable(text: object) -> str:
    """``text`` for a terminal or a log: forbidden characters shown as U+FFFD, never sent raw."""
    return _LINE_CONTROL.sub(" ", _CONTROL.sub("\ufffd", clean_text(text)))
