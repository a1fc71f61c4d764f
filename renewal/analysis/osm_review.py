"""The planner's review of an OpenStreetMap import: decisions by OSM id, kept in the workspace.

The import report (:func:`renewal.analysis.osm_import.report_tables`) has a 审核意见 column on its
facility, not-classified and not-counted sheets. A planner writes there a category (its Chinese
name, e.g. 小学, or several joined by 、) or 不计入; :func:`decisions_from_report` reads them back,
:func:`renewal.storage.shared_files.save_osm_review` keeps them in ``facilities/osm_review.json`` (recorded like the inventory) and every later import applies
them again (:func:`load_decisions`), so a newer extract is corrected once for good. A decision
names OSM objects (``n123``, ``w45``, ``r6``), not rows, and replaces whatever the rules said.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pandas as pd

from renewal.errors import InputError
from renewal.io.atomic import write_bytes_atomic
from renewal.settings import workspace_dir
from renewal.standards import Standards

if TYPE_CHECKING:
    import geopandas as gpd

REVIEW_COLUMN = "审核意见"
ID_COLUMN = "OSM编号"
EXCLUDE_WORDS = ("不计入", "排除", "删除")
REVIEW_REASON = "规划人员审核"
#: The sheets of the import report that carry a 审核意见 column.
REVIEW_SHEETS = ("设施及归类依据", "无法归类的对象", "不计入的对象")
_OSM_ID = re.compile(r"^[nwr]\d+$")


def decisions_path(workspace: Path | None = None) -> Path:
    return Path(workspace if workspace is not None else workspace_dir()) / "facilities" / "osm_review.json"


def load_decisions(workspace: Path | None = None) -> dict[str, tuple[str, ...]]:
    """The stored decisions: OSM id -> categories (empty = not counted)."""
    path = decisions_path(workspace)
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"Cannot read the stored review decisions {path}: {exc}",
            f"无法读取已保存的审核意见 {path}：{exc}",
        ) from exc
    return {str(k): tuple(map(str, v)) for k, v in raw.items()}


def write_decisions(decisions: dict[str, tuple[str, ...]], path: Path) -> Path:
    """Write review decisions to ``path`` (atomically). Recorded for a person through
    :func:`renewal.storage.shared_files.save_osm_review`, which calls this."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    data = {k: list(v) for k, v in sorted(decisions.items())}
    return write_bytes_atomic(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def parse_decision(value: object, standards: Standards) -> tuple[str, ...] | None:
    """``小学、初中`` -> (primary_school, middle_school); ``不计入`` -> (); empty -> None; else ValueError."""
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()
    if not text:
        return None
    if text in EXCLUDE_WORDS:
        return ()
    keys: list[str] = []
    for part in re.split(r"[、,，;；/]", text):
        key = standards.resolve(part.strip())
        if key is None:
            raise ValueError(part.strip())
        keys.append(key)
    return tuple(dict.fromkeys(keys))


def decisions_from_report(
    source: str | os.PathLike[str] | bytes | IO[bytes], standards: Standards
) -> dict[str, tuple[str, ...]]:
    """The 审核意见 of a reviewed import report (.xlsx path or bytes), by OSM id."""
    try:
        sheets = pd.read_excel(source, sheet_name=None, dtype=str)
    except Exception as exc:
        raise InputError(
            f"Cannot read the reviewed report: {exc}", f"无法读取审核后的导入报告：{exc}"
        ) from exc
    found: dict[str, tuple[str, ...]] = {}
    bad: list[str] = []
    for name in REVIEW_SHEETS:
        df = sheets.get(name)
        if df is None or REVIEW_COLUMN not in df.columns or ID_COLUMN not in df.columns:
            continue
        for oid, value in zip(df[ID_COLUMN], df[REVIEW_COLUMN], strict=True):
            try:
                d = parse_decision(value, standards)
            except ValueError as exc:
                bad.append(f"{oid}: {exc.args[0]}")
                continue
            if d is None:
                continue
            if not isinstance(oid, str) or not _OSM_ID.match(oid.strip()):
                bad.append(f"{oid}")
                continue
            oid = oid.strip()
            found[oid] = tuple(dict.fromkeys((*found.get(oid, ()), *d))) if d else ()
    if bad:
        names = "、".join(c.name_zh for c in standards.categories.values())
        raise InputError(
            f"Review values not understood (a category name or 不计入): {bad[:10]}",
            f"以下审核意见无法识别（请填写设施类别或“不计入”，类别可选：{names}）：{bad[:10]}",
        )
    if not any(
        REVIEW_COLUMN in (sheets.get(n) if sheets.get(n) is not None else pd.DataFrame()).columns
        for n in REVIEW_SHEETS
    ):
        raise InputError(
            f"The file has no {REVIEW_COLUMN} column: is it an import report (import-osm --report)?",
            f"文件中没有“{REVIEW_COLUMN}”列：是否为 OSM 导入报告？",
        )
    return found


def osm_id_of(facility_id: str) -> str:
    """``osm:n12:primary_school`` -> ``n12``; "" for a facility not from OpenStreetMap."""
    parts = str(facility_id).split(":")
    return parts[1] if len(parts) >= 2 and parts[0] == "osm" and _OSM_ID.match(parts[1]) else ""


def apply_to_facilities(
    fac: gpd.GeoDataFrame, decisions: dict[str, tuple[str, ...]], standards: Standards
) -> tuple[gpd.GeoDataFrame, set[str]]:
    """The workspace facilities with the decisions applied at once (a category changed, or the
    facility removed); returns (facilities, OSM ids applied). Objects not among them (not
    classified, not counted) take effect at the next import, which has their positions."""
    import geopandas as gpd

    ids = fac["facility_id"].map(osm_id_of)
    hit = ids.isin(decisions.keys()) & (ids != "")
    keep = fac[~hit]
    rows = []
    for oid, group in fac[hit].groupby(ids[hit], sort=False):
        first = group.iloc[0]
        cats = decisions[oid]
        for c in cats:
            r = first.copy()
            r["facility_id"] = f"osm:{oid}" if len(cats) == 1 else f"osm:{oid}:{c}"
            r["category"] = c
            r["name_zh"] = standards.categories[c].name_zh
            r["class_rule"] = REVIEW_REASON
            rows.append(r)
    out = pd.concat([keep, pd.DataFrame(rows)], ignore_index=True) if rows else keep.reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=fac.geometry.name, crs=fac.crs), set(ids[hit])
