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

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont
    from matplotlib.ft2font import FT2Font

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
def _face(path: str, index: int = 0) -> FT2Font | None:
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
        face = entries.get(family)
        if face and _has_glyphs(face.fname, PROBE_TEXT, getattr(face, "index", 0) or 0):
            return CjkFont(family, Path(face.fname), "system")
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


#: Family name of the per-export TrueType subset (see :func:`embeddable_family`).
SUBSET_FAMILY = "RenewalCJK"


def _to_truetype(font: TTFont) -> None:
    """Convert a CFF-outline font (fontTools TTFont) to TrueType (glyf) outlines, in place."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        glyph.recalcBounds(glyf)
        hmtx[name] = (hmtx[name][0], glyph.xMin if glyph.numberOfContours else 0)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def embeddable_family(texts: Iterable[str]) -> str:
    """A TrueType subset of the CJK font holding the characters of ``texts`` (and ASCII), registered
    with matplotlib; returns its family name.

    Noto Sans CJK and Noto Sans SC have CFF outlines, which matplotlib writes into a PDF as
    TrueType (CIDFontType2) data: some readers reject or warn about that. The subset is converted
    to TrueType outlines, so the embedded font is what the PDF says it is, and small.
    """
    import hashlib
    import string
    import tempfile

    font = cjk_font()
    chars = "".join(sorted(set("".join(texts)) | set(string.printable)))
    digest = hashlib.sha1(f"{font.path}|{chars}".encode()).hexdigest()[:16]
    family = f"{SUBSET_FAMILY}{digest}"
    folder = Path(tempfile.gettempdir()) / "renewal-fonts"
    from matplotlib import font_manager

    known = {(e.name, e.fname) for e in font_manager.fontManager.ttflist}
    for weight, path, index in _faces(font):
        out = folder / f"{family}-{weight}.ttf"
        if not out.is_file():
            _write_subset(path, index, chars, family, weight, out)
        if (family, str(out)) not in known:
            font_manager.fontManager.addfont(str(out))
    return family


def _faces(font: CjkFont) -> list[tuple[str, Path, int]]:
    """The regular face of the font and its bold face (the regular one again when there is none)."""
    from matplotlib import font_manager

    regular = ("Regular", font.path, _face_index(font))
    for entry in font_manager.fontManager.ttflist:
        if entry.name == font.family and entry.weight in (700, "bold") and entry.style == "normal":
            return [regular, ("Bold", Path(entry.fname), getattr(entry, "index", 0) or 0)]
    return [regular, ("Bold", font.path, _face_index(font))]  # no bold face: bold text in the regular one


def _write_subset(path: Path, index: int, chars: str, family: str, weight: str, out: Path) -> None:
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # its INFO lines would flood the CLI
    tt = TTFont(str(path), fontNumber=index, lazy=True)
    opts = subset.Options()
    opts.name_IDs, opts.notdef_outline, opts.hinting = ["*"], True, False
    opts.layout_features = []
    opts.drop_tables += ["VORG", "vhea", "vmtx", "GSUB", "GPOS", "BASE"]
    sub = subset.Subsetter(opts)
    sub.populate(text=chars)
    sub.subset(tt)
    if "CFF " in tt:
        _to_truetype(tt)
    names = {1: family, 2: weight, 4: f"{family} {weight}", 6: f"{family}-{weight}", 16: family, 17: weight}
    for rec in tt["name"].names:
        if rec.nameID in names:
            rec.string = names[rec.nameID]
    tt["OS/2"].usWeightClass = 700 if weight == "Bold" else 400  # how matplotlib tells the faces apart
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    tt.save(str(tmp))
    os.replace(tmp, out)


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
    matplotlib.rcParams["text.parse_math"] = False  # text from data ($…$ in a name) is never mathtext
    return font
