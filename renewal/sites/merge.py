"""Field by field: what a planner changed in the edit form, what others changed meanwhile, what a save keeps.

After a refused stale save the page shows, for every field either side changed since the version
the planner opened (the *base*), the other editor's value with who and when, the planner's value,
and which one a save keeps. A save then writes only the fields the planner changed
(``store.save_site(..., fields=...)``), so a colleague's change to another field stays. Pure
functions: no storage, no Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import shapely
import shapely.errors
import shapely.geometry
from shapely.geometry.base import BaseGeometry

from renewal.sites.schema import clean_text

#: The fields of the page's edit form, in the form's order.
FORM_FIELDS = ("name", "site_type", "renewal_area", "status", "precision", "position_source")
#: The name that stands for the site's shape (``renewal.storage.records.GEOMETRY_FIELD``).
GEOMETRY = "geometry"
#: About 1 cm at Tianjin's latitude: a shape moved by less is the same shape.
SAME_SHAPE_DEGREES = 1e-7

#: The two ways to save after a refused save (the page's choice, in this order).
KEEP_THEIRS = "keep_theirs"
MINE_OVER = "mine_over"


class HistoryRow(Protocol):
    """What the merge reads of a history row (a :class:`renewal.storage.Change`; sites never import storage)."""

    @property
    def session(self) -> str: ...

    @property
    def at(self) -> str: ...

    @property
    def before(self) -> dict[str, Any] | None: ...

    @property
    def after(self) -> dict[str, Any] | None: ...


def same_shape(a: BaseGeometry | None, b: BaseGeometry | None) -> bool:
    """Whether two shapes are the same (within :data:`SAME_SHAPE_DEGREES`); None equals only None."""
    if a is None or b is None or a.is_empty or b.is_empty:
        return (a is None or a.is_empty) and (b is None or b.is_empty)
    if a.geom_type != b.geom_type:
        return False
    try:
        return bool(a.equals_exact(b, SAME_SHAPE_DEGREES)) or bool(
            shapely.normalize(a).equals_exact(shapely.normalize(b), SAME_SHAPE_DEGREES)
        )
    except shapely.errors.ShapelyError:
        return False


def changed_fields(
    base: Mapping[str, Any],
    mine: Mapping[str, Any],
    base_geom: BaseGeometry | None = None,
    mine_geom: BaseGeometry | None = None,
    fields: Iterable[str] = FORM_FIELDS,
) -> list[str]:
    """The ``fields`` whose value in ``mine`` differs from ``base`` (as text), and :data:`GEOMETRY`
    when ``mine_geom`` is given and is not the same shape as ``base_geom``."""
    out = [f for f in fields if clean_text(mine.get(f)) != clean_text(base.get(f))]
    if mine_geom is not None and not same_shape(base_geom, mine_geom):
        out.append(GEOMETRY)
    return out


def _shape(feature: Mapping[str, Any] | None) -> BaseGeometry | None:
    geom = (feature or {}).get("geometry")
    try:
        return shapely.geometry.shape(geom) if geom else None
    except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.ShapelyError):
        return None


def who_changed(
    changes: Iterable[HistoryRow], fields: Iterable[str] = (*FORM_FIELDS, GEOMETRY)
) -> dict[str, tuple[str, str]]:
    """For each field, the (person, time) of the newest of ``changes`` that changed it.

    ``changes`` are history rows (:class:`renewal.storage.Change`), newest first, e.g. the changes
    since the version the planner opened."""
    out: dict[str, tuple[str, str]] = {}
    for change in changes:
        before = (change.before or {}).get("properties") or {}
        after = (change.after or {}).get("properties") or {}
        for f in fields:
            if f in out:
                continue
            if f == GEOMETRY:
                moved = not same_shape(_shape(change.before), _shape(change.after))
            else:
                moved = clean_text(before.get(f)) != clean_text(after.get(f))
            if moved:
                out[f] = (change.session, change.at)
    return out


@dataclass(frozen=True)
class FieldDiff:
    """One field either side changed since the base: the values, who changed theirs and when."""

    field: str
    base: object
    theirs: object
    mine: object
    by: str | None
    at: str | None

    @property
    def theirs_changed(self) -> bool:
        return _differs(self.field, self.theirs, self.base)

    @property
    def mine_changed(self) -> bool:
        return _differs(self.field, self.mine, self.base)

    def kept(self, choice: str) -> str:
        """Whose value a save with ``choice`` keeps: "mine" or "theirs"."""
        if self.mine_changed or (choice == MINE_OVER and self.field != GEOMETRY):
            return "mine"
        return "theirs"


def _differs(field: str, a: Any, b: Any) -> bool:
    if field == GEOMETRY:
        return not same_shape(a, b)
    return clean_text(a) != clean_text(b)


def field_diffs(
    base: Mapping[str, Any],
    theirs: Mapping[str, Any],
    mine: Mapping[str, Any],
    changes: Iterable[HistoryRow],
    *,
    base_geom: BaseGeometry | None = None,
    theirs_geom: BaseGeometry | None = None,
    mine_geom: BaseGeometry | None = None,
    fields: Iterable[str] = FORM_FIELDS,
) -> list[FieldDiff]:
    """Every field (and the shape) that the other editors or the planner changed since ``base``.

    ``changes``: the history rows since the base, newest first (who changed what, and when);
    ``mine_geom`` is the planner's new shape, or None when they did not change it."""
    by = who_changed(changes, (*fields, GEOMETRY))
    out = []
    for f in fields:
        d = FieldDiff(f, base.get(f), theirs.get(f), mine.get(f), *by.get(f, (None, None)))
        if d.theirs_changed or d.mine_changed:
            out.append(d)
    mine_shape = base_geom if mine_geom is None else mine_geom
    d = FieldDiff(GEOMETRY, base_geom, theirs_geom, mine_shape, *by.get(GEOMETRY, (None, None)))
    if d.theirs_changed or d.mine_changed:
        out.append(d)
    return out


def fields_to_save(diffs: Iterable[FieldDiff], mine_changed: Iterable[str], choice: str) -> list[str]:
    """The fields a save writes: the planner's changed fields; with :data:`MINE_OVER` also every field
    the others changed (the planner's value of it overwrites theirs; a shape only if they drew one)."""
    out = list(mine_changed)
    if choice == MINE_OVER:
        out += [d.field for d in diffs if d.field not in out and d.field != GEOMETRY]
    return out
