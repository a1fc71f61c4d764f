"""Offline web assets: every script and stylesheet a map needs comes from the app itself.

folium loads Leaflet, its plugins, jQuery and Bootstrap from public CDNs. With no
internet (a government office network, CI) such a map never appears. This module
keeps a registry of the web libraries our maps use, where each file comes from
(an XStatic package's data folder, or a file vendored under ``layers/vendor/``
with its licence, see ``layers/vendor/VENDORED.md``), and rewrites a folium map
to use them:

* :func:`ensure_static` copies the files into ``<project>/static/vendor/<lib>/``,
  which Streamlit serves at ``/app/static/vendor/<lib>/`` when
  ``[server] enableStaticServing = true`` (``.streamlit/config.toml``).
* :func:`localize` replaces every ``default_js``/``default_css`` URL of a map and
  its children by the served URL (``mode="served"``, for ``st_folium``) or by
  inline ``<script>``/``<style>`` blocks (``mode="inline"``). An external asset
  the registry does not provide raises :class:`OfflineAssetError`. Served, a map's
  scripts are one file (:func:`bundle_url`): streamlit-folium loads a map's scripts
  one after another, each waiting for the last, so four files cost four round trips
  before the map can be drawn.
* :func:`standalone_html` returns one HTML document with every asset inline
  (images referenced by CSS become ``data:`` URIs); only tile URL templates
  may point at the internet.

folium.Map's defaults jQuery, Bootstrap (JS and CSS), Bootstrap 3 glyphicons,
Font Awesome and Leaflet.awesome-markers are **dropped** (:data:`DROPPED`): our
maps use GeoJSON, CircleMarker and DivIcon, and bind popups and tooltips in
JavaScript. Elements that would need them (``folium.Icon``, ``folium.Popup``,
non-embedded ``GeoJson``, ``keep_in_front``, branca colormaps) raise
:class:`OfflineAssetError` instead of silently breaking.

Why this shape (options compared):

* ``folium-offline`` (PyPI, a fork importing as ``offlinefolium``) inlines about
  1.4 MB into every map: over our 1.5 MB page budget once data is added, and its
  own classes defeat streamlit-folium's ``isinstance`` walk. Not used.
* XStatic packages give pinned, licensed files through pip: used for Leaflet
  (``XStatic-Leaflet``). jQuery, Bootstrap and Font Awesome have XStatic
  packages too (Bootstrap 5's sdist does not build here), but no map of ours
  needs them, so they are dropped instead of shipped.
* The Leaflet plugins have no XStatic package: their small dist files are
  vendored from npm with licence, version and sha256 (``layers/vendor/``).

This module imports folium and branca, never streamlit.
"""

from __future__ import annotations

import base64
import mimetypes
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TypeVar

import branca.colormap
import folium
from branca.element import CssLink, Element, Figure, JavascriptLink
from jinja2 import Template

from layers import folium_pins as pins

ElementT = TypeVar("ElementT", bound=Element)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
VENDOR_DIR = Path(__file__).resolve().parent / "vendor"
#: Where the app serves the files from (Streamlit static serving of ``<project>/static``).
DEFAULT_BASE_URL = "/app/static/vendor"

MODES = ("served", "inline")


class OfflineAssetError(RuntimeError):
    """A map needs a web asset that the app cannot provide without the internet."""


@dataclass(frozen=True)
class WebLibrary:
    """One web library the maps use.

    ``origin`` is ``"xstatic:<module>"`` (files from an installed XStatic
    package's ``BASE_DIR``) or ``"vendor:<folder>"`` (files under
    ``layers/vendor/<folder>``). ``js``/``css`` are the files loaded by a page,
    in order; ``files`` is everything copied (including images the CSS
    references and the licence). ``cdn`` maps each CDN URL folium uses to the
    local file that replaces it.
    """

    name: str
    version: str
    licence: str
    origin: str
    homepage: str
    js: tuple[str, ...] = ()
    css: tuple[str, ...] = ()
    extra_files: tuple[str, ...] = ()
    cdn: dict[str, str] = field(default_factory=dict)

    @property
    def files(self) -> tuple[str, ...]:
        return (*self.js, *self.css, *self.extra_files)

    def source_dir(self) -> Path:
        kind, _, ref = self.origin.partition(":")
        if kind == "vendor":
            return VENDOR_DIR / ref
        if kind == "xstatic":
            import importlib

            try:
                mod = importlib.import_module(ref)
            except ImportError as exc:  # pragma: no cover - requirements.txt pins it
                raise OfflineAssetError(
                    f"{self.name}: the package providing {ref} is not installed "
                    f"(pip install -r requirements.txt)"
                ) from exc
            if not str(mod.VERSION).startswith(self.version):
                raise OfflineAssetError(
                    f"{self.name}: installed {ref} is version {mod.VERSION}, "
                    f"the registry expects {self.version} (see requirements.txt)"
                )
            return Path(mod.BASE_DIR)
        raise ValueError(f"unknown origin {self.origin!r}")

    def source(self, rel: str) -> Path:
        return self.source_dir() / rel


