"""Classes for a thematic map (专题图): a numeric field in classes (equal interval, quantile), or a text
field by its values.

Pure numbers and labels; colours are the map's business (:mod:`layers.thematic`). A class label reads
``下限 – 上限`` in the field's own units; the last class includes its upper bound. Values that are not
numbers (empty cells, text in a numeric column) are put in a class of their own, 无数据, never guessed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from renewal.errors import InputError

EQUAL_INTERVAL, QUANTILE, CATEGORIES = "equal", "quantile", "categories"
#: Categories coloured by the workspace's land-use colour table (:mod:`renewal.landuse_colors`).
BY_TABLE = "landuse_table"
METHOD_LABELS = {
    EQUAL_INTERVAL: "等间距分级",
    QUANTILE: "分位数分级",
    CATEGORIES: "按类别（文本字段）",
    BY_TABLE: "按用地分类配色表",
}
MIN_CLASSES, MAX_CLASSES = 2, 9
#: At most this many categories get their own colour; the rest are 其他.
MAX_CATEGORIES = 12
NO_DATA = "无数据"
OTHER = "其他"


def numeric_values(series: pd.Series) -> pd.Series:
    """The field as numbers (NaN where a cell is not one)."""
    return pd.to_numeric(series, errors="coerce")


def is_numeric(series: pd.Series) -> bool:
    """Whether a field can be classed: at least two cells that are numbers."""
    return int(numeric_values(series).notna().sum()) >= 2


def breaks(values: pd.Series, method: str, n: int) -> list[float]:
    """``n + 1`` ascending class bounds of the numeric ``values`` (duplicates removed for quantiles)."""
    if not MIN_CLASSES <= n <= MAX_CLASSES:
        raise InputError(
            f"The number of classes must be {MIN_CLASSES} to {MAX_CLASSES}, not {n}",
            f"分级数须在 {MIN_CLASSES} 到 {MAX_CLASSES} 之间。",
        )
    nums = numeric_values(values).dropna().to_numpy(dtype=float)
    if len(nums) == 0:
        raise InputError("The field has no numbers to classify.", "该字段没有可分级的数值。")
    lo, hi = float(nums.min()), float(nums.max())
    if method == EQUAL_INTERVAL:
        edges = list(np.linspace(lo, hi, n + 1))
    elif method == QUANTILE:
        edges = list(np.quantile(nums, np.linspace(0, 1, n + 1)))
    else:
        raise InputError(f"Unknown classification {method!r}", f"未知的分级方法：{method}")
    out = [edges[0]]
    for e in edges[1:]:
        if e > out[-1]:
            out.append(float(e))
    if len(out) == 1:  # every value the same: one class
        out.append(out[0])
    return out


def _num(v: float) -> str:
    return f"{v:,.6g}" if abs(v) < 1e6 else f"{v:,.0f}"


def class_labels(edges: list[float]) -> list[str]:
    return [f"{_num(a)} – {_num(b)}" for a, b in zip(edges[:-1], edges[1:], strict=True)]


def classify(values: pd.Series, method: str, n: int = 5) -> tuple[pd.Series, list[str]]:
    """Each value's class label, and the labels in order (low to high; 无数据 last when present).

    For :data:`CATEGORIES` the classes are the values themselves, most frequent first (at most
    :data:`MAX_CATEGORIES`, the rest 其他), empty cells 无数据."""
    if method == CATEGORIES:
        text = values.map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v))
        counts = text[text != ""].value_counts(sort=True)
        keep = list(counts.index[:MAX_CATEGORIES])
        labels = text.map(lambda t: NO_DATA if t == "" else (t if t in keep else OTHER))
        order = keep + [x for x in (OTHER, NO_DATA) if (labels == x).any()]
        return labels, order
    edges = breaks(values, method, n)
    names = class_labels(edges)
    nums = numeric_values(values)
    idx = np.searchsorted(edges[1:-1], nums.to_numpy(dtype=float), side="right")
    labels = pd.Series(
        [NO_DATA if v != v else names[min(i, len(names) - 1)] for v, i in zip(nums, idx, strict=True)],
        index=values.index,
    )
    return labels, names + ([NO_DATA] if (labels == NO_DATA).any() else [])
