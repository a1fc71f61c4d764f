"""OpenStreetMap tags -> life-circle categories: the ``osm_tags`` rules of the standards file.

:func:`load_tag_mapping` reads and validates the rules; :meth:`TagMapping.candidate`
says whether an object is looked at at all (and by which tag), :meth:`TagMapping.classify`
returns the first matching :class:`Rule` (tags first: name rules come later and require the
level tags to be absent, see ``geodata/standards/life_circle.yaml``). A rule with no
categories recognises an object that is not a life-circle facility (a hospital, a dentist,
a senior high school): it is reported as not counted, with the rule's reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from renewal.errors import InputError
from renewal.standards import Standards


class Tags(Protocol):
    """An object's OSM tags: osmium's ``TagList`` or a ``dict`` (tests, the review file)."""

    def get(self, key: str, default: str | None = None, /) -> str | None: ...

    def __contains__(self, key: str, /) -> bool: ...


#: The tags shown for an object in the reports (what a planner needs to judge it).
REPORT_KEYS = (
    "amenity",
    "healthcare",
    "healthcare:speciality",
    "isced:level",
    "school:level",
    "social_facility",
    "social_facility:for",
    "operator:type",
    "building",
)


@dataclass(frozen=True)
class Rule:
    id: str
    categories: tuple[str, ...]
    reason_zh: str
    tags: tuple[tuple[str, tuple[str, ...]], ...]
    absent: tuple[str, ...] = ()
    name_contains: tuple[str, ...] = ()
    name_excludes: tuple[str, ...] = ()

    def matches(self, tags: Tags, name: str) -> bool:
        return (
            all(_value_matches(tags.get(k), allowed) for k, allowed in self.tags)
            and not any(tags.get(k) is not None for k in self.absent)
            and (not self.name_contains or any(w in name for w in self.name_contains))
            and not any(w in name for w in self.name_excludes)
        )


@dataclass(frozen=True)
class Candidate:
    key: str
    values: frozenset[str] | None = None
    name_contains: tuple[str, ...] = ()


@dataclass(frozen=True)
class TagMapping:
    candidates: tuple[Candidate, ...]
    rules: tuple[Rule, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The tag keys an object needs for any candidate (what the reader lets through)."""
        return tuple(dict.fromkeys(c.key for c in self.candidates))

    def candidate(self, tags: Tags) -> str:
        """The facility tag (``key=value``) of an object, or "" when it is not looked at."""
        name = object_name(tags)
        for c in self.candidates:
            value = tags.get(c.key)
            if value is None or (c.values is not None and value not in c.values):
                continue
            if c.name_contains and not any(w in name for w in c.name_contains):
                continue
            return f"{c.key}={value}"
        return ""

    def classify(self, tags: Tags) -> Rule | None:
        """The first rule that matches (None when none does)."""
        name = object_name(tags)
        for rule in self.rules:
            if rule.matches(tags, name):
                return rule
        return None


def object_name(tags: Tags) -> str:
    """name:zh and name together (either may carry the telling word)."""
    zh, name = tags.get("name:zh") or "", tags.get("name") or ""
    return zh if zh == name else f"{zh} {name}"


def report_tags(tags: Tags) -> str:
    """``amenity=school; isced:level=3``: the tags a planner needs to judge an object."""
    return "; ".join(f"{k}={tags.get(k)}" for k in REPORT_KEYS if tags.get(k) is not None)


def _value_matches(value: str | None, allowed: Iterable[str]) -> bool:
    if value is None:
        return False
    parts = {p.strip() for p in str(value).split(";")}
    for a in allowed:
        if a == "*" or (";" in a and set(a.split(";")) <= parts) or a in parts:
            return True
    return False


def _bad(what: str, item: object) -> InputError:
    return InputError(f"osm_tags {what}: {item!r}", f"标准文件 osm_tags 中的{what}有误：{item!r}")


def _candidates(raw: Mapping[str, Any]) -> tuple[Candidate, ...]:
    items = raw.get("candidates") or ()
    if items and all(isinstance(k, str) for k in items):  # the older form: keys + candidate_values
        values = raw.get("candidate_values") or {}
        return tuple(Candidate(k, frozenset(map(str, values[k])) if k in values else None) for k in items)
    out = []
    for c in items:
        if not isinstance(c, dict) or not c.get("key"):
            raise _bad("candidate", c)
        vals = c.get("values")
        out.append(
            Candidate(
                str(c["key"]),
                frozenset(map(str, vals)) if vals else None,
                tuple(map(str, c.get("name_contains") or ())),
            )
        )
    return tuple(out)


def load_tag_mapping(standards: Standards) -> TagMapping:
    """The ``osm_tags`` section of the standards file, validated against its categories."""
    raw = standards.osm_tags
    if not raw.get("rules"):
        raise InputError(
            f"The standards file {standards.path} has no osm_tags rules.",
            f"标准文件 {standards.path} 中没有 osm_tags 规则。",
        )
    rules: list[Rule] = []
    seen: set[str] = set()
    for k, r in enumerate(raw["rules"]):
        if not isinstance(r, dict) or not isinstance(r.get("tags"), dict) or "categories" not in r:
            raise _bad("rule", r)
        cats = tuple(r.get("categories") or ())
        unknown = [c for c in cats if c not in standards.categories]
        rid = str(r.get("id") or f"rule{k + 1}")
        if unknown or rid in seen:
            raise InputError(
                f"osm_tags rule {rid}: unknown categories {unknown} or a repeated id",
                f"osm_tags 规则 {rid}：类别不在标准文件中（{unknown}）或编号重复",
            )
        seen.add(rid)
        reason = str(r.get("reason_zh") or "")
        if not reason:
            names = "、".join(standards.categories[c].name_zh for c in cats) or "不计入"
            tag_text = "，".join(f"{t}={'/'.join(map(str, v))}" for t, v in r["tags"].items())
            reason = f"标签 {tag_text}（{names}）"
        rules.append(
            Rule(
                rid,
                cats,
                reason,
                tuple((str(t), tuple(str(v) for v in vs)) for t, vs in r["tags"].items()),
                tuple(map(str, r.get("absent") or ())),
                tuple(map(str, r.get("name_contains") or ())),
                tuple(map(str, r.get("name_excludes") or ())),
            )
        )
    return TagMapping(_candidates(raw), tuple(rules))