LIBRARIES: tuple[WebLibrary, ...] = (
    WebLibrary(
        name="leaflet",
        version="1.9.3",
        licence="BSD-2-Clause",
        origin="xstatic:xstatic.pkg.leaflet",
        homepage="https://leafletjs.com",
        js=("leaflet.js",),
        css=("leaflet.css",),
        extra_files=(
            "images/layers.png",
            "images/layers-2x.png",
            "images/marker-icon.png",
            "images/marker-icon-2x.png",
            "images/marker-shadow.png",
        ),
        cdn={
            "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet.js",
            "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet.css",
        },
    ),
    WebLibrary(
        name="leaflet-draw",
        version="1.0.2",
        licence="MIT",
        origin="vendor:leaflet-draw",
        homepage="https://github.com/Leaflet/Leaflet.draw",
        js=("leaflet.draw.js",),
        css=("leaflet.draw.css",),
        extra_files=(
            "images/spritesheet.png",
            "images/spritesheet-2x.png",
            "images/spritesheet.svg",
            "LICENSE",
        ),
        cdn={
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.js": "leaflet.draw.js",
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css": "leaflet.draw.css",
        },
    ),
    WebLibrary(
        name="leaflet-groupedlayercontrol",
        version="0.6.1",
        licence="MIT",
        origin="vendor:leaflet-groupedlayercontrol",
        homepage="https://github.com/ismyrnow/leaflet-groupedlayercontrol",
        js=("leaflet.groupedlayercontrol.min.js",),
        css=("leaflet.groupedlayercontrol.min.css",),
        extra_files=("LICENSE",),
        cdn={
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet-groupedlayercontrol/0.6.1/"
            "leaflet.groupedlayercontrol.min.js": "leaflet.groupedlayercontrol.min.js",
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet-groupedlayercontrol/0.6.1/"
            "leaflet.groupedlayercontrol.min.css": "leaflet.groupedlayercontrol.min.css",
        },
    ),
    WebLibrary(
        name="leaflet-fullscreen",
        version="3.0.0",
        licence="MIT",
        origin="vendor:leaflet-fullscreen",
        homepage="https://github.com/brunob/leaflet.fullscreen",
        js=("Control.FullScreen.js",),
        css=("Control.FullScreen.css",),
        extra_files=("icon-fullscreen.svg", "LICENSE"),
        cdn={
            # folium asks for the .min.js; the npm package ships the (small) unminified file.
            "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": "Control.FullScreen.js",
            "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": "Control.FullScreen.css",
        },
    ),
    WebLibrary(
        name="leaflet-measure",
        version="2.1.7",
        licence="MIT",
        origin="vendor:leaflet-measure",
        homepage="https://github.com/ljagis/leaflet-measure",
        js=("leaflet-measure.min.js",),
        css=("leaflet-measure.css",),
        extra_files=(
            *(
                f"images/{n}{sfx}.png"
                for n in ("cancel", "check", "focus", "rulers", "start", "trash")
                for sfx in ("", "_@2X")
            ),
            "LICENSE",
        ),
        cdn={
            "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js": "leaflet-measure.min.js",
            # the npm package ships the stylesheet unminified (3.6 KB)
            "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css": "leaflet-measure.css",
        },
    ),
)

LIBRARY_BY_NAME: dict[str, WebLibrary] = {lib.name: lib for lib in LIBRARIES}

