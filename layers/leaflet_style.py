"""Resolved style values (:mod:`layers.styles`) as Leaflet path options."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from layers.registry import LayerSpec
from layers.styles import resolve_style


def dash_text(dash: Sequence[float] | None) -> str | None:
    """A dash pattern as an SVG/Leaflet ``dashArray`` string: ``(6, 5)`` -> ``"6 5"``."""
    return " ".join(f"{v:g}" for v in dash) if dash else None


def leaflet_style(style: Mapping) -> dict:
    """Leaflet path options from resolved style values (:func:`layers.styles.resolve_style`)."""
    out = {
        "color": style["stroke"],
        "weight": style["weight"],
        "opacity": style["opacity"],
        "fillColor": style["fill"],
        "fillOpacity": style["fill_opacity"],
    }
    if style["dash"]:
        out["dashArray"] = dash_text(style["dash"])
    if style["radius"] is not None:
        out["radius"] = style["radius"]
    return out


def feature_style(row: Mapping, spec: LayerSpec, geom_type: str) -> dict:
    """Leaflet path options for one feature (approximate: dashed or hollow)."""
    return leaflet_style(resolve_style(row, spec, geom_type))
