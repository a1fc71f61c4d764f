"""The layer switches of a page map as the planner left them in the browser, for 添加到汇报.

The switches happen in the map's frame (the Leaflet layer control of :func:`layers.render.draw_scene`),
without a rerun: a page passes ``returned_objects`` to ``st_folium`` so a pan or a layer switch never reruns
it, and ``st_folium``'s own ``selected_layers`` only follows WMS layers. Ways considered (issue 22 follow-up):

- *the map's value* (``st_folium``): every ``Streamlit.setComponentValue`` is a widget change sent at once
  (``fromUser``), so reporting the switches there would rerun the page (or the map's fragment) on every
  switch, and on 更新项目 and 生活圈覆盖 (maps that report nothing) add reruns where there were none;
- *the page URL* (the map's script writing ``window.parent.history.replaceState``, then ``st.query_params``
  on the click's run): Streamlit 1.67 sends with a rerun the query string it keeps in its own state
  (``App.getQueryString``: that state when not empty, the URL only when it is), so once a page keeps
  anything in the URL (更新项目's filters and selection, or any link opened with parameters) the map's
  change is not sent; and 更新项目 rewrites its parameters (``sites_state.write_url``), dropping others;
- *a value inside a form* (chosen): a small custom component (``st.components.v2``, the module
  ``layers/static/layer_switches.js``) inside the 添加到汇报 form keeps the keys switched on as its state
  value; ``rp_map.js`` keeps each map's layer groups and tells the page after every switch. A widget value
  inside ``st.form`` is sent with the form's submit and not before, so a switch reruns nothing and the
  click on 添加到汇报 carries the switches as they are. Works in Chromium because the map frame has the
  page's origin (a component served by the app); where the map cannot be read (no report), the view keeps
  each layer's default visibility, as before.

What comes back is checked against the map's own layer keys (:func:`layers.presentation.reported_switches`):
unknown keys and anything not a text are ignored; keys are used as keys, never as markup.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from layers.assets import own_asset
from layers.presentation import reported_switches
from layers.scene import Scene

COMPONENT = "rp_layer_switches"


def _keep(*_: Any) -> None:
    """The state callback a v2 component needs to declare its ``visible`` value (nothing to do)."""


def switches(scene: Scene, *, key: str) -> dict[str, bool] | None:
    """Mount the reader inside the caller's form and give the map's layer switches as last submitted
    (layer key -> on, every key of ``scene``; None before the browser has reported any)."""
    component = st.components.v2.component(COMPONENT, js=own_asset("layer_switches.js"))
    result = component(
        key=f"{key}_layer_switches",
        data={"keys": list(dict.fromkeys(scene.keys))},
        default={"visible": None},
        on_visible_change=_keep,
    )
    return reported_switches(scene, result.get("visible"))
