"""The print back-end: a :class:`~layers.scene.Scene` becomes a map sheet (matplotlib, no tiles).

The same scene and the same resolved style values as the folium back-end
(:func:`layers.styles.resolve_style` per feature, :class:`~layers.scene.LegendEntry`
for the legend), converted here to matplotlib options: colours and opacities
to RGBA, pixel widths to points (x0.75), dash patterns to on/off points,
approximate points hollow with a dashed ring, approximate lines and outlines
dashed. Drawn in EPSG:4548 (CGCS2000 3-degree Gauss-Kruger, CM 117E), so the
scale bar is in metres and grid north is true north within a fraction of a
degree.

A sheet has a title, the map, a legend, a scale bar, a north arrow and notes
(coordinate system, date, data sources, precision, and the printed extent as a line
``图幅范围（WGS84）：W,S – E,N``); optionally an overview inset (鹰眼图: the district with the
printed extent outlined) and the 示意图 stamp, drawn only when the framed view shows approximate
or placeholder features. Papers: A4, A3, A1
(landscape or portrait), 16:9. Formats: PNG (300 dpi), PDF (fonts embedded, TrueType/CID),
SVG. Chinese is drawn with :mod:`layers.fonts`; text the font cannot draw
fails the export (:class:`layers.fonts.FontError`) instead of showing boxes.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import geopandas as gpd
import matplotlib
import matplotlib.patheffects as pe
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Rectangle
from matplotlib.transforms import Bbox
from shapely.geometry import box as shapely_box
from shapely.geometry.base import BaseGeometry

import geodata
from layers.fonts import check_glyphs, embeddable_family, use_cjk_font
from layers.registry import GROUPS
from layers.scene import LegendEntry, Scene, SceneLayer, legend_entries
from layers.styles import (
    APPROX_LEGEND_TEXT,
    LINE,
    PLACEHOLDER_DASH,
    PLACEHOLDER_LEGEND_TEXT,
    POINT,
    cell_text,
    resolve_style,
)
from renewal.errors import InputError
from renewal.zh import date_label

#: Paper sizes (inches), landscape.
PAPERS: dict[str, tuple[float, float]] = {
    "A4": (11.69, 8.27),
    "A3": (16.54, 11.69),
    "A1": (33.11, 23.39),  # 841 x 594 mm (a PNG at 300 dpi is 70 megapixels: PDF or SVG suit it better)
    "16:9": (13.334, 7.5),  # 4000 x 2250 px at 300 dpi
}
ORIENTATIONS = ("landscape", "portrait")
ORIENTATION_LABELS = {"landscape": "横向", "portrait": "纵向"}
#: Map scales a planner picks (1:N); None is "fit the extent".
SCALES = (2000, 5000, 10000, 25000, 50000)
MIN_SCALE, MAX_SCALE = 500, 1_000_000
MAX_ORG_LENGTH = 60
FORMATS = ("png", "pdf", "svg")
PNG_DPI = 300
METRIC_EPSG = 4548  # same metric CRS as renewal.crs.METRIC_EPSG
EXTENT_PREFIX = "图幅范围（WGS84）："
STAMP_TEXT = "示意图"
INSET_TITLE = "鹰眼图"
CRS_NOTE = "坐标系：CGCS2000 / 3度带高斯-克吕格投影（中央经线117°E，EPSG:4548）"
PX = 0.75  # one screen pixel (the style unit) in points


# --------------------------------------------------------------------------
# Style conversion
# --------------------------------------------------------------------------


def _dashes(dash: Sequence[float] | None) -> Literal["solid"] | tuple[float, tuple[float, ...]]:
    """A matplotlib linestyle from an on/off pattern in pixels (None: solid)."""
    if not dash:
        return "solid"
    return (0, tuple(v * PX for v in dash))


def mpl_style(style: dict) -> dict:
    """Matplotlib options (edge/face RGBA, linewidth, linestyle, marker size) from resolved style values."""
    edge = to_rgba(style["stroke"], style["opacity"])
    face = to_rgba(style["fill"], style["fill_opacity"]) if style["kind"] != LINE else "none"
    out = {
        "edgecolor": edge,
        "facecolor": face,
        "linewidth": style["weight"] * PX,
        "linestyle": _dashes(style["dash"]),
    }
    if style["kind"] == POINT:
        out["markersize"] = 2 * (style["radius"] or 5) * PX
    return out


def _style_key(style: dict) -> tuple:
    return tuple(
        (k, tuple(v) if isinstance(v, (list, tuple)) else v)
        for k, v in sorted(mpl_style(style).items())
        if k != "markersize"
    ) + (("markersize", mpl_style(style).get("markersize")),)


# --------------------------------------------------------------------------
# Drawing the map
# --------------------------------------------------------------------------


def _metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    return gdf.to_crs(METRIC_EPSG)


def _draw_layer(ax: Axes, layer: SceneLayer, scale: float) -> list[tuple[float, float, str]]:
    """Draw one scene layer (features grouped by resolved style); return its label anchors."""
    spec = layer.spec
    data = _metric(layer.data)
    groups: dict[tuple, tuple[dict, list]] = {}
    labels = []
    for _, row in data.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        style = resolve_style(row, spec, geom.geom_type)
        groups.setdefault(_style_key(style), (style, []))[1].append(geom)
        name = cell_text(row.get("name"))
        if spec.label and name:
            pt = geom if geom.geom_type == "Point" else geom.representative_point()
            labels.append((pt.x, pt.y, name))
    for style, geoms in groups.values():
        opts = mpl_style(style)
        series = gpd.GeoSeries(geoms, crs=METRIC_EPSG)
        if style["kind"] == POINT:
            ax.scatter(
                [g.x for g in series.representative_point()],
                [g.y for g in series.representative_point()],
                s=(opts["markersize"] * scale) ** 2,
                facecolors=[opts["facecolor"]],
                edgecolors=[opts["edgecolor"]],
                linewidths=opts["linewidth"] * scale,
                linestyles=[opts["linestyle"]],
                zorder=3 + spec.z / 1000,
            )
        elif style["kind"] == LINE:
            series.plot(
                ax=ax,
                color=opts["edgecolor"],
                linewidth=opts["linewidth"] * scale,
                linestyle=opts["linestyle"],
                zorder=2 + spec.z / 1000,
            )
        else:
            series.plot(
                ax=ax,
                facecolor=opts["facecolor"],
                edgecolor=opts["edgecolor"],
                linewidth=opts["linewidth"] * scale,
                linestyle=opts["linestyle"],
                zorder=1 + spec.z / 1000,
            )
    return labels


def _draw_labels(ax: Axes, anchors: list[tuple[float, float, str]], size: float) -> int:
    """Name labels, skipping any that would overlap one already placed (first come, first kept);
    returns how many were placed."""
    canvas = ax.figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):  # draw_sheet gives every sheet an Agg canvas
        raise TypeError("labels are placed with the measures of an Agg canvas")
    renderer = canvas.get_renderer()
    placed: list[Bbox] = []
    kept = 0
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for x, y, name in anchors:
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            continue
        text = ax.annotate(
            name,
            (x, y),
            xytext=(4, 3),
            textcoords="offset points",
            fontsize=size,
            color="#222222",
            zorder=10,
            path_effects=[pe.withStroke(linewidth=2.2, foreground="white")],
        )
        box = text.get_window_extent(renderer).expanded(1.05, 1.1)
        if any(box.overlaps(other) for other in placed):
            text.remove()
            continue
        placed.append(box)
        kept += 1
    return kept


def _set_extent(ax: Axes, scene: Scene, aspect: float, scale: tuple[int, float] | None = None) -> None:
    """Frame the scene's extent (or all its data) with a margin, filling the map box's aspect (w/h).

    ``scale`` = (N, map box width in inches): the frame is centred on the extent and is as wide as the
    box at 1:N (ground metres = paper metres x N)."""
    if scene.extent is not None:
        frame = gpd.GeoSeries.from_xy(
            [scene.extent[0], scene.extent[2]], [scene.extent[1], scene.extent[3]], crs=4326
        )
        minx, miny, maxx, maxy = frame.to_crs(METRIC_EPSG).total_bounds
    else:
        boxes = [_metric(layer.data).total_bounds for layer in scene.layers if not layer.data.empty]
        minx, miny = min(b[0] for b in boxes), min(b[1] for b in boxes)
        maxx, maxy = max(b[2] for b in boxes), max(b[3] for b in boxes)
    w, h = (maxx - minx) * 1.08, (maxy - miny) * 1.08
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    if scale is not None:
        w = scale[1] * 0.0254 * scale[0]
        h = w / aspect
    elif w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    ax.set_xlim(cx - w / 2, cx + w / 2)
    ax.set_ylim(cy - h / 2, cy + h / 2)


def _nice_length(span_m: float) -> float:
    target = span_m / 5
    for v in (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000):
        if v >= target:
            return v
    return 50000


def _scale_bar(ax: Axes, size: float) -> float:
    """A metric scale bar at the map's lower left; returns its length in metres."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    bx, by = x0 + (x1 - x0) * 0.03, y0 + (y1 - y0) * 0.04
    hgt = (y1 - y0) * 0.008
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 4, by),
                length / 4,
                hgt,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="black",
                linewidth=0.6,
                zorder=20,
                gid="rp-scalebar",
            )
        )
    label = f"{length / 1000:g} 千米" if length >= 1000 else f"{length:g} 米"
    for x, text in ((bx, "0"), (bx + length, label)):
        ax.text(x, by + hgt * 1.8, text, ha="center", va="bottom", fontsize=size, zorder=20)
    return length


