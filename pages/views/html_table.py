"""Small read-only tables (a page's figures, not a planner's working list) as plain HTML.

``st.dataframe`` draws a table on a canvas with a grid component the browser loads and starts on a page's first
visit: on 总体布局 its two tables cost about a quarter of the page's time to ready (BENCHMARKS.md, issue 22).
A table of a few dozen rows that is read, not sorted or searched, is drawn here as an HTML table instead: it
shows at once, prints and selects as text. A wide table (生活圈覆盖's eleven columns of statistics) stays a
grid, which scrolls sideways and keeps each column narrow. Every header and cell is escaped (text from data is
never markup), and ``st.html`` renders no Markdown.
"""

from __future__ import annotations

import html
import numbers

import pandas as pd
import streamlit as st

#: Streamlit's own table look (its light rules and grey header), scoped to this class.
CSS = (
    "<style>"
    "table.rp-table{border-collapse:collapse;width:100%;font-size:0.9rem;line-height:1.5;margin:0 0 0.5rem}"
    "table.rp-table th,table.rp-table td{padding:0.35rem 0.75rem;text-align:left;vertical-align:top;"
    "border-bottom:1px solid rgba(49,51,63,0.12)}"
    "table.rp-table th{font-weight:600;color:rgba(49,51,63,0.75);background:rgba(240,242,246,0.6);"
    "border-bottom:1px solid rgba(49,51,63,0.25)}"
    "table.rp-table td.rp-num{text-align:right;font-variant-numeric:tabular-nums}"
    "table.rp-table .rp-nw{white-space:nowrap}"
    "div.rp-table-wrap{max-width:100%;overflow-x:auto}"
    "</style>"
)


def _cell(value) -> tuple[str, bool]:
    """The cell's text and whether it is a number (right-aligned)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "", False
    if isinstance(value, bool):
        return ("是" if value else "否"), False
    if isinstance(value, numbers.Integral):
        return f"{value:,}", True
    if isinstance(value, numbers.Real):  # as the producer rounded it (a share of 87.4 %, an area of 1,234.56)
        v = float(value)
        return (f"{v:,.0f}" if v.is_integer() else f"{round(v, 6):,}"), True
    return str(value), False


#: A column whose cells are all at most this many characters long is not wrapped (约束性, 约 0.5 平方公里).
SHORT = 10


def table_html(df: pd.DataFrame) -> str:
    """``df`` (its columns, not its index) as an escaped HTML table; numbers right-aligned, short cells on
    one line (a header may wrap)."""
    cells = [[_cell(v) for v in values] for values in df.itertuples(index=False, name=None)]
    short = [all(len(row[i][0]) <= SHORT for row in cells) for i in range(len(df.columns))]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)  # a header may wrap
    rows = []
    for row in cells:
        tds = []
        for i, (text, num) in enumerate(row):
            cls = " ".join(c for c, on in (("rp-num", num), ("rp-nw", short[i])) if on)
            tds.append(
                f'<td class="{cls}">{html.escape(text)}</td>' if cls else f"<td>{html.escape(text)}</td>"
            )
        rows.append(f"<tr>{''.join(tds)}</tr>")
    return f'<table class="rp-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def show(df: pd.DataFrame) -> None:
    """Show ``df`` as a read-only table (:func:`table_html`)."""
    st.html(f'{CSS}<div class="rp-table-wrap">{table_html(df)}</div>')  # never wider than the page
