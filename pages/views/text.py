"""Text from data shown by Streamlit: always literal, never Markdown or HTML (no Streamlit import)."""

from __future__ import annotations

import re

from renewal.sites.schema import clean_text

_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|~$<>&")
_SCHEME = re.compile(r"(?i)(https?|ftps?|mailto|file|data|javascript|vbscript)(?=:)")


def markdown_literal(text) -> str:
    """``text`` escaped for Streamlit's Markdown so it shows literally (``*`` ``_`` ``~`` ``$`` backticks, ``<``...).

    Every ASCII punctuation mark Markdown (CommonMark, math, HTML) could act on gets a backslash;
    line breaks are kept as hard breaks.
    """
    out = "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in clean_text(text))
    # a URL's scheme colon too: the renderer's autolinks take the escaped text after it as the link, and showed
    # the backslashes ("http://127\\.0\\.0\\.1"); escaped, the text shows as typed (it may still be linked)
    out = _SCHEME.sub(r"\1\\", out)
    return "  \n".join(out.splitlines())
