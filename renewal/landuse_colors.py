"""An office's land-use colour table (用地分类配色表) and colouring a field of land-use codes by it.

A table is rows of 代码 (a land-use code such as ``R2``, ``0701``), 名称 and 颜色 (``#RRGGBB`` or
``R,G,B``), read from a planner's CSV or XLSX by :func:`read_color_table`. Every row is checked before
anything is kept: a colour that is not one, an empty or repeated code (codes compare without surrounding
spaces and case) refuses the whole table with a Chinese message per row.

:func:`match` gives a value's row: the exact code, else the nearest parent code, found by dropping the
last character (``R21`` -> ``R2`` -> ``R``; ``0701`` -> ``070`` -> ``07``). No colour is made up for a
value without a row: :func:`classes_by_table` puts those in one 未匹配 class.

No official colour table is bundled: no copy of the classification's colour appendix (自然资源部
《国土空间调查、规划、用途管制用地用海分类指南》, GB/T 21010) could be verified from a citable source, so
colours come only from a table the planner loads.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from renewal.errors import InputError
from renewal.settings import workspace_dir

#: Column headers a table must have (Chinese, as planners write them).
CODE, NAME, COLOR = "代码", "名称", "颜色"
#: Longest accepted table (rows) and upload (bytes): a classification has a few hundred codes.
MAX_ENTRIES = 1000
MAX_BYTES = 2_000_000
MAX_TEXT = 100
#: How many row problems a refusal lists.
MAX_PROBLEMS = 20
UNMATCHED = "未匹配"
NO_DATA = "无数据"
HEX_RE = re.compile(r"^#?([0-9a-fA-F]{6})$")
RGB_RE = re.compile(r"^\s*(\d{1,3})\s*[,，]\s*(\d{1,3})\s*[,，]\s*(\d{1,3})\s*$")
TABLE_FILE = "landuse_colors.json"


@dataclass(frozen=True)
class ColorEntry:
    code: str
    name: str
    color: str  # "#rrggbb"

    @property
    def label(self) -> str:
        """The legend row: ``R2 二类居住用地`` (the code alone when the table has no name)."""
        return f"{self.code} {self.name}".strip()


@dataclass(frozen=True)
class ColorTable:
    entries: tuple[ColorEntry, ...]
    source: str = ""

    def to_json(self) -> str:
        rows = [[e.code, e.name, e.color] for e in self.entries]
        return json.dumps({"source": self.source, "entries": rows}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ColorTable:
        try:
            data = json.loads(text)
            rows = data["entries"]
            source = str(data.get("source", ""))
        except (TypeError, ValueError, KeyError) as exc:
            raise _bad_file(str(exc)) from exc
        return cls(check_entries(rows), source)


def _bad_file(why: str) -> InputError:
    return InputError(
        f"The saved land-use colour table is not valid: {why}", "保存的用地分类配色表无效，请重新上传。"
    )


def parse_color(text: object) -> str | None:
    """``#RRGGBB`` / ``RRGGBB`` / ``R,G,B`` (0–255) as ``#rrggbb``; None when it is not a colour."""
    s = str(text).strip() if text is not None else ""
    m = HEX_RE.match(s)
    if m:
        return "#" + m.group(1).lower()
    m = RGB_RE.match(s)
    if m:
        parts = [int(g) for g in m.groups()]
        if all(0 <= v <= 255 for v in parts):
            return "#" + "".join(f"{v:02x}" for v in parts)
    return None


def code_key(value: object) -> str:
    """How codes compare: without surrounding spaces, letters in upper case."""
    return str(value).strip().upper()


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _row_problems(row: int, code: str, name: str, color_text: str, seen: dict[str, int]) -> list[str]:
    out = []
    if not code:
        out.append(f"第{row}行：代码为空。")
    elif len(code) > MAX_TEXT or any(ord(ch) < 32 for ch in code):
        out.append(f"第{row}行：代码“{code[:20]}”过长或含控制字符。")
    elif code_key(code) in seen:
        out.append(f"第{row}行：代码“{code}”与第{seen[code_key(code)]}行重复。")
    if len(name) > MAX_TEXT or any(ord(ch) < 32 for ch in name):
        out.append(f"第{row}行：名称过长或含控制字符。")
    if parse_color(color_text) is None:
        out.append(f"第{row}行：颜色“{color_text[:20]}”不是 #RRGGBB 或 R,G,B（0–255）格式。")
    return out


