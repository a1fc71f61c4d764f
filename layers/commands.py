"""Map commands of ``python -m renewal`` (they need folium, so they live here)."""

from __future__ import annotations


def register(sub) -> None:
    """Add the map commands to the CLI (filled in by the layout-map work)."""