def _north_arrow(ax: Axes, size: float) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, y = x1 - (x1 - x0) * 0.05, y1 - (y1 - y0) * 0.14
    dy = (y1 - y0) * 0.07
    ax.add_patch(
        FancyArrow(
            x,
            y,
            0,
            dy,
            width=(x1 - x0) * 0.006,
            head_width=(x1 - x0) * 0.022,
            head_length=dy * 0.45,
            length_includes_head=True,
            color="black",
            zorder=20,
        )
    )
    ax.text(
        x, y + dy * 1.08, "北", ha="center", va="bottom", fontsize=size * 1.3, fontweight="bold", zorder=20
    )


# --------------------------------------------------------------------------
# Legend and notes
# --------------------------------------------------------------------------


def _legend_symbol(ax: Axes, entry: LegendEntry, x: float, y: float, w: float, h: float) -> None:
    dash = _dashes(entry.dash)
    if entry.kind == POINT:
        face = "none" if entry.approximate else to_rgba(entry.fill, max(entry.fill_opacity, 0.3))
        ax.add_line(
            Line2D(
                [x + w / 2],
                [y],
                marker="o",
                markersize=7,
                markerfacecolor=face,
                markeredgecolor=entry.stroke,
                markeredgewidth=1.4,
                linestyle="none",
                transform=ax.transAxes,
            )
        )
    elif entry.kind == LINE:
        ax.add_line(
            Line2D(
                [x, x + w],
                [y, y],
                color=entry.stroke,
                linewidth=min(entry.weight, 5) * PX,
                linestyle=dash,
                transform=ax.transAxes,
            )
        )
    else:
        ax.add_patch(
            Rectangle(
                (x, y - h / 2),
                w,
                h,
                facecolor=to_rgba(entry.fill, max(entry.fill_opacity, 0.15)),
                edgecolor=entry.stroke,
                linewidth=1.1,
                linestyle=dash,
                transform=ax.transAxes,
            )
        )