def check_entries(rows: Iterable[object], first_row: int = 1) -> tuple[ColorEntry, ...]:
    """Checked entries from ``[code, name, colour]`` rows (row numbers from ``first_row`` in messages);
    :class:`InputError` listing every problem by row, nothing kept."""
    entries: list[ColorEntry] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(rows):
        row = first_row + i
        if not isinstance(raw, list | tuple) or len(raw) != 3:
            problems.append(f"第{row}行：应为代码、名称、颜色三项。")
            continue
        code, name, color_text = (_cell(v) for v in raw)
        found = _row_problems(row, code, name, color_text, seen)
        problems += found
        if code and code_key(code) not in seen:
            seen[code_key(code)] = row
        if not found:
            entries.append(ColorEntry(code, name, str(parse_color(color_text))))
    if len(entries) + len(problems) > MAX_ENTRIES:
        problems.insert(0, f"配色表最多 {MAX_ENTRIES} 行。")
    if not problems and not entries:
        problems.append("配色表中没有任何代码。")
    if problems:
        shown = problems[:MAX_PROBLEMS] + (
            [f"……另有 {len(problems) - MAX_PROBLEMS} 处问题"] if len(problems) > MAX_PROBLEMS else []
        )
        raise InputError(
            f"The colour table has {len(problems)} problem(s): " + " ".join(problems[:3]),
            "用地分类配色表有问题，未保存：\n" + "\n".join(shown),
        )
    return tuple(entries)


def _frame(data: bytes, filename: str) -> pd.DataFrame:
    if filename.lower().endswith(".xlsx"):
        try:
            return pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str, nrows=MAX_ENTRIES + 1)
        except Exception as exc:  # openpyxl raises many types for a broken workbook
            raise InputError(
                f"Cannot read the workbook {filename}: {str(exc)[:200]}",
                f"无法读取Excel文件“{filename}”（格式错误或不完整）。",
            ) from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(
            f"{filename}: neither UTF-8 nor GBK", f"文件“{filename}”的文字编码既不是UTF-8也不是GBK。"
        )
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return pd.DataFrame()
    width = len(rows[0])
    return pd.DataFrame([(r + [""] * width)[:width] for r in rows[1:]], columns=[c.strip() for c in rows[0]])


def read_color_table(data: bytes, filename: str) -> ColorTable:
    """The checked table in a CSV or XLSX (first sheet) with columns 代码, 名称, 颜色."""
    if not filename.lower().endswith((".csv", ".xlsx")):
        raise InputError(
            f"{filename}: a colour table is a CSV or XLSX", "配色表应为CSV或Excel（.xlsx）文件。"
        )
    if len(data) > MAX_BYTES:
        raise InputError(f"{filename}: too large", f"配色表文件超过 {MAX_BYTES // 1_000_000} MB。")
    frame = _frame(data, filename)
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in (CODE, NAME, COLOR) if c not in frame.columns]
    if missing:
        raise InputError(
            f"{filename}: missing columns {missing}",
            f"配色表缺少列：{'、'.join(missing)}（需要“代码”“名称”“颜色”三列）。",
        )
    rows = [[r[CODE], r[NAME], r[COLOR]] for _, r in frame.iterrows()]
    rows = [r for r in rows if any(_cell(v) for v in r)]  # blank lines are not rows
    return ColorTable(check_entries(rows, first_row=2), Path(filename).name[:MAX_TEXT])


def match(value: object, by_code: dict[str, ColorEntry]) -> ColorEntry | None:
    """The row for ``value``: its exact code, else the nearest parent code (one character shorter each
    step); None when no prefix is in the table."""
    key = code_key(value)
    while key:
        if key in by_code:
            return by_code[key]
        key = key[:-1]
    return None


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""


def unmatched_label(values: list[str]) -> str:
    """The legend row of values without a code in the table, naming a few of them."""
    shown = "、".join(values[:5]) + ("等" if len(values) > 5 else "")
    return f"{UNMATCHED}（配色表中无此代码：{shown}）"


def classes_by_table(
    values: pd.Series, entries: tuple[ColorEntry, ...]
) -> tuple[pd.Series, list[tuple[str, str | None]]]:
    """Each value's legend label, and the legend rows in the table's order as ``(label, colour)``; the
    未匹配 row (colour None) and 无数据 (None) last when present."""
    by_code = {code_key(e.code): e for e in entries}
    found = {v: match(v, by_code) for v in values.dropna().unique() if not _is_empty(v)}
    unmatched = sorted(str(v).strip() for v, e in found.items() if e is None)
    other = unmatched_label(unmatched) if unmatched else ""

    def label(v: object) -> str:
        if _is_empty(v):
            return NO_DATA
        e = found.get(v)
        return e.label if e is not None else other

    labels = values.map(label)
    used = {e for e in found.values() if e is not None}
    rows: list[tuple[str, str | None]] = [(e.label, e.color) for e in entries if e in used]
    rows += [(x, None) for x in (other, NO_DATA) if x and (labels == x).any()]
    return labels, rows


def workspace_table_path(workspace: Path | None = None) -> Path:
    """Where the workspace keeps its colour table (JSON: source file name and rows)."""
    return Path(workspace if workspace is not None else workspace_dir()) / "landuse_colors" / TABLE_FILE


def write_table_file(table: ColorTable, path: Path) -> None:
    """Write ``table`` to ``path`` (the caller makes it atomic)."""
    path.write_text(table.to_json(), encoding="utf-8")


def read_table_file(path: Path) -> ColorTable:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad_file(str(exc)) from exc
    return ColorTable.from_json(text)
