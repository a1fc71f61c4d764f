"""The CJK font of every printed map sheet, slide and picture.

:func:`cjk_font` finds a font that draws simplified Chinese:

1. a system CJK font matplotlib knows (Noto Sans CJK SC, Source Han Sans SC,
   Microsoft YaHei, PingFang SC, ... see :data:`SYSTEM_FAMILIES`): the planner's
   machine's own font is preferred;
2. else Noto Sans SC (SIL Open Font License 1.1) from the pinned Python
   package ``pylopdf-fonts-zh-cn`` (requirements.txt), so a fresh machine that
   ran ``pip install -r requirements.txt`` has one on Linux, Windows and macOS.

When neither exists :class:`FontError` says so and what to install; an export
is never written with missing-glyph boxes (:func:`check_glyphs` fails on text
the font cannot draw). :func:`use_cjk_font` sets matplotlib up: the font,
TrueType/CID embedding in PDF (``pdf.fonttype`` 42).

No folium, no streamlit; matplotlib only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: System families tried first, best first (simplified-Chinese faces before the others).
SYSTEM_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Sarasa Gothic SC",
)

#: A probe of common planning words: a usable font draws every one of these.
PROBE_TEXT = "河东区总体布局一站一带一园多点城市更新项目图例比例尺北"

INSTALL_HINT = (
    "No CJK font found: install the Python dependencies (pip install -r requirements.txt, which "
    "brings Noto Sans SC in the package pylopdf-fonts-zh-cn) or a system font such as "
    "Noto Sans CJK SC (Debian: apt-get install fonts-noto-cjk)."
)


class FontError(RuntimeError):
    """No font can draw the Chinese text of a map sheet (the message says what to install)."""


@dataclass(frozen=True)
class CjkFont:
    family: str  # the matplotlib family name
    path: Path  # the font file (a .ttc may hold several faces)
    origin: str  # "system" or "package"


@cache
def _face(path: str, index: int = 0):
    """The FreeType face of a font file (cached), or None when it cannot be read."""
    from matplotlib.ft2font import FT2Font

    try:
        return FT2Font(path, face_index=index)
    except (OSError, RuntimeError, ValueError):
        return None


def _has_glyphs(path: str | Path, text: str, index: int = 0) -> bool:
    face = _face(str(path), index)
    return face is not None and all(face.get_char_index(ord(ch)) for ch in text if not ch.isspace())


def _system_font() -> CjkFont | None:
    from matplotlib import font_manager

    entries = {}  # family -> its regular face when there is one
    for entry in font_manager.fontManager.ttflist:
        if entry.name not in entries or (
            entry.weight in (400, "normal", "regular") and entry.style == "normal"
        ):
            entries[entry.name] = entry
    for family in SYSTEM_FAMILIES:
        entry = entries.get(family)
        if entry and _has_glyphs(entry.fname, PROBE_TEXT, getattr(entry, "index", 0) or 0):
            return CjkFont(family, Path(entry.fname), "system")
    return None


def _package_font() -> CjkFont | None:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file() or not _has_glyphs(path, PROBE_TEXT):
        return None
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(path))
    return CjkFont(font_manager.FontProperties(fname=str(path)).get_name(), path, "package")


@cache
def cjk_font(prefer_system: bool = True) -> CjkFont:
    """The CJK font to use (cached): a system one when present, else the packaged Noto Sans SC.

    Raises :class:`FontError` when there is none.
    """
    finders = (_system_font, _package_font) if prefer_system else (_package_font, _system_font)
    for find in finders:
        font = find()
        if font is not None:
            return font
    raise FontError(INSTALL_HINT)


def missing_glyphs(texts: Iterable[str], font: CjkFont | None = None) -> list[str]:
    """The characters of ``texts`` that ``font`` (default :func:`cjk_font`) cannot draw, in order."""
    font = font or cjk_font()
    index = _face_index(font)
    seen: dict[str, None] = {}
    for text in texts:
        for ch in text or "":
            if ch.isspace() or ch in seen:
                continue
            seen[ch] = None
    face = _face(str(font.path), index)
    return [ch for ch in seen if face is None or not face.get_char_index(ord(ch))]


def check_glyphs(texts: Iterable[str], font: CjkFont | None = None) -> None:
    """Raise :class:`FontError` if any character of ``texts`` would be drawn as a missing-glyph box."""
    missing = missing_glyphs(texts, font)
    if missing:
        font = font or cjk_font()
        raise FontError(f"font {font.family} ({font.path}) cannot draw: {''.join(missing)!r}")


def _face_index(font: CjkFont) -> int:
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if entry.name == font.family and Path(entry.fname) == font.path:
            return getattr(entry, "index", 0) or 0
    return 0


def use_cjk_font() -> CjkFont:
    """Set matplotlib to draw with the CJK font and embed it in PDF (TrueType/CID, fonttype 42)."""
    import matplotlib

    font = cjk_font()
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [font.family, "DejaVu Sans"]
    matplotlib.rcParams["pdf.fonttype"] = 42
    matplotlib.rcParams["ps.fonttype"] = 42
    matplotlib.rcParams["svg.fonttype"] = "path"  # an SVG shows the same glyphs with no font installed
    matplotlib.rcParams["axes.unicode_minus"] = False
    return font
