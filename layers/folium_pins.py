"""The private parts of branca and folium the map back-end relies on, in one place.

branca and folium have no public way to walk an element tree, swap a figure's parts, give back the ids
streamlit-folium renames, override an element's script/style lists per instance, or render an element's
macros without a second template pass. The back-end does all of that through this module only;
:func:`check` tries each pin on a fresh map, and ``tests/test_folium_pins.py`` fails with the list of broken
pins when an upgrade of folium or branca changes one of them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping

from branca.element import Element, MacroElement

#: An element's own lists of script and style sheet links (folium's ``JSCSSMixin`` class defaults).
ASSET_ATTRS = ("default_js", "default_css")


def children(el: Element) -> OrderedDict[str, Element]:
    """An element's children by name (branca's ``_children``); an element without any has none."""
    found = getattr(el, "_children", None)
    return found if found is not None else OrderedDict()


def set_children(el: Element, items: Iterable[tuple[str, Element]]) -> None:
    """Replace an element's children (e.g. a figure's header) in the given order."""
    el._children = OrderedDict(items)


def remove_child(el: Element, name: str) -> None:
    del el._children[name]


def parent(el: Element) -> Element | None:
    """The element ``el`` was added to (branca's ``_parent``), or None."""
    return getattr(el, "_parent", None)


def walk(el: Element) -> Iterator[Element]:
    """``el`` and every element below it, depth first."""
    yield el
    for child in children(el).values():
        yield from walk(child)


def own_id(el: Element) -> str | None:
    """The id an element holds itself (streamlit-folium renames elements by setting ``_id``)."""
    return el.__dict__.get("_id")


def set_id(el: Element, value: str) -> None:
    el._id = value


def own_asset_lists(el: Element) -> dict[str, list[object]]:
    """The script/style lists set on this element itself (not the class defaults)."""
    return {a: el.__dict__[a] for a in ASSET_ATTRS if a in el.__dict__}


def restore_asset_lists(el: Element, saved: Mapping[str, list[object]]) -> None:
    """Give back an element's own script/style lists as :func:`own_asset_lists` found them."""
    for a in ASSET_ATTRS:
        if a in saved:
            setattr(el, a, saved[a])
        else:
            el.__dict__.pop(a, None)


def template_macros(el: Element) -> Mapping[str, Callable[..., str]]:
    """The macros (``header``, ``html``, ``script``) of an element's compiled template."""
    return el._template.module.__dict__


def replace_macro_render(render: Callable[..., None]) -> None:
    """Make every branca/folium MacroElement render with ``render`` (idempotent)."""
    if MacroElement.render is not render:
        # The one deliberate patch: branca has no hook to render an element without a second template pass.
        MacroElement.render = render  # type: ignore[method-assign]


def check() -> list[str]:
    """Each pin tried on a fresh folium map; the pins that no longer hold, in words (empty: all hold)."""
    import folium
    from folium.elements import JSCSSMixin

    problems = []
    m = folium.Map(tiles=None)
    group = folium.FeatureGroup(name="pin").add_to(m)
    root = m.get_root()
    if not isinstance(getattr(m, "_children", None), OrderedDict) or group.get_name() not in m._children:
        problems.append("Element._children is no longer the ordered dict of children by name")
    if getattr(group, "_parent", None) is not m:
        problems.append("Element._parent is no longer the element a child was added to")
    for part in ("header", "html", "script"):
        if not isinstance(getattr(getattr(root, part, None), "_children", None), OrderedDict):
            problems.append(f"Figure.{part} no longer holds its children in _children")
    before = group.get_name()
    group._id = "pinned"
    if own_id(group) != "pinned" or group.get_name() == before:
        problems.append("Element._id no longer names the element (get_name)")
    if not issubclass(folium.Map, JSCSSMixin) or not all(
        isinstance(getattr(folium.Map, a, None), list) for a in ASSET_ATTRS
    ):
        problems.append("folium's JSCSSMixin no longer keeps default_js/default_css lists on the class")
    macros = getattr(getattr(getattr(m, "_template", None), "module", None), "__dict__", {})
    if not {"header", "html", "script"} & set(macros):
        problems.append("a MacroElement's _template.module no longer exposes its macros")
    if not issubclass(folium.Map, MacroElement) or not issubclass(MacroElement, Element):
        problems.append("folium.Map is no longer a branca MacroElement")
    return problems