#: folium.Map defaults that our maps do not load, with the reason. Their URLs
#: are removed by :func:`localize`; :data:`NEEDS_DROPPED` guards the elements
#: that would need them.
DROPPED: dict[str, str] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jQuery",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": "Bootstrap JS",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": "Leaflet.awesome-markers",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": "Bootstrap CSS",
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": "Bootstrap 3 glyphicons",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": "Font Awesome",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": "Leaflet.awesome-markers CSS",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": "awesome-markers rotate CSS",
}

_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//")


def is_external(url: str) -> bool:
    """True for http(s):// and protocol-relative (//host/...) URLs."""
    return bool(_EXTERNAL.match(url.strip())) and not url.strip().lower().startswith("file:")


@cache
def _cdn_index() -> dict[str, tuple[WebLibrary, str]]:
    return {url: (lib, rel) for lib in LIBRARIES for url, rel in lib.cdn.items()}


def _local_path_index() -> dict[str, tuple[WebLibrary, str]]:
    return {f"{lib.name}/{rel}": (lib, rel) for lib in LIBRARIES for rel in (*lib.js, *lib.css)}


def resolve(url: str, base_url: str = DEFAULT_BASE_URL) -> tuple[WebLibrary, str] | None:
    """The registry file behind a CDN URL or an already-served local URL, or None."""
    hit = _cdn_index().get(url)
    if hit:
        return hit
    for base in {base_url.rstrip("/"), DEFAULT_BASE_URL}:
        if url.startswith(base + "/"):
            return _local_path_index().get(url[len(base) + 1 :].split("?", 1)[0])
    return None


# --------------------------------------------------------------------------
# Static files
# --------------------------------------------------------------------------


def _copy_atomic(src: Path, dst: Path) -> bool:
    """Copy ``src`` to ``dst`` unless identical; atomic (temp file + rename). True if written."""
    return _write_atomic(src.read_bytes(), dst)


def _write_atomic(data: bytes, dst: Path) -> bool:
    """Write ``data`` to ``dst`` unless identical; atomic (temp file + rename). True if written."""
    if dst.is_file() and dst.stat().st_size == len(data) and dst.read_bytes() == data:
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def ensure_static(static_root: Path | None = None) -> Path:
    """Sync every registry file into ``<static_root>/vendor/<lib>/<file>``; return the vendor folder.

    ``static_root`` defaults to ``<project>/static`` (served by Streamlit at
    ``/app/static``). Idempotent: files already identical are left alone;
    others are replaced atomically, so a page being served never sees half a file.
    """
    root = Path(static_root) if static_root is not None else PROJECT_ROOT / "static"
    vendor = root / "vendor"
    for lib in LIBRARIES:
        src_dir = lib.source_dir()
        for rel in lib.files:
            src = src_dir / rel
            if not src.is_file():
                raise OfflineAssetError(f"{lib.name} {lib.version}: missing file {src}")
            _copy_atomic(src, vendor / lib.name / rel)
    for members in _bundle_member_sets():
        _write_atomic(bundle_text(members).encode("utf-8"), vendor / _bundle_rel(members))
    return vendor


# --------------------------------------------------------------------------
# One script file per map (served mode)
# --------------------------------------------------------------------------

#: The folder of :data:`DEFAULT_BASE_URL` that holds the bundles.
BUNDLE_FOLDER = "_bundle"


def _registry_scripts() -> list[tuple[WebLibrary, str]]:
    """Every library script in the registry's order: Leaflet first, then the plugins (which need only
    Leaflet, not each other)."""
    return [(lib, rel) for lib in LIBRARIES for rel in lib.js]


@cache
def _script_rank() -> dict[tuple[str, str], int]:
    """Each library script's place in :func:`_registry_scripts`, by (library name, file)."""
    return {(lib.name, rel): i for i, (lib, rel) in enumerate(_registry_scripts())}


def _bundle_member_sets() -> list[tuple[tuple[WebLibrary, str], ...]]:
    """Every bundle a map can ask for: Leaflet with any choice of the plugins, in the registry's order."""
    first, *plugins = _registry_scripts()
    sets = []
    for mask in range(1, 2 ** len(plugins)):
        sets.append((first, *(p for i, p in enumerate(plugins) if mask >> i & 1)))
    return sets