def legend_rows(entries: Sequence[LegendEntry]) -> list[tuple[str, LegendEntry | None, int]]:
    """The legend as rows ``(text, entry or None for a heading, indent)``, grouped like the HTML legend."""
    rows: list[tuple[str, LegendEntry | None, int]] = []
    for group in (*GROUPS, ""):
        items = [e for e in entries if e.group == group]
        if not items:
            continue
        if group:
            rows.append((group, None, 0))
        for entry in items:
            rows.append((entry.label, entry, 0))
            rows.extend((sub.label, sub, 1) for sub in entry.categories)
    return rows


def drawn_layers(scene: Scene) -> list:
    """The layers a sheet draws: those shown by default that have features."""
    return [layer for layer in scene.layers if layer.spec.visible and not layer.data.empty]


def sheet_legend(scene: Scene, view: BaseGeometry | None = None) -> list[LegendEntry]:
    """The legend entries of the layers the sheet draws; with ``view`` (a shapely box in
    EPSG:4548), only what lies in the view, categories included (legend rows built by
    :func:`layers.scene.legend_entries` from the visible features)."""
    layers = drawn_layers(scene)
    if view is not None:
        layers = [
            SceneLayer(layer.spec, layer.data[_metric(layer.data).intersects(view)]) for layer in layers
        ]
    return list(legend_entries(layers))


