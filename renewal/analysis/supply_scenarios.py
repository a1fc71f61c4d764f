"""Supply-and-demand scenarios a planner saves and compares side by side (issue #19).

A scenario is the figures of one run (:mod:`renewal.analysis.supply_ledger` indicators and the zones'
gaps) under a name the planner gives, with the category, method, demand source, who saved it and when
(UTC, shown as 北京时间). They are kept in the store (:mod:`renewal.storage.scenarios`, with versions and
history): a planner saves the current state, changes the inventory (a new school with its 学位, a closed
care home), saves again, and compares. Older versions kept them in ``supply/scenarios.json``
(:func:`load_scenarios` reads that file once, when the store moves them in).

:func:`compare` lays several scenarios out side by side: one row per indicator (and per zone's gap),
one column per scenario, and the change of each against the first (the baseline).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from renewal.analysis.supply_ledger import indicators, sheet_name, zone_rows
from renewal.analysis.supply_report import METHOD_ZH, SupplyResult
from renewal.errors import InputError
from renewal.settings import workspace_dir
from renewal.standards import Standards, load_standards

#: A scenario record: plain JSON values (name, who, saved_at, indicators, zones, ...; see :func:`scenario_record`).
Scenario = dict[str, Any]

MAX_NAME = 40


def scenarios_path(workspace: Path | None = None) -> Path:
    """The old scenarios file (read once, to move its scenarios into the store)."""
    return (workspace or workspace_dir()) / "supply" / "scenarios.json"


def check_name(name: object) -> str:
    """A scenario's name, trimmed; refused when empty, too long or with control characters."""
    text = str(name or "").strip()
    if not text or len(text) > MAX_NAME or any(ord(c) < 32 for c in text):
        raise InputError(
            f"A scenario needs a name of 1 to {MAX_NAME} characters without control characters.",
            f"情景名称须为1至{MAX_NAME}个字符（不含控制字符）。",
        )
    return text


def scenario_record(
    res: SupplyResult,
    name: str,
    *,
    who: str,
    standards: Standards | None = None,
    when: datetime | None = None,
) -> Scenario:
    """One run's figures as a scenario record (plain JSON values)."""
    std = standards or load_standards()
    ind = indicators(res, std)
    zones = zone_rows(res)
    return {
        "name": check_name(name),
        "set": sheet_name(res, std),
        "category": res.category,
        "method": METHOD_ZH[res.method],
        "demand": res.demand.source_zh,
        "bed_rate": None
        if res.demand.rate is None
        else {"value": res.demand.rate.value, "source": res.demand.rate.source_zh},
        "who": str(who),
        "saved_at": (when or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
        "indicators": [
            [
                str(r["指标"]),
                None if r["数值"] is None or pd.isna(r["数值"]) else float(r["数值"]),
                str(r["单位"]),
            ]
            for _, r in ind.iterrows()
        ],
        "zones": []
        if zones is None
        else [[str(z), float(g)] for z, g in zip(zones["分区"], zones["缺口"], strict=True)],
    }


def load_scenarios(workspace: Path | None = None) -> list[Scenario]:
    path = scenarios_path(workspace)
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"Cannot read the saved scenarios {path}: {exc}", "无法读取已保存的供需情景。"
        ) from exc
    return [d for d in data if isinstance(d, dict) and "name" in d and "indicators" in d]


def rate_label(record: Scenario) -> str:
    """The beds-per-1,000 rate a scenario was computed with, in Chinese (none: one bed per person)."""
    rate = record.get("bed_rate")
    if not rate:
        return "未采用千人床位标准（按每人1张计，上限）"
    return f"每千名老年人{float(rate['value']):g}张（{rate['source']}）"


def rate_mismatch(records: list[Scenario]) -> str | None:
    """A Chinese warning when the scenarios' bed demands use different beds-per-1,000 rates, else None:
    their demand and gap differ by the rate, not only by the facilities."""
    labels = [rate_label(r) for r in records]
    if len(set(labels)) < 2:
        return None
    each = "；".join(f"“{r['name']}”：{lb}" for r, lb in zip(records, labels, strict=True))
    return f"所选情景的床位需求按不同的每千名老年人床位标准计算，需求与缺口的变化部分来自标准不同：{each}。"