def _bundle_rel(members: Iterable[tuple[WebLibrary, str]]) -> str:
    """``_bundle/leaflet-1.9.3+leaflet-draw-1.0.2.js``: the members' names and versions (a new version is a
    new file, so a browser never runs a stale cached one)."""
    return f"{BUNDLE_FOLDER}/" + "+".join(f"{lib.name}-{lib.version}" for lib, _ in members) + ".js"


def bundle_text(members: Iterable[tuple[WebLibrary, str]]) -> str:
    """The members' scripts one after another, each named in a comment (library, version, licence)."""
    parts = []
    for lib, rel in members:
        body = lib.source(rel).read_text(encoding="utf-8")
        parts.append(f"/* {lib.name} {lib.version} ({lib.licence}) {rel} */\n{body}\n;")
    return "\n".join(parts) + "\n"


def bundle_url(members: Iterable[tuple[WebLibrary, str]], base_url: str = DEFAULT_BASE_URL) -> str:
    """The served URL of the one file holding ``members`` (written by :func:`ensure_static`)."""
    ordered = sorted(
        {(lib.name, rel): (lib, rel) for lib, rel in members}.items(), key=lambda kv: _script_rank()[kv[0]]
    )
    return f"{base_url.rstrip('/')}/{_bundle_rel(m for _, m in ordered)}"


@cache
def _bundle_index() -> dict[str, tuple[tuple[WebLibrary, str], ...]]:
    return {_bundle_rel(m)[len(BUNDLE_FOLDER) + 1 :]: m for m in _bundle_member_sets()}


def bundle_members(url: str, base_url: str = DEFAULT_BASE_URL) -> tuple[tuple[WebLibrary, str], ...] | None:
    """The library scripts a served bundle URL holds, or None when ``url`` is not a bundle."""
    for base in {base_url.rstrip("/"), DEFAULT_BASE_URL}:
        prefix = f"{base}/{BUNDLE_FOLDER}/"
        if url.startswith(prefix):
            return _bundle_index().get(url[len(prefix) :].split("?", 1)[0])
    return None


# --------------------------------------------------------------------------
# Inline content
# --------------------------------------------------------------------------

_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix.lower() == ".svg":
        mime = "image/svg+xml"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


@cache
def inline_css(lib_name: str, rel: str) -> str:
    """The stylesheet's text with every relative ``url(...)`` replaced by a data: URI."""
    lib = LIBRARY_BY_NAME[lib_name]
    path = lib.source(rel)
    text = path.read_text(encoding="utf-8")

    def repl(m: re.Match) -> str:
        target = m.group(2).strip()
        if target.startswith(("#", "data:")):
            return m.group(0)
        if is_external(target):
            raise OfflineAssetError(f"{lib.name}/{rel} references an external URL: {target}")
        img = (path.parent / target.split("?", 1)[0].split("#", 1)[0]).resolve()
        if not img.is_file():
            raise OfflineAssetError(f"{lib.name}/{rel} references a missing file: {target}")
        return f'url("{_data_uri(img)}")'

    return _CSS_URL.sub(repl, text)


def leaflet_icon_js() -> str:
    """Point Leaflet's default marker icon at data: URIs (its CSS-based path detection cannot work with
    inline images, nor inside the map widget's frame, where the marker images would otherwise be broken)."""
    lib = LIBRARY_BY_NAME["leaflet"]
    uris = {
        k: _data_uri(lib.source(f"images/{f}"))
        for k, f in (
            ("iconUrl", "marker-icon.png"),
            ("iconRetinaUrl", "marker-icon-2x.png"),
            ("shadowUrl", "marker-shadow.png"),
        )
    }
    opts = ",".join(f'{k}:"{v}"' for k, v in uris.items())
    return f'L.Icon.Default.imagePath="";L.Icon.Default.mergeOptions({{{opts}}});'


