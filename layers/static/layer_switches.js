// 添加到汇报: which layers of a page map are switched on, for the view the planner adds (a Streamlit
// custom component, st.components.v2, mounted inside the panel's form; pages/views/layer_switches.py).
//
// The map is in its own same-origin frame (streamlit_folium); rp_map.js keeps every map's layer groups
// (window.rpMaps[i]._rpGroups: layer key -> FeatureGroup) and tells this document after every switch
// (event 'rp-layer-switch'). The component finds the map whose layer keys are exactly data.keys (the
// panel's own map), and keeps the keys switched on as its state value 'visible'. Inside a form that value
// is sent with the form's submit only: a layer switch never reruns the page.
export default function (component) {
  const { data, setStateValue } = component;
  const want = ((data && data.keys) || []).slice().sort().join('\n');
  let last = null;

  function visibleIn(win) {
    try {
      const maps = win.rpMaps || [];
      for (const map of maps) {
        const groups = map._rpGroups || {};
        const keys = Object.keys(groups);
        if (keys.slice().sort().join('\n') !== want) { continue; }
        return keys.filter(function (k) { return map.hasLayer(groups[k]); });
      }
    } catch (e) { /* a frame of another origin */ }
    return null;
  }

  function read() {
    let found = null;
    document.querySelectorAll('iframe').forEach(function (f) {
      if (found === null && f.contentWindow) { found = visibleIn(f.contentWindow); }
    });
    if (found === null) { return; }
    const text = JSON.stringify(found);
    if (text !== last) {
      last = text;
      setStateValue('visible', found);
    }
  }

  read();
  window.addEventListener('rp-layer-switch', read);
  return function () { window.removeEventListener('rp-layer-switch', read); };
}
