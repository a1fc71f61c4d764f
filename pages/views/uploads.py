"""What the page says about upload limits (the size from ``server.maxUploadSize`` in
``.streamlit/config.toml``; the readers' own limits from ``renewal.io``)."""

from __future__ import annotations

import streamlit as st

from renewal.io.read import MAX_ROWS


def upload_limit_zh() -> str:
    """The limits of an upload in Chinese, e.g. "单个文件不超过 100 MB；表格不超过 200,000 行"."""
    size = int(st.get_option("server.maxUploadSize"))
    return f"单个文件不超过 {size} MB；表格或图层不超过 {MAX_ROWS:,} 行（个要素）"
