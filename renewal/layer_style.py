"""An imported layer's saved style (专题图): pure data kept with the layer in the workspace.

A :class:`LayerStyle` names the field the features are coloured by (None: one colour), the classing method
and the number of classes (:mod:`renewal.classify`), the colour ramp, the field the features are labelled
by and the fill's opacity. It is stored as JSON and checked again whenever it is read: a stored style that
is not one (hand-edited, from another version) raises :class:`~renewal.errors.InputError`, and the maps
then draw the layer plain and say why. The colours themselves are the maps' business (``layers/thematic``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from renewal.classify import BY_TABLE, CATEGORIES, MAX_CLASSES, METHOD_LABELS, MIN_CLASSES
from renewal.errors import InputError
from renewal.landuse_colors import ColorEntry, check_entries

#: A colour table's rows as kept in a style: ``(code, name, "#rrggbb")``.
PaletteRows = tuple[tuple[str, str, str], ...]

#: Longest accepted field or ramp name (characters).
MAX_NAME = 100


@dataclass(frozen=True)
class LayerStyle:
    field: str | None = None
    method: str = CATEGORIES
    classes: int = 5
    ramp: str = ""
    label: str | None = None
    opacity: float | None = None
    #: With :data:`~renewal.classify.BY_TABLE`: the colour table's rows, kept in the style itself so every
    #: map, download and print sheet draws the same colours without the table file.
    palette: PaletteRows = ()
    palette_source: str = ""

    def __post_init__(self) -> None:
        for name in ("field", "label"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value or len(value) > MAX_NAME):
                raise _bad(f"{name} must be a field name")
        if not isinstance(self.ramp, str) or len(self.ramp) > MAX_NAME:
            raise _bad("ramp must be a ramp name")
        if self.method not in METHOD_LABELS:
            raise _bad(f"unknown method {self.method!r}")
        if isinstance(self.classes, bool) or not isinstance(self.classes, int):
            raise _bad("classes must be a whole number")
        if not MIN_CLASSES <= self.classes <= MAX_CLASSES:
            raise _bad(f"classes must be {MIN_CLASSES} to {MAX_CLASSES}")
        if self.opacity is not None and (
            isinstance(self.opacity, bool)
            or not isinstance(self.opacity, int | float)
            or not 0.0 <= self.opacity <= 1.0
        ):
            raise _bad("opacity must be a number from 0 to 1")
        self._check_palette()

    def _check_palette(self) -> None:
        if not isinstance(self.palette_source, str) or len(self.palette_source) > MAX_NAME:
            raise _bad("palette_source must be a file name")
        if not isinstance(self.palette, tuple):
            raise _bad("palette must be a list of rows")
        if self.method != BY_TABLE:
            if self.palette:
                raise _bad("a palette belongs to the colour-table method only")
            return
        if not self.palette:
            raise _bad("the colour-table method needs its table")
        try:
            checked = check_entries(self.palette)
        except InputError as exc:
            raise _bad(f"palette: {exc}") from exc
        object.__setattr__(self, "palette", tuple((e.code, e.name, e.color) for e in checked))

    @property
    def entries(self) -> tuple[ColorEntry, ...]:
        """The colour table's rows (empty unless the method is the colour table)."""
        return tuple(ColorEntry(*row) for row in self.palette)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> LayerStyle:
        """The style stored as ``text``; :class:`InputError` if it is not a valid style."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise _bad(f"not JSON ({exc})") from exc
        if not isinstance(data, dict) or set(data) - set(cls.__dataclass_fields__):
            raise _bad("not a style object")
        if isinstance(data.get("palette"), list):
            data["palette"] = tuple(tuple(r) if isinstance(r, list) else r for r in data["palette"])
        try:
            return cls(**data)
        except TypeError as exc:
            raise _bad(str(exc)) from exc


def _bad(why: str) -> InputError:
    return InputError(f"The saved layer style is not valid: {why}", "保存的图层样式无效，已按默认样式绘制。")
