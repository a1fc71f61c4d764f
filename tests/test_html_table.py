"""Read-only page tables as HTML (pages/views/html_table.py): every cell literal, numbers right-aligned."""

import io

import numpy as np
import pandas as pd

from pages.views.html_table import table_html


def test_cells_are_escaped_and_read_back_as_typed():
    hostile = "<img src=x onerror=alert(1)> & <script>alert(2)</script> **粗体** [链接](http://x)"
    df = pd.DataFrame({"名称<b>": [hostile, "普通"], "数量": [1200, 3]})
    out = table_html(df)
    assert "<img" not in out and "<script" not in out and "<b>" not in out
    back = pd.read_html(io.StringIO(out), flavor="lxml")[0]
    assert list(back.columns) == ["名称<b>", "数量"]
    assert back.iloc[0, 0] == hostile  # shown as typed, neither HTML nor Markdown


def test_numbers_right_aligned_missing_blank():
    df = pd.DataFrame({"类别": ["小学", "幼儿园"], "覆盖率": [87.456, np.nan], "人口": [12000, 3]})
    out = table_html(df)
    assert '<td class="rp-num rp-nw">87.456</td>' in out and '<td class="rp-num rp-nw">12,000</td>' in out
    assert '<td class="rp-nw"></td>' in out and "nan" not in out.lower()
    assert '<td class="rp-nw">小学</td>' in out  # text left aligned


def test_long_columns_wrap_short_ones_do_not():
    df = pd.DataFrame(
        {"属性": ["约束性"], "规划原文": ["以核理化院和国机集团天津电气院为核心，服务技术成果转化"]}
    )
    out = table_html(df)
    assert "<th>属性</th>" in out and '<td class="rp-nw">约束性</td>' in out
    assert "<th>规划原文</th>" in out and "<td>以核理化院" in out
