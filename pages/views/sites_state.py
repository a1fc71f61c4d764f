"""The 更新项目 page's state: one dataclass kept under one session key, and the URL query parameters.

Everything the page remembers between reruns lives in :class:`SitesPageState`
(``st.session_state[STATE_KEY]``), not in loose string keys. The filters and the
selected site are also kept in the URL (``?site=RS-004&area=...&type=...&status=...&q=...``)
so a link to one site can be shared and a reload keeps them. Values read from the URL
are data: unknown ones are dropped, text is cleaned and shortened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import streamlit as st

import geodata
from renewal.sites import schema

STATE_KEY = "sites_page"
#: Widget keys of the sidebar filters (their values are kept by Streamlit; the URL mirrors them).
FILTER_KEYS = {"area": "f_area", "type": "f_type", "status": "f_status"}
QUERY_KEY = "f_query"
#: The edit, vertex and add panels (pages.views.sites_edit): widget keys of their expanders. Each is drawn only
#: once the planner opens it (or the page opens it: a drawn shape, a refused save), then for as long as the
#: selection lasts (the add panel: until a site is added), folded or not, so nothing typed is lost; a row or map
#: click then re-sends no form the planner did not open (issue 22: the forms were about a third of the
#: browser's work per click).
PANELS = {"edit": "sites_panel_edit", "vertices": "sites_panel_vertices", "add": "sites_panel_add"}
MAX_QUERY_CHARS = 100


@dataclass
class SitesPageState:
    """What the 更新项目 page remembers between reruns."""

    selected: str | None = None  # the selected site's id
    table_gen: int = 0  # a new table key after a map selection or other rows: the chosen row on top, ticked
    table_ids: list[str] = field(default_factory=list)  # the ids in the order the table showed them
    table_first: str | None = None  # the site this table's generation put on top
    last_table_pick: str | None = None
    map_feature: dict | None = None  # the last feature clicked on the map
    last_map_pick: str | None = None
    edit_site: str | None = None  # the site and version the edit form started from
    edit_version: int = 0
    form_gen: int = 0  # a new edit form (fresh values) after a save, an undo or a new selection
    conflict: str = ""  # the notice after a refused stale save (what the planner typed is kept)
    conflict_diffs: list = field(default_factory=list)  # its field-by-field diff (renewal.sites.merge)
    #: What the edit form started from: (form fields, geometry, version, fingerprint of the map's drawings)
    edit_base: tuple | None = None
    used_drawings: list[str] = field(default_factory=list)  # drawings already used by 新增
    import_gen: int = 0  # a new uploader after an import (the same file is not imported twice)
    import_key: tuple | None = None  # (file id, coordinate system) of the checked upload
    import_result: object = None  # its ImportResult (checked once, not on every rerun)
    url_read: bool = False
    snap_targets: object = None  # what the map's drawn vertices snap to (renewal.sites.snapping.SnapTargets)
    #: The panel keys (pages.views.sites_edit.PANELS) opened for this selection: drawn from then on, also folded
    #: again, so what the planner typed is kept; a panel never opened is not drawn (issue 22).
    panels_shown: set[str] = field(default_factory=set)

    def opened_version(self, site_id: str | None) -> int | None:
        """The version of ``site_id`` the planner opened (the form's base while a refused save is pending:
        the colleague's change stays announced until the planner saves again), or None."""
        if site_id is None or self.edit_site != site_id:
            return None
        if self.conflict_diffs and self.edit_base is not None:
            return self.edit_base[2]
        return self.edit_version

    def start_edit(self, site_id: str | None, version: int) -> None:
        """Edit ``site_id`` from ``version`` with a fresh form."""
        self.edit_site, self.edit_version = site_id, version
        self.form_gen += 1
        self.conflict, self.conflict_diffs, self.edit_base = "", [], None
        self.panels_shown.difference_update((PANELS["edit"], PANELS["vertices"]))


def get() -> SitesPageState:
    """The page's state (created on the first run; the URL read into it and the filters once)."""
    state = st.session_state.get(STATE_KEY)
    if not isinstance(state, SitesPageState):
        state = SitesPageState()
        st.session_state[STATE_KEY] = state
    if not state.url_read:
        state.url_read = True
        apply_url(state, st.query_params.to_dict() | {k: st.query_params.get_all(k) for k in FILTER_KEYS})
    return state


def _allowed(values, allowed) -> list[str]:
    values = [values] if isinstance(values, str) else list(values or ())
    return [v for v in dict.fromkeys(values) if v in allowed]


def url_filters(params: Mapping) -> dict:
    """Filter values from URL parameters, keeping only known ones: widget key -> value."""
    out: dict[str, list[str] | str] = {
        FILTER_KEYS["area"]: _allowed(params.get("area"), schema.RENEWAL_AREAS),
        FILTER_KEYS["type"]: _allowed(params.get("type"), schema.SITE_TYPES),
        FILTER_KEYS["status"]: _allowed(params.get("status"), geodata.STATUS_LABELS),
    }
    q = params.get("q")
    q = q[0] if isinstance(q, list) and q else q
    if isinstance(q, str):
        out[QUERY_KEY] = schema.printable(q)[:MAX_QUERY_CHARS]
    return {k: v for k, v in out.items() if v}


def url_site(params: Mapping) -> str | None:
    """The site id of a URL, if it looks like one (the page then keeps it only if it exists)."""
    sid = params.get("site")
    sid = sid[0] if isinstance(sid, list) and sid else sid
    return sid if isinstance(sid, str) and schema.SITE_ID_PATTERN.fullmatch(sid) else None


def apply_url(state: SitesPageState, params: Mapping) -> None:
    """Set the filters and the selection from URL parameters (first run of a session)."""
    for key, value in url_filters(params).items():
        st.session_state.setdefault(key, value)
    state.selected = state.selected or url_site(params)


def write_url(state: SitesPageState) -> None:
    """Mirror the filters and the selection into the URL (only what differs, so nothing reruns)."""
    want: dict[str, list[str]] = {}
    names = {**{v: k for k, v in FILTER_KEYS.items()}, QUERY_KEY: "q"}
    for key, name in names.items():
        value = st.session_state.get(key)
        values = [value] if isinstance(value, str) else list(value or ())
        if [v for v in values if v]:
            want[name] = [v for v in values if v]
    if state.selected:
        want["site"] = [state.selected]
    have = {k: st.query_params.get_all(k) for k in st.query_params}
    if have != want:
        st.query_params.from_dict(want)
