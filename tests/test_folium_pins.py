"""The private parts of branca/folium the map back-end uses (layers/folium_pins.py) still hold, and a
change to one of them is caught (as an upgrade of folium or branca would make it)."""

from __future__ import annotations

import re
from pathlib import Path

import folium
import pytest
from branca.element import Element

from layers import folium_pins

ROOT = Path(__file__).resolve().parent.parent


def test_every_pin_holds_on_the_installed_folium_and_branca():
    assert folium_pins.check() == []


def test_a_renamed_children_attribute_is_caught(monkeypatch):
    original = Element.add_child

    def add_child(self, child, name=None, index=None):  # an upgrade that stores children elsewhere
        out = original(self, child, name=name, index=index)
        self._kids = self.__dict__.pop("_children")
        return out

    monkeypatch.setattr(Element, "add_child", add_child)
    assert any("_children" in p for p in folium_pins.check())


def test_class_level_asset_lists_going_away_is_caught(monkeypatch):
    monkeypatch.setattr(folium.Map, "default_js", tuple(folium.Map.default_js))
    assert any("default_js" in p for p in folium_pins.check())


@pytest.mark.parametrize("pattern", [r"\._children\b", r"__dict__", r"\._id\b", r"\._template\.module"])
def test_no_other_module_touches_the_pinned_private_parts(pattern):
    """Only layers/folium_pins.py reaches into branca/folium's private attributes (templates aside)."""
    offenders = [
        p.relative_to(ROOT).as_posix()
        for p in [*(ROOT / "layers").glob("*.py"), *(ROOT / "pages").rglob("*.py")]
        if p.name != "folium_pins.py" and re.search(pattern, p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