#: The project's own browser code (``layers/static``): every file there is listed here with its job, and
#: nothing reads it but :func:`own_asset` (``tests/test_assets.py`` checks both ways and that each script
#: compiles in Chromium).
OWN_DIR = Path(__file__).resolve().parent / "static"
OWN_ASSETS: dict[str, str] = {
    "rp_map.js": "every map: set-up, controls, feature layers, labels, popups (called with JSON arguments)",
    "rp_map.css": "every map: popups, labels, legend, 定位 and bookmark controls",
    "identify.js": "every map: a click lists every feature under it from every visible layer",
    "find.js": "exported maps: the 查找名称 box",
    "snap.js": "maps with the drawing tools: vertices snap to other sites' vertices and the district boundary",
    "presentation.js": "汇报模式: one presentation switching on the client, keys and full screen",
    "layer_switches.js": "添加到汇报: the layers switched on in the panel's map (a Streamlit v2 component module)",
    "presentation.css": "汇报模式: the presentation's layout",
}


@cache
def own_asset(name: str) -> str:
    """The text of one of the project's own registered asset files (:data:`OWN_ASSETS`)."""
    if name not in OWN_ASSETS:
        raise OfflineAssetError(f"{name} is not a registered asset of layers/static")
    return (OWN_DIR / name).read_text(encoding="utf-8")


@cache
def inline_js(lib_name: str, rel: str) -> str:
    lib = LIBRARY_BY_NAME[lib_name]
    text = lib.source(rel).read_text(encoding="utf-8")
    if lib.name == "leaflet" and rel == "leaflet.js":
        text += "\n" + leaflet_icon_js()
    return text


def _safe_in_tag(text: str, tag: str) -> str:
    return re.sub(rf"</({tag})", r"<\\/\1", text, flags=re.IGNORECASE)


class InlineAsset(Element):
    """A ``<script>`` or ``<style>`` block with a library's content, for the figure header."""

    _template = Template("{{ this.markup }}")

    def __init__(self, kind: str, lib: WebLibrary, rel: str):
        super().__init__()
        self._name = "InlineAsset"
        self.kind = kind
        self.lib = lib
        self.rel = rel
        comment = f"{lib.name} {lib.version} ({lib.licence}) {rel}"
        if kind == "js":
            body = _safe_in_tag(inline_js(lib.name, rel), "script")
            self.markup = f"<script>/* {comment} */\n{body}\n</script>"
        else:
            body = _safe_in_tag(inline_css(lib.name, rel), "style")
            self.markup = f"<style>/* {comment} */\n{body}\n</style>"


# --------------------------------------------------------------------------
# Walking a map
# --------------------------------------------------------------------------


@contextmanager
def ids_kept(fig: Element) -> Iterator[None]:
    """Give back every element's ``_id`` after the block (e.g. around ``st_folium``).

    streamlit-folium renames the elements of the map it shows (``map_div``, ``feature_group_div_0``…),
    but scripts built with the map's name (``FeatureLayer``, the offline-tiles note) keep the old one;
    a file rendered from the renamed map then throws ``map_… is not defined`` and draws nothing. With
    the ids given back, :func:`standalone_html` of a shown map is the file ``export-map`` writes."""
    ids = [(el, own) for el in pins.walk(_root_of(fig)) if (own := pins.own_id(el)) is not None]
    try:
        yield
    finally:
        for el, old in ids:
            pins.set_id(el, old)


def _root_of(fig: Element) -> Element:
    root = fig.get_root() if hasattr(fig, "get_root") else fig
    return root


#: Elements that need an asset in :data:`DROPPED`, with the advice given when one is found.
def _needs_dropped(el: Element) -> str | None:
    if isinstance(el, folium.Icon):
        return "folium.Icon needs Leaflet.awesome-markers, Bootstrap and Font Awesome; use DivIcon or CircleMarker"
    if isinstance(el, folium.Popup):
        return "folium.Popup needs jQuery; bind popups in JavaScript (see layers/render.py)"
    if isinstance(el, folium.GeoJson) and not getattr(el, "embed", True):
        return "GeoJson(embed=False) loads its data with jQuery; embed the data"
    if isinstance(el, folium.Map) and getattr(el, "objects_to_stay_in_front", None):
        return "Map.keep_in_front needs jQuery; order layers by z instead"
    if isinstance(el, branca.colormap.ColorMap):
        return "branca colormaps load d3 from a CDN; draw the legend in HTML (see layers/render.py)"
    return None


def _describe(el: Element) -> str:
    return f"{type(el).__module__}.{type(el).__name__}"