def _draw_legend(ax: Axes, scene: Scene, size: float, view: BaseGeometry | None = None) -> None:
    ax.set_axis_off()
    ax.text(0.0, 1.0, "图例", fontsize=size * 1.25, fontweight="bold", va="top", transform=ax.transAxes)
    rows = legend_rows(sheet_legend(scene, view))
    approx = LegendEntry(APPROX_LEGEND_TEXT, "polygon", "#555555", "#ffffff", 1.5, 0.0, 5, (4, 3), True)
    held = LegendEntry(
        PLACEHOLDER_LEGEND_TEXT, "point", "#555555", "#ffffff", 2.0, 0.0, 5, PLACEHOLDER_DASH, True
    )
    rows += [("符号说明", None, 0), (APPROX_LEGEND_TEXT, approx, 0), (PLACEHOLDER_LEGEND_TEXT, held, 0)]
    step = min(0.045, 0.93 / max(len(rows), 1))
    y = 0.94
    for text, entry, indent in rows:
        x = 0.02 + indent * 0.07
        if entry is None:
            ax.text(x, y, text, fontsize=size, fontweight="bold", va="center", transform=ax.transAxes)
        else:
            _legend_symbol(ax, entry, x, y, 0.11, step * 0.45)
            ax.text(x + 0.14, y, text, fontsize=size * 0.95, va="center", transform=ax.transAxes)
        y -= step


def source_note(scene: Scene) -> str:
    """数据来源 line: the title and date of each bundled layer the sheet draws (:func:`drawn_layers`: a layer
    switched off is neither drawn nor named); the full sources are in the manifest."""
    parts = []
    drawn = [layer.spec.source for layer in drawn_layers(scene) if layer.spec.source]
    for name in dict.fromkeys(drawn):
        try:
            meta = geodata.meta(name)
        except geodata.GeodataError:
            continue
        parts.append(f"{meta.title_zh}（{date_label(meta.date)}）")
    if not parts:
        return ""
    return "数据来源：" + "、".join(parts) + "；各图层的来源、许可与精度见 geodata/manifest.yaml"


def extent_line(bounds: Sequence[float]) -> str:
    """The notes' extent line: ``图幅范围（WGS84）：W,S – E,N`` (degrees, 6 decimals)."""
    w, s, e, n = bounds
    return f"{EXTENT_PREFIX}{w:.6f},{s:.6f} – {e:.6f},{n:.6f}"


def sheet_notes(
    scene: Scene,
    date: dt.date,
    org: str = "",
    scale: int | None = None,
    review_no: str = "",
    extent: Sequence[float] = (0.0, 0.0, 0.0, 0.0),
) -> list[str]:
    """The notes printed under the map: CRS, scale, date, 编制单位, 审图号, printed extent, sources,
    precision."""
    first = f"{CRS_NOTE}　" + (f"比例尺：1:{scale:,}　" if scale else "") + f"制图日期：{date_label(date)}"
    notes = [first + (f"　编制单位：{org}" if org else "") + (f"　审图号：{review_no}" if review_no else "")]
    notes.append(extent_line(extent))
    src = source_note(scene)
    if src:
        notes.append(src)
    notes.append(f"精度说明：{scene.footnote}{APPROX_LEGEND_TEXT}；{PLACEHOLDER_LEGEND_TEXT}。")
    return notes


def _ems(text: str) -> float:
    """A text's width in ems: CJK and full-width characters one, others about half."""
    return sum(1.0 if ord(c) > 0x2E7F else 0.55 for c in text)


def wrap_note(note: str, ems: float) -> list[str]:
    """A note in lines of at most ``ems`` wide, broken between its parts (joined by a full-width space)
    where it can, inside a part only when the part alone is wider."""
    lines: list[str] = []
    line = ""
    for part in note.split("　"):
        joined = f"{line}　{part}" if line else part
        if _ems(joined) <= ems:
            line = joined
            continue
        if line:
            lines.append(line)
        line = ""
        while _ems(part) > ems:  # a part wider than the line: cut it where it reaches the width
            cut = next(i for i in range(1, len(part) + 1) if _ems(part[:i]) > ems) - 1
            lines.append(part[:cut])
            part = part[cut:]
        line = part
    return [*lines, line] if line else lines


