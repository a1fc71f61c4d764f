"""How codes and times read in Chinese: the one place for what a planner sees instead of a code.

- :func:`beijing_time`: a stored time (ISO 8601 in UTC, ``…Z``, ``YYYY-mm-dd HH:MM:SS UTC`` or a
  ``datetime``) as 北京时间 in a Chinese format, ``2026年12月3日 16:20``.
- :func:`date_label`: a date (or a data layer's date note) as ``2026年11月25日``.
- :func:`value_label`: a site field's code (``status=planned``, ``precision=approximate`` …) as its
  Chinese label; :data:`GEOMETRY_LABELS` for geometry types; :func:`field_label` for a field name.

Codes stay in the data (and in a second column of an export where machines need them); only what is
shown goes through here.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from geodata import CONFIDENCE_LABELS, PRECISION_LABELS, STATUS_LABELS
from renewal.sites.schema import ACTION_LABELS, FIELD_LABELS

BEIJING = timezone(timedelta(hours=8), "北京时间")

#: Geometry types in Chinese.
GEOMETRY_LABELS = {
    "Point": "点",
    "MultiPoint": "多点",
    "LineString": "线",
    "MultiLineString": "多线",
    "Polygon": "面",
    "MultiPolygon": "多面",
    "GeometryCollection": "几何集合",
    "null": "空",
}

#: The Chinese labels of each coded field's values.
VALUE_LABELS = {
    "status": STATUS_LABELS,
    "precision": PRECISION_LABELS,
    "location_confidence": CONFIDENCE_LABELS,
    "action": ACTION_LABELS,
    "geom_type": GEOMETRY_LABELS,
}


def _parse(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value or "").strip()
    if not text:
        return None
    if text.endswith(" UTC"):
        text = text[:-4] + "+00:00"
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # stored times are UTC


def beijing_time(value: object, *, seconds: bool = False) -> str:
    """``value`` as 北京时间, e.g. ``2026年12月3日 16:20``; text that is no time is returned as it is."""
    parsed = _parse(value)
    if parsed is None:
        return "" if value is None else str(value)
    t = parsed.astimezone(BEIJING)
    clock = f"{t:%H:%M:%S}" if seconds else f"{t:%H:%M}"
    return f"{t.year}年{t.month}月{t.day}日 {clock}"


_DATE = re.compile(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")


def date_label(value: object) -> str:
    """A date as a planner reads it: ``2026-11-25`` → ``2026年11月25日``, ``2021-12`` → ``2021年12月``. From a
    longer text (a data layer's date note such as ``2021-12 (Amap fetch), converted 2026-11-25``) only the
    first date is kept; a text with no date is returned as it is."""
    if isinstance(value, datetime | date):
        return f"{value.year}年{value.month}月{value.day}日"
    text = "" if value is None else str(value)
    m = _DATE.search(text)
    if m is None:
        return text
    y, mo, d = m.groups()
    return f"{y}年" + (f"{int(mo)}月" if mo else "") + (f"{int(d)}日" if d else "")


def value_label(field: str, value: object) -> str:
    """The Chinese label of a coded value (``value_label("status", "planned") == "规划"``); other values as
    they are (a value already in Chinese, a free text)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return VALUE_LABELS.get(field, {}).get(str(value), str(value))


#: History sessions that are not a person's name: how they read.
SESSION_LABELS = {"cli": "命令行", "cli-import": "命令行导入", "import": "导入", "seed": "初始目录"}


def person_label(session: str | None) -> str:
    """Who made a change, as a planner reads it: a signed-in person's name as it is; a browser session
    with no sign-in (``web-…``) as 未登录用户; the command line as 命令行."""
    text = str(session or "").strip()
    if not text:
        return "未知"
    if text.startswith("web-"):
        return "未登录用户（浏览器会话）"
    return SESSION_LABELS.get(text, text)


def field_label(field: str) -> str:
    """A site field's Chinese name (``site_type`` → 类型); other names as they are."""
    return FIELD_LABELS.get(field, field)