def _local_links(
    el: Element,
    kind: str,
    links: Iterable[tuple[str, str]],
    mode: str,
    base: str,
    inline: list[tuple[str, str, InlineAsset]],
    problems: list[str],
) -> list[tuple[str, str]]:
    """One element's script (or style) links made local: served URLs kept in the list, inline ones moved
    to ``inline``; what cannot be had offline goes to ``problems``."""
    new: list[tuple[str, str]] = []
    for name, url in links:
        if url in DROPPED:
            continue
        members = bundle_members(url, base)
        if members is not None:  # a map localized "served" before
            if mode == "served":
                new.append((name, url))
            else:
                inline.extend(
                    (kind, f"{name}_{lib.name}", InlineAsset(kind, lib, rel)) for lib, rel in members
                )
            continue
        hit = resolve(url, base)
        if hit is None:
            if is_external(url):
                problems.append(
                    f"{_describe(el)} loads {url} ({name}), which layers/assets.py does not "
                    f"provide offline; add the library to LIBRARIES (see layers/vendor/VENDORED.md)"
                )
            elif mode == "inline":
                problems.append(f"{_describe(el)}: cannot inline local asset {url} ({name})")
            else:
                new.append((name, url))
            continue
        lib, rel = hit
        if mode == "served":
            new.append((name, f"{base}/{lib.name}/{rel}"))
        else:
            inline.append((kind, name, InlineAsset(kind, lib, rel)))
    return new


def localize(fig: ElementT, mode: str = "served", base_url: str = DEFAULT_BASE_URL) -> ElementT:
    """Make ``fig`` (a folium Map or Figure) load every script and stylesheet locally.

    ``mode="served"``: each ``default_js``/``default_css`` URL becomes
    ``<base_url>/<lib>/<file>`` (call :func:`ensure_static` so the files exist).
    Root-relative URLs work inside the st_folium component iframe.

    ``mode="inline"``: the URLs are removed from the elements and the files'
    contents are put in the figure's header as ``<script>``/``<style>``
    blocks (CSS images as data: URIs), right after the charset ``<meta>``.

    URLs from :data:`DROPPED` are removed. Any other external URL raises
    :class:`OfflineAssetError`, as does an element that needs a dropped asset.
    Idempotent; a map localized for ``served`` can later be localized
    ``inline`` (see :func:`standalone_html`). Returns ``fig``.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    base = base_url.rstrip("/")
    root = _root_of(fig)
    inline: list[tuple[str, str, InlineAsset]] = []  # (kind, name, element)
    problems: list[str] = []
    updates: list[tuple[Element, str, list[tuple[str, str]]]] = []
    for el in pins.walk(root):
        why = _needs_dropped(el)
        if why:
            problems.append(f"{_describe(el)}: {why}")
        if not isinstance(el, folium.elements.JSCSSMixin):
            continue
        for kind, attr in (("js", "default_js"), ("css", "default_css")):
            updates.append(
                (el, attr, _local_links(el, kind, getattr(el, attr), mode, base, inline, problems))
            )
    if problems:  # raised before anything is changed: the map is left as it was
        raise OfflineAssetError(
            "Map needs assets that are not available offline:\n  " + "\n  ".join(problems)
        )
    if mode == "served":
        updates = _one_script_file(updates, base)
    for el, attr, new in updates:
        # Always assign a new list on the instance: folium's add_js_link would
        # otherwise mutate the class-level defaults shared by every map.
        setattr(el, attr, new)
    if isinstance(root, Figure):
        _rebuild_header(root, inline)
    elif inline:
        raise OfflineAssetError("inline mode needs an element that belongs to a branca Figure")
    return fig


def _one_script_file(
    updates: list[tuple[Element, str, list[tuple[str, str]]]], base: str
) -> list[tuple[Element, str, list[tuple[str, str]]]]:
    """The served script links of a whole map as one bundle on the first element that loads a script (the
    others load none), when every script is a registry file and there are several; else ``updates``."""
    members: list[tuple[WebLibrary, str]] = []
    for _el, attr, new in updates:
        for _name, url in new if attr == "default_js" else ():
            found = bundle_members(url, base) or ((hit,) if (hit := resolve(url, base)) else None)
            if found is None:
                return updates  # a script the registry does not hold: loaded as it is
            members.extend(found)
    names = {(lib.name, rel) for lib, rel in members}
    leaflet, rel = _registry_scripts()[0]
    if len(names) < 2 or (leaflet.name, rel) not in names:
        return updates
    url = bundle_url(members, base)
    first = next(i for i, (_e, attr, new) in enumerate(updates) if attr == "default_js" and new)
    return [
        (el, attr, [("rp_scripts", url)] if i == first else [] if attr == "default_js" else new)
        for i, (el, attr, new) in enumerate(updates)
    ]


def _rebuild_header(root: Figure, inline: list[tuple[str, str, InlineAsset]]) -> None:
    """Drop stale links/inline blocks from the header; put new inline blocks after the charset meta."""
    kept = [
        (k, v)
        for k, v in pins.children(root.header).items()
        if not isinstance(v, (JavascriptLink, CssLink, InlineAsset))
    ]
    first = [(k, v) for k, v in kept if k == "meta_http"]
    rest = [(k, v) for k, v in kept if k != "meta_http"]
    seen: set[str] = set()
    blocks = []
    # scripts in the registry's order (Leaflet first; the same whether the map was served as one bundle before
    # or not, so a page's download is the command's file), then stylesheets in walk order
    rank = _script_rank()
    scripts = sorted(
        (item for item in inline if item[0] == "js"),
        key=lambda item: rank.get((item[2].lib.name, item[2].rel), len(rank)),
    )
    for kind in ("js", "css"):
        for k, name, asset in scripts if kind == "js" else inline:
            key = f"{asset.lib.name}/{asset.rel}"
            if k == kind and key not in seen:
                seen.add(key)
                blocks.append((f"inline_{name}", asset))
    pins.set_children(root.header, [*first, *blocks, *rest])


# --------------------------------------------------------------------------
# Standalone HTML
# --------------------------------------------------------------------------

_LOADS = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?([^"'\s>]+)"""
    r"""|@import\s+(?:url\()?\s*["']?([^"')\s;]+)""",
    re.IGNORECASE,
)