def sheet_texts(
    scene: Scene, subtitle: str = "", org: str = "", scale: int | None = None, review_no: str = ""
) -> list[str]:
    """Every text a sheet of ``scene`` prints (checked against the font before drawing)."""
    texts = [
        scene.title,
        subtitle,
        "图例",
        "符号说明",
        APPROX_LEGEND_TEXT,
        PLACEHOLDER_LEGEND_TEXT,
        "北",
        "千米",
        "米",
        STAMP_TEXT,
        INSET_TITLE,
    ]
    texts += [text for text, _, _ in legend_rows(sheet_legend(scene))]
    texts += sheet_notes(scene, dt.date.today(), org, scale, review_no)
    for layer in drawn_layers(scene):
        if layer.spec.label and "name" in layer.data.columns:
            texts += [cell_text(v) for v in layer.data["name"]]
    return texts


# --------------------------------------------------------------------------
# The sheet
# --------------------------------------------------------------------------


def draw_sheet(  # noqa: PLR0913
    scene: Scene,
    *,
    paper: str = "A4",
    subtitle: str = "",
    date: dt.date | None = None,
    labels: bool = True,
    orientation: str = "landscape",
    scale: int | None = None,
    org: str = "",
    review_no: str = "",
    inset: bool = False,
    stamp: bool = False,
) -> Figure:
    """A map sheet of ``scene`` as a matplotlib Figure (title, map, legend, scale, north arrow, notes).

    ``orientation``: landscape or portrait; ``scale``: the map at 1:``scale`` centred on the extent
    (None: fit the extent); ``org``: 编制单位 and ``review_no``: 审图号 in the notes; ``inset``: the
    鹰眼图 (the district, the printed extent outlined); ``stamp``: the 示意图 stamp, drawn only if the
    framed view shows approximate or placeholder features. Bad choices raise :class:`InputError`."""
    check_layout(paper, orientation, scale, org, review_no)
    font = use_cjk_font()
    texts = sheet_texts(scene, subtitle, org, scale, review_no)
    check_glyphs(texts)
    # draw with a TrueType subset (embedded cleanly in PDF), the full font as fallback
    matplotlib.rcParams["font.sans-serif"] = [embeddable_family(texts), font.family, "DejaVu Sans"]
    date = date or dt.date.today()
    width, height = PAPERS[paper]
    if orientation == "portrait":
        width, height = height, width
    size = 7.5 * (height / 8.27) ** 0.5  # base font size in points
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)  # pyplot-free; gives the renderer the label placement measures with
    fig.text(0.02, 0.965, scene.title, fontsize=size * 2.3, fontweight="bold", va="top")
    if subtitle:
        wrapped = "\n".join(textwrap.wrap(subtitle, int(width * 9.5)))
        fig.text(0.02, 0.905, wrapped, fontsize=size * 1.05, va="top", color="#333333")

    def wrap_notes(extent: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)) -> str:
        notes = sheet_notes(scene, date, org, scale, review_no, extent)
        ems = width * 0.95 * 72 / (size * 0.85)  # CJK characters per line (one em each)
        return "\n".join(line for note in notes for line in wrap_note(note, ems))

    wrapped_notes = wrap_notes()  # the extent line's numbers are set once the frame is known
    n_lines = wrapped_notes.count("\n") + 1
    notes_h = 0.022 * n_lines * (8.27 / height) ** 0.3
    map_bottom = 0.02 + notes_h + 0.015
    map_top = 0.86 if subtitle else 0.9
    map_ax = fig.add_axes((0.02, map_bottom, 0.72, map_top - map_bottom))
    legend_ax = fig.add_axes((0.755, map_bottom, 0.235, map_top - map_bottom))
    notes_text = fig.text(
        0.02, 0.02, wrapped_notes, fontsize=size * 0.85, va="bottom", color="#444444", linespacing=1.35
    )
    map_ax.set_facecolor("#f4f6f8")
    map_ax.set_xlabel("")
    map_ax.set_ylabel("")
    map_ax.set_xticks([])
    map_ax.set_yticks([])
    for spine in map_ax.spines.values():
        spine.set_linewidth(0.8)
    pos = map_ax.get_position()
    _set_extent(
        map_ax,
        scene,
        (pos.width * width) / (pos.height * height),
        (scale, pos.width * width) if scale else None,
    )
    xlim, ylim = map_ax.get_xlim(), map_ax.get_ylim()
    frame = shapely_box(xlim[0], ylim[0], xlim[1], ylim[1])
    notes_text.set_text(wrap_notes(frame_bounds_wgs84(frame)))
    weight_scale = (height / 8.27) ** 0.5
    anchors: list[tuple[float, float, str]] = []  # upper (higher z: plan) layers first: they win a collision
    for layer in drawn_layers(scene):
        anchors = _draw_layer(map_ax, layer, weight_scale) + anchors
    map_ax.set_xlim(xlim)
    map_ax.set_ylim(ylim)
    map_ax.set_aspect("equal", adjustable="box")
    map_ax.set_xlabel("")
    map_ax.set_ylabel("")
    if labels:
        _draw_labels(map_ax, anchors, size * 0.95)
    _scale_bar(map_ax, size)
    _north_arrow(map_ax, size)
    _draw_legend(legend_ax, scene, size, frame)
    if stamp and shows_approximate(scene, frame):
        _stamp(map_ax, size)
    if inset:
        _inset(fig, map_ax, scene, frame, size)
    return fig


