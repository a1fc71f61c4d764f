"""Text from data shown by Streamlit: always literal, never Markdown or HTML (no Streamlit import)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from renewal.sites.schema import clean_text

_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|~$<>&")


def markdown_literal(text) -> str:
    """``text`` escaped for Streamlit's Markdown so it shows literally (``*`` ``_`` ``~`` ``$`` backticks, ``<``...).

    Every ASCII punctuation mark Markdown (CommonMark, math, HTML) could act on gets a backslash;
    line breaks are kept as hard breaks.
    """
    out = "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in clean_text(text))
    return "  \n".join(out.splitlines())


BEIJING = timezone(timedelta(hours=8), "北京时间")


def beijing_time(at) -> str:
    """A stored time stamp (ISO 8601, UTC) as 北京时间 in a Chinese format (``2026年12月3日 16:20``);
    text that is not a time stamp is shown as it is."""
    try:
        t = datetime.fromisoformat(str(at))
    except ValueError:
        return clean_text(at)
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    b = t.astimezone(BEIJING)
    return f"{b.year}年{b.month}月{b.day}日 {b:%H:%M}"
