"""What a feature says on a map: its tooltip, popup title, values and the layer's caveat, all escaped.

Text from data goes through :func:`layers.markup.html_text`; codes (status, precision, confidence) read in
Chinese. The browser assembles a popup from these pieces on click (``rpPopupHtml`` in
``layers/static/rp_map.js``), so the map's payload carries each piece once (:mod:`layers.payload`).
"""

from __future__ import annotations

from collections.abc import Mapping

import geodata
from layers.markup import html_text
from layers.registry import LayerSpec
from layers.styles import cell_text, feature_precision, precision_badge


def label_value(field: str, value: object) -> str:
    text = cell_text(value)
    if field == "status":
        return geodata.STATUS_LABELS.get(text, text)
    if field == "precision":
        return geodata.PRECISION_LABELS.get(text, text)
    if field == "confidence":
        return geodata.CONFIDENCE_LABELS.get(text, text)
    return text


def tooltip_html(row: Mapping, spec: LayerSpec) -> str:
    parts = [html_text(label_value(f, row.get(f))) for f in spec.tooltip]
    parts = [p for p in parts if p]
    badge = precision_badge(feature_precision(row, spec))
    if badge:
        parts.append(f"<i>（{badge}）</i>")
    return "<br>".join(parts)


def popup_parts(row: Mapping, spec: LayerSpec) -> tuple[str, str, list[str]]:
    """One feature's popup pieces, each HTML-escaped: (title, its precision badge (位置示意, 位置待定; "" for a
    placed feature), values aligned with ``spec.popup``; "" where empty). The layer's caveat and source line
    are per layer (:func:`popup_layer_parts`)."""
    name = html_text(
        cell_text(row.get("name")) or cell_text(row.get(spec.tooltip[0] if spec.tooltip else ""))
    )
    values = [html_text(label_value(field, row.get(field))) for field, _ in spec.popup]
    return name, html_text(precision_badge(feature_precision(row, spec))), values


def popup_layer_parts(spec: LayerSpec) -> tuple[list[str], str, str]:
    """A layer's popup pieces, escaped: (row labels, caveat, source line)."""
    caveat = ""
    source_line = html_text(spec.title_zh)
    if spec.source:
        try:
            caveat = geodata.meta(spec.source).caveat_zh
            source_line = f"图层：{html_text(spec.title_zh)}"
        except geodata.GeodataError:
            pass
    return [html_text(label) for _, label in spec.popup], html_text(caveat), source_line
