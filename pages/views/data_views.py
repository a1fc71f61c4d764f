"""Pure helpers of the 数据管理 page: summary rows, problem table, placements, the layer list (no streamlit)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from renewal.crs import CRS_ALIASES, CRS_LABELS_ZH, parse_crs
from renewal.io import plausibility
from renewal.io.export import EXPORT_CRS, LAYER_FORMATS
from renewal.layer_import import LayerCheck
from renewal.storage.layers import KIND_LABELS, ImportedLayer
from renewal.zh import beijing_time

AUTO = "auto"
#: the coordinate-system choices of the upload form (auto = the file's own, else WGS84)
CRS_CHOICES = (AUTO, *CRS_ALIASES)
KINDS = ("reference", "zones", "population")
#: Chinese headers of the fields the importers set (CSV/XLSX exports); a planner's own fields keep their names
FIELD_HEADERS = {"name": "名称", "population": "人口"}
UPLOAD_TYPES = ["geojson", "json", "gpkg", "zip", "kml", "kmz", "csv", "xlsx", "tif", "tiff"]


def default_layer_code(kind: str, filename: str, store) -> str:
    """The code a new layer is offered: its kind (zones, population), or ``ref_`` + the file name's
    ASCII letters and digits; a file named in Chinese gets the first free ``ref_1``, ``ref_2`` …"""
    if kind != "reference":
        return kind
    stem = "".join(
        ch for ch in filename.rsplit(".", 1)[0].lower() if ch.isascii() and (ch.isalnum() or ch == "_")
    )
    if stem.strip("_"):
        return ("ref_" + stem)[:40]
    n = 1
    while store.get(f"ref_{n}") is not None:
        n += 1
    return f"ref_{n}"


def crs_label(name: str) -> str:
    if name == AUTO:
        return "自动（按文件自带坐标系；无则按WGS84）"
    return CRS_LABELS_ZH.get(name, name)


def placement_label(p: plausibility.Placement) -> str:
    where = "区内" if p.distance_m == 0 else f"距河东区{p.distance_m / 1000:.1f}公里"
    match = "" if p.match_m != p.match_m else f"，与区界/地铁站参考数据相差约{p.match_m:.0f}米"
    return f"按{p.label_zh}：{where}{match}"


def summary_rows(check: LayerCheck) -> pd.DataFrame:
    r = check.read
    b = check.bounds
    rows = [
        ("文件", check.file + (f"（图层 {r.layer}）" if r and r.layer else "")),
        ("导入为", KIND_LABELS.get(check.kind, check.kind)),
        ("要素数", str(check.count)),
        ("坐标系", r.declared.label_zh if r and r.declared and not r.assumed else "未声明，按WGS84读取"),
        ("范围（WGS84）", "" if b is None else f"{b[0]:.5f}, {b[1]:.5f} — {b[2]:.5f}, {b[3]:.5f}"),
        ("字段", "、".join(map(str, check.fields))),
    ]
    rows += [("说明", zh) for _, zh in check.notes]
    return pd.DataFrame(rows, columns=["项目", "内容"])


def problem_rows(check: LayerCheck) -> pd.DataFrame:
    return pd.DataFrame({"问题": [zh for _, zh in check.problems]})


def alternatives(check: LayerCheck) -> list[tuple[str, gpd.GeoSeries]]:
    """Other placements worth showing (the suggestion of the plausibility check), as (label, WGS84 geometries)."""
    if check.read is None or check.read.raw is None or check.verdict is None:
        return []
    raw = check.read.raw[~check.read.empty_mask]
    return [(placement_label(p), plausibility.place_as(raw, p.name)) for p in check.verdict.suggestions[:2]]


def suggestion_choice(p: plausibility.Placement) -> str | None:
    """The upload form's CRS choice that reads the data as ``p`` (None: no such choice, e.g. swapped)."""
    if p.name == plausibility.SWAPPED:
        return None
    target = parse_crs(p.name)
    if target.web:
        return target.web
    return next((k for k, v in CRS_ALIASES.items() if v == target.epsg), None)


def layer_table(layers: list[ImportedLayer]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "图层名": lyr.name,
                "标题": lyr.title,
                "类别": KIND_LABELS.get(lyr.kind, lyr.kind),
                "要素数": lyr.count,
                "原坐标系": lyr.crs,
                "来源文件": lyr.source_file,
                "导入时间（北京时间）": beijing_time(lyr.imported_at),
                "导入人": lyr.who,
            }
            for lyr in layers
        ],
        columns=[
            "图层名",
            "标题",
            "类别",
            "要素数",
            "原坐标系",
            "来源文件",
            "导入时间（北京时间）",
            "导入人",
        ],
    )


def file_table(files: list[ImportedLayer]) -> pd.DataFrame:
    """The shared workspace files (facility inventory, walking network): who saved them, when, which version."""
    return pd.DataFrame(
        [
            {
                "数据": KIND_LABELS.get(f.kind, f.kind),
                "数量": f.count,
                "来源文件": f.source_file,
                "保存时间（北京时间）": beijing_time(f.imported_at),
                "保存人": f.who,
                "版本": f.version,
            }
            for f in files
        ],
        columns=["数据", "数量", "来源文件", "保存时间（北京时间）", "保存人", "版本"],
    )


ACTIONS_ZH = {"import": "导入", "replace": "替换", "remove": "删除", "style": "修改样式", "undo": "撤销"}


def undone_text(done: dict | None) -> str:
    """What 撤销我的上一次修改 did, in Chinese (plain text: the layer name comes from data)."""
    if done is None:
        return "您还没有可撤销的图层修改。"
    return f"已撤销您对图层“{done['name']}”的上一次修改（{ACTIONS_ZH.get(done['action'], done['action'])}）。"


def history_table(rows: list[dict]) -> pd.DataFrame:
    """The layer history, newest first: when, who, what."""
    return pd.DataFrame(
        [
            {
                "时间（北京时间）": beijing_time(r["at"]),
                "操作人": r["who"],
                "操作": ACTIONS_ZH.get(r["action"], r["action"]),
                "名称": r["name"],
                "类别": KIND_LABELS.get(r["kind"], r["kind"]),
                "来源文件": r["source_file"],
                "要素数": r["count"],
                "版本": r["version"],
            }
            for r in rows
        ],
        columns=["时间（北京时间）", "操作人", "操作", "名称", "类别", "来源文件", "要素数", "版本"],
    )


def export_choices() -> tuple[dict[str, str], dict[str, str]]:
    """(format -> Chinese name, crs -> Chinese name) for the export form."""
    return {f: v[2] for f, v in LAYER_FORMATS.items()}, {c: CRS_LABELS_ZH[c] for c in EXPORT_CRS}