def frame_bounds_wgs84(frame: BaseGeometry) -> tuple[float, float, float, float]:
    """The WGS84 bounds of a printed frame (a box in EPSG:4548)."""
    minx, miny, maxx, maxy = gpd.GeoSeries([frame], crs=METRIC_EPSG).to_crs(4326).total_bounds
    return (float(minx), float(miny), float(maxx), float(maxy))


def shows_approximate(scene: Scene, frame: BaseGeometry) -> bool:
    """Whether the framed view (a box in EPSG:4548) shows approximate or placeholder features."""
    return any(
        entry.approximate or any(sub.approximate for sub in entry.categories)
        for entry in sheet_legend(scene, frame)
    )


def _stamp(ax: Axes, size: float) -> None:
    """The 示意图 stamp in the map's upper left corner (a red framed word)."""
    ax.text(
        0.02,
        0.97,
        STAMP_TEXT,
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=size * 1.6,
        fontweight="bold",
        color="#c0392b",
        zorder=30,
        gid="rp-stamp",
        bbox={"boxstyle": "square,pad=0.35", "facecolor": "white", "edgecolor": "#c0392b", "linewidth": 1.5},
    )


def _district(scene: Scene) -> gpd.GeoDataFrame:
    for layer in scene.layers:
        if layer.key == "district" and not layer.data.empty:
            return layer.data
    return geodata.load("district")


def _inset(fig: Figure, map_ax: Axes, scene: Scene, frame: BaseGeometry, size: float) -> None:
    """The 鹰眼图: the district in the map's lower right corner, the printed extent outlined in red."""
    pos = map_ax.get_position()
    fw, fh = fig.get_size_inches()
    side = min(pos.width * fw, pos.height * fh) * 0.26  # inches
    w, h = side / fw, side / fh
    ax = fig.add_axes((pos.x1 - w - 0.004, pos.y0 + 0.006, w, h), gid="rp-inset")
    ax.set_zorder(map_ax.get_zorder() + 1)
    district = _metric(_district(scene))
    minx, miny, maxx, maxy = district.total_bounds
    fx0, fy0, fx1, fy1 = frame.bounds
    x0, y0, x1, y1 = min(minx, fx0), min(miny, fy0), max(maxx, fx1), max(maxy, fy1)
    half = max(x1 - x0, y1 - y0) * 0.56
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    district.plot(ax=ax, facecolor="#e8edf2", edgecolor="#555555", linewidth=0.6)
    ax.add_patch(
        Rectangle(
            (fx0, fy0), fx1 - fx0, fy1 - fy0, fill=False, edgecolor="#d62728", linewidth=1.2, gid="rp-frame"
        )
    )
    ax.set_xlim(cx - half, cx + half)
    ax.set_ylim(cy - half, cy + half)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_facecolor("white")
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
    ax.set_title(INSET_TITLE, fontsize=size * 0.85, pad=2)