def _changes_text(record: Scenario) -> str:
    changes = record.get("changes") or []
    if not changes:
        return "无（保存时的设施清单）"
    return "；".join(
        f"{c.get('action', '')}：{c.get('name', '')}（容量{float(c.get('capacity', 0)):g}）" for c in changes
    )


def scenario_sheet(
    records: list[Scenario], labels: list[str], *, beijing_time: Callable[[Any], str]
) -> pd.DataFrame:
    """Which scenarios a comparison shows: per scenario its label, name, who saved it and when (北京时间, by
    ``beijing_time``: ``renewal.zh.beijing_time``, which analysis may not import), version, method, demand
    source, bed rate and facility changes (e.g. the new sites of a siting)."""
    return pd.DataFrame(
        [
            {
                "情景": label,
                "名称": rec["name"],
                "角色": "基准" if i == 0 else "对比",
                "保存人": rec.get("who", ""),
                "保存时间（北京时间）": beijing_time(rec.get("saved_at")),
                "版本": rec.get("version"),
                "计算方法": rec.get("method", ""),
                "需求来源": rec.get("demand", ""),
                "床位标准": rate_label(rec) if str(rec.get("set", "")).endswith("床位") else "",
                "设施变化": _changes_text(rec),
            }
            for i, (rec, label) in enumerate(zip(records, labels, strict=True))
        ]
    )


def compare(records: list[Scenario], labels: list[str]) -> pd.DataFrame:
    """Side by side: 指标, 单位, one column per scenario headed by its label (e.g. name and 北京时间), then
    较“baseline”变化 for each other scenario (the first is the baseline). Zones' gaps are rows
    ``分区缺口：<zone>``; a figure a scenario lacks is empty."""
    if not records:
        return pd.DataFrame(columns=["指标", "单位"])
    rows: dict[str, dict[str, Any]] = {}
    units: dict[str, str] = {}
    for rec, label in zip(records, labels, strict=True):
        for ind, value, unit in rec["indicators"]:
            rows.setdefault(ind, {})[label] = value
            units.setdefault(ind, unit)
        for zone, gap in rec.get("zones", []):
            key = f"分区缺口：{zone}"
            rows.setdefault(key, {})[label] = gap
            units.setdefault(key, next((u for i, _, u in rec["indicators"] if i.endswith("缺口数")), ""))
    out = pd.DataFrame(
        [{"指标": k, "单位": units[k], **{lb: v.get(lb) for lb in labels}} for k, v in rows.items()]
    )
    base = labels[0]
    for lb in labels[1:]:
        a = pd.to_numeric(out[lb], errors="coerce")
        b = pd.to_numeric(out[base], errors="coerce")
        out[f"较“{records[0]['name']}”变化（{records[labels.index(lb)]['name']}）"] = np.round(a - b, 1)
    return out


def zone_changes(records: list[Scenario]) -> pd.DataFrame:
    """Per zone, the gap of the first scenario (the baseline) and of the last, and the change (last minus
    baseline; below 0: places or beds gained within reach, above 0: lost). A zone only one of them has
    gets no change (NaN)."""
    cols = ["zone", "baseline_gap", "gap", "change"]
    if len(records) < 2:
        return pd.DataFrame(columns=cols)
    base = {str(z): float(g) for z, g in records[0].get("zones", [])}
    last = {str(z): float(g) for z, g in records[-1].get("zones", [])}
    zones = list(dict.fromkeys([*base, *last]))
    rows = [(z, base.get(z, np.nan), last.get(z, np.nan)) for z in zones]
    out = pd.DataFrame(rows, columns=cols[:3])
    out["change"] = np.round(out["gap"] - out["baseline_gap"], 1)
    return out
