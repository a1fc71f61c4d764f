"""Import of renewal sites from a file: read, summarise, check; write only when clean.

:func:`read_sites_file` reads the file with the one reader
(:func:`renewal.io.read.read_vector`: GeoJSON, GeoPackage, Shapefile, CSV/XLSX
with lon/lat), validates every feature with
:func:`renewal.sites.validate.validate_site` and returns an
:class:`ImportResult`: the summary (count, bounds, CRS, fields, geometry
types, problems, notes) and the records ready for a store's ``add_sites``.
A file with any problem is never written: empty, malformed, truncated, null
geometries, outside the district.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from renewal.errors import FileContentError, InputError
from renewal.io.read import VectorFile, read_vector
from renewal.sites.schema import SITE_FIELDS, TEXT_FIELDS, printable, site_column_names
from renewal.sites.validate import validate_site
from renewal.zh import field_label, value_label

#: What a site gets when the file has no such column.
IMPORT_DEFAULTS = {"status": "planned", "precision": "approximate"}
#: GeoPackage layers read by preference when a file has several.
SITE_LAYERS = ("sites", "renewal_sites")
MAX_LISTED_PROBLEMS = 20


@dataclass
class ImportResult:
    """What an import would do. ``ok`` only when ``problems`` is empty."""

    file: str
    count: int = 0
    bounds: tuple[float, float, float, float] | None = None
    crs: str = ""
    crs_zh: str = ""
    fields: list[str] = field(default_factory=list)
    geom_types: dict[str, int] = field(default_factory=dict)
    layer: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)  # (English, Chinese)
    notes: list[tuple[str, str]] = field(default_factory=list)
    records: list[tuple[dict[str, Any], BaseGeometry]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.records)

    def problem(self, en: str, zh: str) -> None:
        self.problems.append((en, zh))

    def summary_en(self) -> str:
        b = ", ".join(f"{v:.5f}" for v in self.bounds) if self.bounds else "-"
        lines = [
            f"File:      {self.file}" + (f" (layer {self.layer})" if self.layer else ""),
            f"Features:  {self.count}",
            f"Geometry:  {', '.join(f'{k} x{v}' for k, v in self.geom_types.items()) or '-'}",
            f"CRS:       {self.crs or '-'}",
            f"Bounds:    {b} (WGS84 lon/lat)",
            f"Fields:    {', '.join(self.fields) or '-'}",
        ]
        lines += [f"Note:      {en}" for en, _ in self.notes]
        if self.problems:
            lines.append(f"Problems:  {len(self.problems)}")
            lines += [f"  - {en}" for en, _ in self.problems[:MAX_LISTED_PROBLEMS]]
            if len(self.problems) > MAX_LISTED_PROBLEMS:
                lines.append(f"  ... and {len(self.problems) - MAX_LISTED_PROBLEMS} more")
        else:
            lines.append("Problems:  none")
        return "\n".join(lines)

    def summary_zh(self) -> str:
        """The summary in Chinese (plain text)."""
        b = ", ".join(f"{v:.5f}" for v in self.bounds) if self.bounds else "—"
        geoms = "，".join(f"{value_label('geom_type', k)} {v}个" for k, v in self.geom_types.items())
        lines = [
            f"文件：{Path(self.file).name}" + (f"（图层 {self.layer}）" if self.layer else ""),
            f"要素数：{self.count}",
            f"几何类型：{geoms or '—'}",
            f"坐标系：{self.crs_zh or self.crs or '—'}",
            f"范围（WGS84经纬度）：{b}",
            f"字段：{'，'.join(field_label(f) for f in self.fields) or '—'}",
        ]
        lines += [f"说明：{zh}" for _, zh in self.notes]
        lines.append(f"问题：{len(self.problems)}处" if self.problems else "问题：无")
        lines += [f"  - {zh}" for _, zh in self.problems[:MAX_LISTED_PROBLEMS]]
        if len(self.problems) > MAX_LISTED_PROBLEMS:
            lines.append(f"  …… 另有{len(self.problems) - MAX_LISTED_PROBLEMS}处")
        return "\n".join(lines)

    def error(self) -> InputError:
        """The refusal to raise when there are problems."""
        return InputError(
            f"{self.file}: {len(self.problems)} problem(s); nothing was imported.",
            f"文件“{Path(self.file).name}”有{len(self.problems)}处问题，未导入任何数据："
            + "；".join(zh for _, zh in self.problems[:5]),
            details=[en for en, _ in self.problems[:MAX_LISTED_PROBLEMS]],
        )


#: ``progress(done, total)``: called while the features are validated (a page's progress bar).
Progress = Callable[[int, int], None]
PROGRESS_EVERY = 500


def read_sites_file(
    path: Path | str, *, coords: str = "wgs84", progress: Progress | None = None
) -> ImportResult:
    """Read and check a file of sites; never writes anything."""
    return _check_sites(path, coords=coords, progress=progress)


def read_sites_bytes(
    data: bytes, filename: str, *, coords: str = "wgs84", progress: Progress | None = None
) -> ImportResult:
    """:func:`read_sites_file` for an upload (the bytes and the uploaded file's name)."""
    return _check_sites(
        bytes(data), coords=coords, filename=Path(filename).name or "upload", progress=progress
    )


def _check_sites(
    source: Path | str | bytes, *, coords: str, filename: str | None = None, progress: Progress | None = None
) -> ImportResult:
    result = ImportResult(file=filename or str(source))
    try:
        read = read_vector(source, what="sites", coords=coords, prefer_layers=SITE_LAYERS, filename=filename)
    except FileContentError as err:  # the file's content: listed in the summary (other errors are raised)
        result.problem(err.message_en, err.message_zh)
        return result
    gdf, raw_props = _site_columns(read, result)
    result.layer, result.crs = read.layer, read.crs
    result.crs_zh = (
        read.declared.label_zh if read.declared is not None and not read.assumed else "未声明，按WGS84读取"
    )
    result.notes.extend(read.notes)
    result.count = len(gdf)
    result.fields = [c for c in gdf.columns if c != gdf.geometry.name]
    result.geom_types = {str(k): int(v) for k, v in gdf.geom_type.fillna("null").value_counts().items()}
    nulls = read.empty_mask
    if nulls.any():
        result.problem(
            f"{int(nulls.sum())} feature(s) have no geometry (null or empty)",
            f"{int(nulls.sum())}个要素没有几何图形（为空）",
        )
    valid_geoms = gdf.geometry[~nulls]
    if len(valid_geoms):
        x0, y0, x1, y1 = (float(v) for v in valid_geoms.total_bounds)
        result.bounds = (x0, y0, x1, y1)
    if "name" not in gdf.columns:
        result.problem("the file has no 'name' field (名称 or name)", "文件缺少名称字段（名称 或 name）")
        return result
    defaults = [(f, v) for f, v in IMPORT_DEFAULTS.items() if f not in gdf.columns]
    if defaults:
        result.notes.append(
            (
                f"missing fields get defaults: {', '.join(f'{f}={v}' for f, v in defaults)}",
                "缺少的字段取默认值："
                + "，".join(f"{field_label(f)}为“{value_label(f, v)}”" for f, v in defaults),
            )
        )
    outside = 0
    name = Path(result.file).name
    raw = raw_props if raw_props and len(raw_props) == len(gdf) else None
    fields = [f for f in SITE_FIELDS if f in gdf.columns]
    rows = pd.DataFrame(gdf[fields]).to_dict("records")  # plain dicts: far faster than iterrows
    empty = nulls.to_numpy()
    for i, (row, geometry) in enumerate(zip(rows, gdf.geometry, strict=True), start=1):
        if progress is not None and (i % PROGRESS_EVERY == 0 or i == len(gdf)):
            progress(i, len(gdf))
        if empty[i - 1]:
            continue
        props = _row_props(row, raw[i - 1] if raw is not None else None, name)
        label = _row_label(props.get("name"))
        try:
            clean, geom, notes = validate_site(props, geometry)
        except InputError as err:
            if "outside Hedong" in err.message_en:
                outside += 1
            result.problem(
                f"feature {i}{f' ({label})' if label else ''}: {err.message_en}",
                f"第{i}个要素{f'（{label}）' if label else ''}：{err.message_zh}",
            )
            continue
        for n in notes:
            result.notes.append((f"feature {i}: {n}", f"第{i}个要素：几何已自动修复"))
        result.records.append((clean, geom))
    if outside:
        result.notes.append(
            (
                f"{outside} feature(s) lie outside the district: wrong place or wrong coordinate "
                "system? Try --coords gcj02 or bd09 for web-map coordinates.",
                f"{outside}个要素位于区外：位置或坐标系可能有误",
            )
        )
    return result


def _site_columns(
    read: VectorFile, result: ImportResult
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]] | None]:
    """The file's features with 名称, 状态 … (or our own export headers) read as the site fields they name,
    and the raw GeoJSON properties renamed alike; a note says what was mapped."""
    gdf, raw_props = read.gdf, read.raw_properties
    renamed = site_column_names([c for c in gdf.columns if c != gdf.geometry.name])
    if not renamed:
        return gdf, raw_props
    if raw_props:
        raw_props = [{renamed.get(k, k): v for k, v in p.items()} for p in raw_props]
    result.notes.append(
        (
            "columns read as site fields: " + ", ".join(f"{c} -> {f}" for c, f in renamed.items()),
            "已识别的字段："
            + "、".join(
                str(c) if c == field_label(f) else f"{c}→{field_label(f)}" for c, f in renamed.items()
            ),
        )
    )
    return gdf.rename(columns=renamed), raw_props


