"""The interactive map's legend as escaped HTML, grouped like the layer control, with the symbol key
(dashed = 位置示意, dotted = 位置待定)."""

from __future__ import annotations

from collections.abc import Sequence

from layers.leaflet_style import dash_text
from layers.markup import html_text
from layers.registry import GROUPS
from layers.scene import LegendEntry
from layers.styles import (
    APPROX_LEGEND_TEXT,
    LEGEND_APPROX_DASH,
    LINE,
    PLACEHOLDER_DASH,
    PLACEHOLDER_LEGEND_TEXT,
    POINT,
)


def _symbol_svg(entry: LegendEntry) -> str:
    """The legend symbol of an entry as inline SVG (escaped)."""
    color, fill = html_text(entry.stroke), html_text(entry.fill)
    dash = f' stroke-dasharray="{dash_text(entry.dash)}"' if entry.dash else ""
    if entry.kind == POINT:
        fo = 0 if entry.approximate else max(entry.fill_opacity, 0.3)
        return (
            f'<svg width="22" height="14"><circle cx="11" cy="7" r="5" stroke="{color}" '
            f'stroke-width="2" fill="{fill}" fill-opacity="{fo}"{dash}/></svg>'
        )
    if entry.kind == LINE:
        return (
            f'<svg width="22" height="14"><line x1="1" y1="7" x2="21" y2="7" stroke="{color}" '
            f'stroke-width="{min(entry.weight, 5)}"{dash}/></svg>'
        )
    return (
        f'<svg width="22" height="14"><rect x="2" y="2" width="18" height="10" stroke="{color}" '
        f'stroke-width="1.5" fill="{fill}" fill-opacity="{max(entry.fill_opacity, 0.15)}"{dash}/></svg>'
    )


def legend_html(entries: Sequence[LegendEntry], footnote: str = "") -> str:
    """Legend HTML (escaped) from legend entries (:func:`layers.scene.legend_entries`), grouped.

    A ``color_by`` layer's categories each get their own indented row with their colour.
    """
    out = ["<details><summary><b>图例</b></summary>"]
    for group in (*GROUPS, ""):
        items = [e for e in entries if e.group == group]
        if not items:
            continue
        out.append(f'<div data-legend-group="{html_text(group)}">')
        if group:
            out.append(f"<h4>{html_text(group)}</h4>")
        for entry in items:
            out.append(
                f'<div data-layer="{html_text(entry.key)}">'
                f'<div><span class="rp-sym">{_symbol_svg(entry)}</span>{html_text(entry.label)}</div>'
            )
            for sub in entry.categories:
                out.append(
                    f'<div style="margin-left:14px"><span class="rp-sym">{_symbol_svg(sub)}</span>'
                    f"{html_text(sub.label)}</div>"
                )
            out.append("</div>")
        out.append("</div>")
    out.append(
        '<h4>符号说明</h4><div><span class="rp-sym"><svg width="22" height="14"><rect x="2" y="2" width="18" '
        'height="10" stroke="#555" stroke-width="1.5" fill="none" '
        f'stroke-dasharray="{dash_text(LEGEND_APPROX_DASH)}"/></svg></span>'
        f"{html_text(APPROX_LEGEND_TEXT)}</div>"
        '<div><span class="rp-sym"><svg width="22" height="14"><circle cx="11" cy="7" r="5" stroke="#555" '
        f'stroke-width="2" fill="none" stroke-dasharray="{dash_text(PLACEHOLDER_DASH)}"/></svg></span>'
        f"{html_text(PLACEHOLDER_LEGEND_TEXT)}</div>"
    )
    if footnote:
        out.append(f'<div class="rp-foot">{html_text(footnote)}</div>')
    out.append("</details>")
    return "".join(out)
