"""Text from data shown by Streamlit: always literal, never Markdown or HTML (no Streamlit import)."""

from __future__ import annotations

from renewal.sites.schema import clean_text

_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|~$<>&")


def markdown_literal(text) -> str:
    """``text`` escaped for Streamlit's Markdown so it shows literally (``*`` ``_`` ``~`` ``$`` backticks, ``<``...).

    Every ASCII punctuation mark Markdown (CommonMark, math, HTML) could act on gets a backslash;
    line breaks are kept as hard breaks.
    """
    out = "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in clean_text(text))
    return "  \n".join(out.splitlines())