def external_loads(html_text: str) -> list[str]:
    """External URLs the document would load as scripts, stylesheets or CSS imports."""
    out = []
    for m in _LOADS.finditer(html_text):
        url = next(g for g in m.groups() if g)
        if is_external(url):
            out.append(url)
    return out


def _clear_rendered(root: Figure) -> None:
    """Drop what an earlier render put in the figure, so this render adds each element once.

    Rendering keys each element's script and div by the element's name. When
    the map was shown with st_folium first, that call renamed every element
    (``_id``), so a second render would add the whole map again under the new
    names: two ``L.map(`` calls and a second copy in the downloaded file.
    Kept: the charset meta and the asset links/blocks (handled by :func:`localize`).
    """
    pins.set_children(root.html, [])
    pins.set_children(root.script, [])
    kept = [
        (k, v)
        for k, v in pins.children(root.header).items()
        if k == "meta_http" or isinstance(v, (JavascriptLink, CssLink, InlineAsset))
    ]
    pins.set_children(root.header, kept)


def standalone_html(fig: Element) -> str:
    """One complete HTML document of ``fig`` with every script and stylesheet inline.

    Opens from a file with no app and no internet; only tile URL templates of
    the chosen basemap point at the internet. ``fig`` is left as it was
    (its asset lists and figure header are restored afterwards).
    """
    root = _root_of(fig)
    if not isinstance(root, Figure):
        raise OfflineAssetError("standalone_html needs a folium Map (or an element of a Figure)")
    saved_parts = {
        part: list(pins.children(getattr(root, part)).items()) for part in ("header", "html", "script")
    }
    saved = [
        (el, pins.own_asset_lists(el)) for el in pins.walk(root) if isinstance(el, folium.elements.JSCSSMixin)
    ]
    try:
        _clear_rendered(root)
        localize(root, mode="inline")
        text = root.render()
    finally:
        for part, items in saved_parts.items():
            pins.set_children(getattr(root, part), items)
        for el, attrs in saved:
            pins.restore_asset_lists(el, attrs)
    leftovers = external_loads(text)
    if leftovers:
        raise OfflineAssetError("standalone HTML would load from the internet: " + ", ".join(leftovers))
    return text
