"""Life-circle standards as data: load and validate ``life_circle.yaml``.

The bundled file is ``geodata/standards/life_circle.yaml`` (GB 50180-2018
life circles and facility categories, each with its clause and a
``verified`` flag). Planners edit it, or pass their own copy.

API: ``load_standards(path=None) -> Standards``; ``Standards.category(key)``,
``Standards.resolve(value)`` (a facility file's category value, by key, Chinese
name or alias, to a category key), ``Standards.distance(key, mode)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

from renewal.errors import InputError
from renewal.settings import PROJECT_ROOT

DEFAULT_PATH = PROJECT_ROOT / "geodata" / "standards" / "life_circle.yaml"


@dataclass(frozen=True)
class Category:
    key: str
    name_zh: str
    life_circle: str
    radius_m: float
    walk_m: float
    clause: str
    verified: bool
    note: str = ""
    note_zh: str = ""  # the note in Chinese: what planners see (pages, exports)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CapacityRatio:
    """A per-1,000 capacity standard (千人学位数 …): ``value`` places or beds per 1,000 residents
    (``per == "residents"``) or per 1,000 of the category's age group (``per == "served"``)."""

    category: str
    per: str
    value: float
    unit: str
    clause: str
    verified: bool
    note_zh: str = ""


CAPACITY_RATIO_BASES = ("residents", "served")


def _capacity_ratios(
    path: Path, raw: dict[str, Any], cats: Mapping[str, Category]
) -> dict[str, CapacityRatio]:
    section = raw.get("capacity_ratios") or {}
    if not isinstance(section, dict):
        _fail(path, "capacity_ratios must be a mapping of category to ratio", "capacity_ratios 格式错误")
    out = {}
    for key, entry in section.items():
        if key not in cats:
            _fail(
                path, f"capacity_ratios: unknown category {key!r}", f"capacity_ratios 中的类别 {key!r} 未定义"
            )
        v = entry.get("value") if isinstance(entry, dict) else None
        per = entry.get("per") if isinstance(entry, dict) else None
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float)
            or not v > 0
            or per not in CAPACITY_RATIO_BASES
        ):
            _fail(
                path,
                f"capacity_ratios {key!r}: needs per (residents or served) and a positive value",
                f"capacity_ratios 中 {key!r} 须有 per（residents 或 served）和正数 value",
            )
        out[str(key)] = CapacityRatio(
            str(key),
            str(per),
            float(v),
            str(entry.get("unit", "")),
            str(entry.get("clause", "")),
            entry.get("verified") is True,
            str(entry.get("note_zh", "")),
        )
    return out


@dataclass
class Standards:
    standard: str
    life_circles: dict[str, dict[str, Any]]
    categories: dict[str, Category]
    indicators: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = None
    #: The ``osm_tags`` section (OpenStreetMap tag rules per category), read by ``renewal.analysis.osm_import``.
    osm_tags: dict[str, Any] = field(default_factory=dict)
    #: Per-1,000 capacity ratios by category key (:class:`CapacityRatio`); empty in the bundled file.
    capacity_ratios: dict[str, CapacityRatio] = field(default_factory=dict)

    def category(self, key: str) -> Category:
        try:
            return self.categories[key]
        except KeyError:
            raise InputError(
                f"Unknown facility category {key!r}; known: {', '.join(self.categories)}",
                f"未知的设施类别 {key!r}；已定义：{'、'.join(c.name_zh for c in self.categories.values())}",
            ) from None

    def resolve(self, value: object) -> str | None:
        """Category key for a value of a facility file's category column, or None."""
        if value is None:
            return None
        v = str(value).strip()
        if v in self.categories:
            return v
        low = v.lower()
        for c in self.categories.values():
            if v == c.name_zh or low in (a.lower() for a in c.aliases):
                return c.key
        return None

    def distance(self, key: str, mode: str) -> float:
        c = self.category(key)
        return c.radius_m if mode == "radius" else c.walk_m


def _fail(path: Path, msg_en: str, msg_zh: str) -> NoReturn:
    raise InputError(f"Standards file {path}: {msg_en}", f"标准文件 {path}：{msg_zh}")


def load_standards(path: str | Path | None = None) -> Standards:
    """Load and validate a standards file (default: the bundled one)."""
    path = Path(path) if path else DEFAULT_PATH
    if not path.exists():
        raise InputError(f"Standards file not found: {path}", f"找不到标准文件：{path}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        _fail(path, f"not valid YAML: {exc}", f"YAML 格式错误：{exc}")
    if not isinstance(raw, dict) or not isinstance(raw.get("categories"), dict) or not raw["categories"]:
        _fail(path, "needs a non-empty 'categories' mapping", "缺少非空的 categories 定义")
    circles = raw.get("life_circles") or {}
    cats: dict[str, Category] = {}
    seen: dict[str, str] = {}
    for key, entry in raw["categories"].items():
        if not isinstance(entry, dict):
            _fail(path, f"category {key!r} is not a mapping", f"类别 {key!r} 格式错误")
        missing = [f for f in ("name_zh", "life_circle", "radius_m", "walk_m") if f not in entry]
        if missing:
            _fail(
                path,
                f"category {key!r} lacks {', '.join(missing)}",
                f"类别 {key!r} 缺少 {'、'.join(missing)}",
            )
        if circles and entry["life_circle"] not in circles:
            _fail(
                path,
                f"category {key!r}: unknown life circle {entry['life_circle']!r}",
                f"类别 {key!r} 的生活圈 {entry['life_circle']!r} 未定义",
            )
        for f in ("radius_m", "walk_m"):
            v = entry[f]
            if isinstance(v, bool) or not isinstance(v, int | float) or not v > 0:
                _fail(
                    path,
                    f"category {key!r}: {f} must be a positive number, got {v!r}",
                    f"类别 {key!r} 的 {f} 必须为正数，当前为 {v!r}",
                )
        if "verified" in entry and not isinstance(entry["verified"], bool):
            _fail(
                path,
                f"category {key!r}: verified must be true or false",
                f"类别 {key!r} 的 verified 必须为 true 或 false",
            )
        aliases = tuple(str(a) for a in entry.get("aliases", ()) or ())
        for name in (str(key), str(entry["name_zh"]), *aliases):
            other = seen.get(name.lower())
            if other and other != key:
                _fail(
                    path,
                    f"name {name!r} used by both {other!r} and {key!r}",
                    f"名称 {name!r} 同时属于 {other!r} 和 {key!r}",
                )
            seen[name.lower()] = key
        cats[str(key)] = Category(
            key=str(key),
            name_zh=str(entry["name_zh"]),
            life_circle=str(entry["life_circle"]),
            radius_m=float(entry["radius_m"]),
            walk_m=float(entry["walk_m"]),
            clause=str(entry.get("clause", "")),
            verified=bool(entry.get("verified", False)),
            note=str(entry.get("note", "")),
            note_zh=str(entry.get("note_zh", "")),
            aliases=aliases,
        )
    osm_tags = raw.get("osm_tags")
    return Standards(
        standard=str(raw.get("standard", "")),
        life_circles=dict(circles),
        categories=cats,
        indicators=list(raw.get("city_check_indicators") or []),
        path=path,
        osm_tags=osm_tags if isinstance(osm_tags, dict) else {},
        capacity_ratios=_capacity_ratios(path, raw, cats),
    )