def _row_props(row: dict[str, Any], raw: dict[str, Any] | None, file_name: str) -> dict[str, Any]:
    """The site fields of one feature, with the defaults of an import; text as the file has it when known
    (``raw``: a NUL, a list or an object is seen, not flattened by the reader)."""
    props = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
    if raw is not None:
        props.update({f: raw[f] for f in TEXT_FIELDS if f in raw})
    for f, v in IMPORT_DEFAULTS.items():
        props.setdefault(f, v)
    if not props.get("position_source"):
        props["position_source"] = f"导入自文件 {file_name}，文件未说明定位依据"
    if not props.get("source"):
        props["source"] = f"导入：{file_name}"
    return props


def _row_label(name: object) -> str:
    """A row's name for a message: text only, control characters shown as U+FFFD, at most 40
    characters; empty for a missing or non-text name."""
    if not isinstance(name, str) or not name.strip():
        return ""
    text = printable(name)
    return text[:40] + ("…" if len(text) > 40 else "")


def check_ids(result: ImportResult, existing_ids: Iterable[str]) -> ImportResult:
    """Add a problem for ids repeated within the file and for ids already in the workspace (imports only add).

    ``existing_ids`` should be the ids of :func:`renewal.storage.current_sites` (the bundled catalogue
    when there is no store yet: the first write seeds the store from it). Records without a
    ``site_id`` get a new one on import and are never a clash.
    """
    existing = set(existing_ids)
    ids = [str(p.get("site_id") or "").strip() for p, _ in result.records]
    ids = [i for i in ids if i]
    seen: set[str] = set()
    again: set[str] = set()
    for i in ids:
        if i in seen:
            again.add(i)
        seen.add(i)
    repeated = sorted(again)
    if repeated:
        shown = ", ".join(repeated[:10]) + (" ..." if len(repeated) > 10 else "")
        result.problem(
            f"{len(repeated)} site id(s) are repeated in the file ({shown}); each site needs its own id. "
            "Fix the ids or empty the site_id column to get new ones.",
            f"{len(repeated)}个项目编号在文件中重复出现（{shown}）；每个项目的编号须唯一。请修改编号，或清空编号列以自动编号。",
        )
    clash = sorted({i for i in ids if i in existing})
    if clash:
        shown = ", ".join(clash[:10]) + (" ..." if len(clash) > 10 else "")
        result.problem(
            f"{len(clash)} site id(s) already exist in the workspace ({shown}); an import only adds sites. "
            "Remove or empty the site_id column to add them as new sites.",
            f"{len(clash)}个项目编号在工作区中已存在（{shown}）；导入只能新增项目。如需作为新项目导入，请删除或清空site_id列。",
        )
    return result
