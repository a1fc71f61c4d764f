"""Bundled data: files, a manifest that says where each came from, and a loader
that validates what it loads.

Use :func:`load` to get a layer as a GeoDataFrame in WGS84; it raises
:class:`GeodataError` with an English and a Chinese message when a file is
missing, not WGS84, lacks required fields or has invalid geometries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from renewal.errors import InputError

if TYPE_CHECKING:  # imported when a layer is loaded, not with the catalogue
    import geopandas as gpd
    import pandas as pd

ROOT = Path(__file__).resolve().parent
MANIFEST_PATH = ROOT / "manifest.yaml"

#: Fields every plan-derived feature carries (data honesty rules).
PLAN_FIELDS = (
    "name",
    "category",
    "plan_clause",
    "plan_text",
    "status",
    "precision",
    "position_source",
)

#: Allowed values of ``status`` with their Chinese labels.
STATUS_LABELS = {
    "existing": "已建成",
    "under_construction": "在建",
    "planned": "规划",
    "ongoing": "持续推进",
}

#: Allowed values of ``precision`` with their Chinese labels. Features whose
#: precision is in :data:`APPROXIMATE_PRECISIONS` are drawn as approximate
#: (dashed outline, hollow marker, 位置示意 in the popup); ``derived`` real data
#: (e.g. the district boundary converted from GCJ-02) is drawn solid with its
#: caveat in the popup.
PRECISION_LABELS = {
    "surveyed": "测绘",
    "osm": "OSM",
    "derived": "推算（来自真实数据）",
    "geocoded": "地理编码",
    "approximate": "位置示意",
    "schematic": "示意范围",
    "placeholder": "位置待定（占位示意）",
}
APPROXIMATE_PRECISIONS = frozenset({"geocoded", "approximate", "schematic", "placeholder"})
#: The plan names the item but gives no place: its point only stands in (drawn dotted, 位置待定,
#: left out of siting by default).
PLACEHOLDER_PRECISIONS = frozenset({"placeholder"})

#: Chinese labels of the ``confidence`` values of derived real layers (e.g. the Haihe line).
CONFIDENCE_LABELS = {"high": "高", "medium": "中", "low": "低"}


class GeodataError(InputError):
    """A bundled layer failed validation."""


@dataclass(frozen=True)
class LayerMeta:
    """One manifest entry."""

    name: str
    file: str
    title_zh: str
    kind: str  # "real" or "plan" or "table"
    source: str
    licence: str
    crs: str
    date: str
    precision: str
    caveat_zh: str = ""
    required_fields: tuple[str, ...] = field(default_factory=tuple)
    redistribute: bool = True  # False: proprietary source or no licence, may not be passed on

    @property
    def path(self) -> Path:
        return ROOT / self.file


@lru_cache(maxsize=1)
def manifest() -> dict[str, LayerMeta]:
    """All manifest entries by name."""
    raw = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    out: dict[str, LayerMeta] = {}
    for entry in raw["layers"]:
        entry = dict(entry)
        entry["required_fields"] = tuple(entry.get("required_fields", ()))
        meta = LayerMeta(**entry)
        if meta.name in out:
            raise GeodataError(
                f"Duplicate layer name in manifest: {meta.name}",
                f"数据清单中图层名重复：{meta.name}",
            )
        out[meta.name] = meta
    return out


def not_redistributable() -> list[LayerMeta]:
    """The bundled files that may not be redistributed (``redistribute: false`` in the manifest)."""
    return [m for m in manifest().values() if not m.redistribute]


def meta(name: str) -> LayerMeta:
    try:
        return manifest()[name]
    except KeyError:
        raise GeodataError(f"Unknown bundled layer: {name!r}", f"未知的内置图层：{name!r}") from None


def path(name: str) -> Path:
    """Absolute path of a bundled file."""
    return meta(name).path


def validate(gdf: gpd.GeoDataFrame, m: LayerMeta) -> gpd.GeoDataFrame:
    """Check a loaded layer against its manifest entry; raise GeodataError if it fails."""
    problems: list[str] = []
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        problems.append(f"CRS is {gdf.crs}, expected EPSG:4326")
    missing = [f for f in m.required_fields if f not in gdf.columns]
    if missing:
        problems.append(f"missing fields: {', '.join(missing)}")
    if len(gdf) == 0:
        problems.append("no features")
    if gdf.geometry.isna().any() or gdf.geometry.is_empty.any():
        problems.append("null or empty geometries")
    else:
        bad = (~gdf.geometry.is_valid).sum()
        if bad:
            problems.append(f"{bad} invalid geometries")
    if m.kind == "plan" and not problems:
        for col, allowed in (("status", STATUS_LABELS), ("precision", PRECISION_LABELS)):
            wrong = sorted(set(gdf[col].dropna()) - set(allowed))
            if wrong:
                problems.append(f"unknown {col} values: {wrong}")
        empty = [
            f for f in PLAN_FIELDS if gdf[f].isna().any() or (gdf[f].astype(str).str.strip() == "").any()
        ]
        if empty:
            problems.append(f"empty values in: {', '.join(empty)}")
    if problems:
        raise GeodataError(
            f"Bundled layer {m.name!r} ({m.file}) failed validation: " + "; ".join(problems),
            f"内置图层“{m.title_zh}”（{m.file}）校验失败：" + "；".join(problems),
            details=problems,
        )
    return gdf


@cache
def _load_cached(name: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    m = meta(name)
    if not m.path.exists():
        raise GeodataError(f"Bundled file missing: {m.file}", f"内置数据文件缺失：{m.file}")
    try:
        gdf = gpd.read_file(m.path)
    except Exception as exc:  # pyogrio raises several types for broken files
        raise GeodataError(
            f"Cannot read bundled file {m.file}: {exc}",
            f"无法读取内置数据文件 {m.file}：{exc}",
        ) from exc
    return validate(gdf, m)


def load(name: str) -> gpd.GeoDataFrame:
    """Load a bundled vector layer as a validated GeoDataFrame (a copy, safe to modify)."""
    return _load_cached(name).copy()


def load_table(name: str) -> pd.DataFrame:
    """Load a bundled CSV table (for example subdistrict codes)."""
    import pandas as pd

    m = meta(name)
    return pd.read_csv(m.path, dtype=str)
