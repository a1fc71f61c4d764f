"""The tables a page shows, read back from Streamlit's AppTest: data grids (``st.dataframe``) and the read-only
HTML tables of :mod:`pages.views.html_table`, as their cells read."""

from __future__ import annotations

import io

import pandas as pd
from streamlit.testing.v1 import AppTest


def html_tables(at: AppTest) -> list[pd.DataFrame]:
    """The page's read-only HTML tables (numbers parsed, thousands separators removed)."""
    out = []
    for el in at.get("html"):
        if "<table" in el.proto.body:
            out += pd.read_html(io.StringIO(el.proto.body), flavor="lxml", keep_default_na=False)
    return out


def tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table on the page: the data grids, then the HTML tables."""
    return [df.value for df in at.dataframe] + html_tables(at)


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with a column ``column``."""
    found = next((t for t in tables(at) if column in t.columns), None)
    assert found is not None, (column, [list(t.columns) for t in tables(at)])
    return found