def check_layout(
    paper: str, orientation: str = "landscape", scale: int | None = None, org: str = "", review_no: str = ""
) -> None:
    """Refuse a print layout that cannot be drawn, in English and Chinese."""
    if paper not in PAPERS:
        raise InputError(
            f"paper must be one of {', '.join(PAPERS)}, not {paper!r}",
            f"纸张须为 {'、'.join(PAPERS)} 之一，不能是“{paper}”。",
        )
    if orientation not in ORIENTATIONS:
        raise InputError(
            f"orientation must be landscape or portrait, not {orientation!r}",
            f"纸张方向须为横向或纵向，不能是“{orientation}”。",
        )
    if scale is not None and not (isinstance(scale, int) and MIN_SCALE <= scale <= MAX_SCALE):
        raise InputError(
            f"scale must be a whole number from {MIN_SCALE} to {MAX_SCALE} (1:N), not {scale!r}",
            f"比例尺分母须为 {MIN_SCALE} 到 {MAX_SCALE} 之间的整数（1:N）。",
        )
    for text, en, zh in ((org, "organisation", "编制单位"), (review_no, "review number", "审图号")):
        if "\n" in text or "\r" in text or len(text) > MAX_ORG_LENGTH:
            raise InputError(
                f"{en} must be one line of at most {MAX_ORG_LENGTH} characters",
                f"{zh}须为一行，最多 {MAX_ORG_LENGTH} 个字。",
            )


def parse_scale(text: str) -> int | None:
    """``"1:10000"``, ``"1：10,000"``, ``"10000"`` → 10000; ``""``/``"fit"``/``"适应"`` → None (fit)."""
    t = str(text).strip().replace("，", "").replace(",", "").replace("：", ":").replace(" ", "")
    if t.lower() in ("", "fit", "适应范围", "适应"):
        return None
    if t.startswith("1:"):
        t = t[2:]
    if not t.isdigit():
        raise InputError(
            f"scale must read 1:N or N (e.g. 1:10000) or fit, not {text!r}",
            f"比例尺应写作 1:N（如 1:10000），不能是“{text}”。",
        )
    n = int(t)
    check_layout("A4", scale=n)
    return n


def parse_extent(text: str) -> tuple[float, float, float, float]:
    """``"W,S,E,N"`` in WGS84 degrees → bounds; refused (English and Chinese) unless four numbers with
    W < E, S < N, longitudes within ±180 and latitudes within ±85."""
    parts = str(text).replace("，", ",").split(",")
    try:
        w, s, e, n = (float(v) for v in parts)
    except ValueError:
        raise InputError(
            f"extent must be four numbers W,S,E,N in WGS84 degrees, not {text!r}",
            f"图幅范围须为四个数 西,南,东,北（WGS84 经纬度），不能是“{text}”。",
        ) from None
    finite = all(v == v and abs(v) != float("inf") for v in (w, s, e, n))
    if not (finite and -180 <= w < e <= 180 and -85 <= s < n <= 85):
        raise InputError(
            f"extent must have west < east within ±180 and south < north within ±85 degrees: {text!r}",
            "图幅范围须西小于东、南小于北，经度在±180°、纬度在±85°以内。",
        )
    return (w, s, e, n)


def _savefig(fig: Figure, target: Path | io.BytesIO, fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"sheet format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    meta = {"Title": fig.texts[0].get_text()} if fig.texts and fmt in ("pdf", "svg") else None
    fig.savefig(target, format=fmt, dpi=PNG_DPI if fmt == "png" else None, metadata=meta)


def save_sheet(fig: Figure, path: Path) -> Path:
    """Write a sheet as PNG (300 dpi), PDF or SVG, chosen by the file's suffix."""
    path = Path(path)
    _savefig(fig, path, path.suffix.lower().lstrip("."))
    return path


def sheet_bytes(fig: Figure, fmt: str) -> bytes:
    """A sheet as the bytes of a PNG (300 dpi), PDF or SVG file (a page's download)."""
    buf = io.BytesIO()
    _savefig(fig, buf, fmt)
    return buf.getvalue()
