"""AppTest help for the 更新项目 page: its edit, vertex and add panels are drawn only once opened
(``pages.views.sites_state.PANELS``); a test that uses a form opens them first, as a planner does."""

from __future__ import annotations

from pages.views.panels import open_panel
from pages.views.sites_state import PANELS


def open_panels(at):
    """Open every panel of the 更新项目 page before ``at`` runs (a planner's click on each heading)."""
    for key in PANELS.values():
        open_panel(at.session_state, key)
    return at
