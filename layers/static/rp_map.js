// The platform's own Leaflet code for every map it draws (layers/render.py and layers/map_controls.py call
// these functions; their values arrive as JSON arguments, never spliced into this code).
// Loaded once per page (inline in a standalone file, in the map's frame in the pages).
(function(){
if (window.rpLayer) return;

// ---- map set-up: Chinese control texts, the point pane, a metric scale bar ---------------------------
window.rpMapSetup = function(map, cfg) {
  map._rpCfg = cfg;  // {pane, maxLabels}
  if (!map.getPane(cfg.pane)) {
    map.createPane(cfg.pane); map.getPane(cfg.pane).style.zIndex = 450;
  }
  if (window.L && L.drawLocal) {
    (function merge(dst, src){ for (var k in src) { if (typeof src[k] === 'object') { dst[k] = dst[k] || {}; merge(dst[k], src[k]); } else { dst[k] = src[k]; } } })(L.drawLocal, cfg.drawLocal);
  }
  L.control.scale({metric: true, imperial: false, position: 'bottomright'}).addTo(map);
  function retitle(){
    var box = map.getContainer();
    for (var sel in cfg.titles) {
      box.querySelectorAll(sel).forEach(function(el){ el.title = cfg.titles[sel]; el.setAttribute('aria-label', cfg.titles[sel]); });
    }
  }
  map.whenReady(function(){ retitle(); setTimeout(retitle, 0); setTimeout(retitle, 500); });
};

// Leaflet focuses the map on every first mouse-down; inside the map widget's frame that scrolled the
// page, so the mouse-up landed elsewhere: focus without scrolling (keyboard panning still works).
window.rpFocusWithoutScroll = function(map) {
  var kb = map.keyboard;
  if (!kb) { return; }
  var on = kb.enabled();
  if (on) { kb.disable(); }
  kb._onMouseDown = function(){ if (!this._focused) { this._map.getContainer().focus({preventScroll: true}); } };
  if (on) { kb.enable(); }
};

// A click answered at once. Inside the page's map widget (streamlit_folium 0.27.4, pinned) every map
// interaction reaches the page 250 ms after the last one (a debounce meant for panning). A click or a
// finished drawing is final: once the widget's own handlers have recorded it, the same value it would send
// is sent now, so the page's rerun starts 250 ms earlier; the debounced send then finds that value already
// sent (it compares with previous_data) and sends nothing. The value is built like the widget's
// updateComponentValue (same fields, same order, filtered by returned_objects). Not in a standalone file
// (no widget there) and not with wrap_longitude (never set by the pages).
window.rpInstantClicks = function(map) {
  function sendNow() {
    var g = window.__GLOBAL_DATA__, S = window.Streamlit;
    if (!g || !S || typeof S.setComponentValue !== 'function' || window.map !== map || g.wrap_longitude) return;
    var c = {
      last_clicked: g.lat_lng_clicked, last_object_clicked: g.last_object_clicked,
      last_object_clicked_count: g.last_object_clicked_count,
      last_object_clicked_tooltip: g.last_object_clicked_tooltip,
      last_object_clicked_popup: g.last_object_clicked_popup, all_drawings: g.all_drawings,
      last_active_drawing: g.last_active_drawing, last_geocoder_result: g.last_geocoder_result,
      bounds: map.getBounds(), zoom: map.getZoom(), last_circle_radius: g.last_circle_radius,
      last_circle_polygon: g.last_circle_polygon, center: map.getCenter(),
      selected_layers: Object.values(g.selected_layers || {}), selected_tags: g.selected_tags
    };
    var u = c;
    if (g.returned_objects) {
      u = {};
      Object.keys(c).forEach(function(k) { if (g.returned_objects.indexOf(k) >= 0) u[k] = c[k]; });
    }
    if (JSON.stringify(g.previous_data) === JSON.stringify(u)) return;
    g.previous_data = u;
    window.rpInstantSent = (window.rpInstantSent || 0) + 1;  // read by the journeys
    S.setComponentValue(u);
  }
  function later() { setTimeout(sendNow, 0); }  // after every handler of the same event
  map._rpSendSoon = later;  // a feature's click (rpLayer): its popup stops the click reaching the map
  map.on('click draw:created draw:edited draw:deleted', later);
};

// The page's style sheet (layers/static/rp_map.css), once per document.
window.rpStyle = function(id, css) {
  if (document.getElementById(id)) return;
  var s = document.createElement('style'); s.id = id; s.textContent = css; document.head.appendChild(s);
};

// A note on a tile basemap that cannot load (no internet): the layers still draw.
window.rpOfflineNote = function(map, text) {
  var errors = 0, loads = 0, shown = false;
  map.eachLayer(function(l){
    if (!(l instanceof L.TileLayer)) return;
    l.on('tileload', function(){ loads++; });
    l.on('tileerror', function(){
      errors++;
      if (shown || loads > 0 || errors < 2) return;
      shown = true;
      var c = L.control({position: 'bottomright'});
      c.onAdd = function(){ var d = L.DomUtil.create('div', 'rp-offline'); d.textContent = text; return d; };
      c.addTo(map);
    });
  });
};

// A control added under a name: one drawn again under the same name (a map's live part, below) replaces it.
window.rpSwapControl = function(map, name, ctl) {
  map._rpCtls = map._rpCtls || {};
  if (map._rpCtls[name]) { map.removeControl(map._rpCtls[name]); }
  map._rpCtls[name] = ctl.addTo(map);
  return ctl;
};

// Fit the map to bounds ([[s, w], [n, e]]) when they differ from the bounds it was last fitted to.
window.rpFit = function(map, bounds) {
  var key = JSON.stringify(bounds);
  if (map._rpFitted !== key) { map._rpFitted = key; map.fitBounds(bounds); }
};

// The drawing tools' editable group (layers/draw_control.py) and the shape put in it to be reshaped:
// parts [{kind: polygon|line|point, latlngs}]. Drawn again with another shape (a map's live part: a new
// selection, a saved edit), the previous shape goes and what the planner drew stays; the same shape again
// (a filter while reshaping) keeps the planner's reshaped one. Shapes that arrive before the group wait.
window.rpEditGroup = function(map, group) {
  map._rpEditGroup = group;
  if (map._rpEditPending) { var p = map._rpEditPending; map._rpEditPending = null; rpEditShapes(map, p[0], p[1]); }
};
window.rpEditShapes = function(map, parts, style) {
  var group = map._rpEditGroup;
  if (!group) { map._rpEditPending = [parts, style]; return; }
  var key = JSON.stringify([parts, style]);
  if (map._rpEditKey === key) { return; }
  map._rpEditKey = key;
  (map._rpEditShown || []).forEach(function(l) { group.removeLayer(l); });
  map._rpEditShown = parts.map(function(p) {
    var l = p.kind === 'point' ? L.marker(p.latlngs) :
      p.kind === 'line' ? L.polyline(p.latlngs, style) : L.polygon(p.latlngs, style);
    group.addLayer(l);
    return l;
  });
};

// A control whose inner HTML was built and escaped on the server (the legend).
window.rpControl = function(map, position, cssClass, innerHtml) {
  var Ctl = L.Control.extend({options: {position: position},
    onAdd: function() { var d = L.DomUtil.create('div', cssClass);
      d.innerHTML = innerHtml;
      L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d); return d; }});
  rpSwapControl(map, cssClass, new Ctl());
};

// A map's live part (layers/render.py, draw_scene(live=True)): the layers, layer control and legend that
// the page sends again on a rerun while the map itself stays (streamlit-folium's feature_group_to_add).
// The widget has removed the previous live group from the map; this removes what it does not know of:
// layers of that part a planner switched on through the layer control (added to the map itself) and
// their features in the click's identify list and in the labels.
window.rpLiveStart = function(map) {
  map._rpLiveRuns = (map._rpLiveRuns || 0) + 1;  // read by benchmarks/bench_planner_actions.py
  (map._rpSets || []).forEach(function(s) { if (map.hasLayer(s.group)) { map.removeLayer(s.group); } });
  map._rpSets = [];
  if (map._rpLabels) { map._rpLabels.clear(); }
};

// Buttons that fit the map to named extents (全区, 一站, 一带, 一园); views: [{label, bounds}].
window.rpBookmarks = function(map, views) {
  var Ctl = L.Control.extend({options: {position: 'topleft'},
    onAdd: function() {
      var div = L.DomUtil.create('div', 'leaflet-bar rp-bookmarks');
      views.forEach(function(v) {
        var a = L.DomUtil.create('a', '', div); a.href = '#'; a.textContent = v.label; a.title = '定位到' + v.label;
        a.setAttribute('role', 'button');
        L.DomEvent.on(a, 'click', function(e) { L.DomEvent.preventDefault(e); map.fitBounds(v.bounds); });
      });
      L.DomEvent.disableClickPropagation(div); return div; }});
  new Ctl().addTo(map);
};

// The page around a map's frame is told that its layers were switched (once the switches settle): the
// 添加到汇报 panel (layer_switches.js) then reads window.rpMaps[i]._rpGroups of the frame. Nothing when the map is not in a frame of
// the same origin (a downloaded file, a slide of the offline presentation's own document).
var rpTellTimer = null;
function rpTellPage() {
  if (rpTellTimer) { return; }
  rpTellTimer = setTimeout(function(){
    rpTellTimer = null;
    try {
      if (window.parent && window.parent !== window) {
        window.parent.dispatchEvent(new window.parent.CustomEvent('rp-layer-switch'));
      }
    } catch (e) { /* another origin: nobody to tell */ }
  }, 50);
}

// The legend shows only the layers switched on (groups: layer key -> FeatureGroup, kept as map._rpGroups),
// opens on wide maps; a layer group's checkbox is ticked when all its layers are on.
window.rpLegendSync = function(map, groups, smallPx) {
  map._rpGroups = groups;
  window.rpMaps = window.rpMaps || [];
  if (window.rpMaps.indexOf(map) < 0) { window.rpMaps.push(map); }
  if (map._rpSync) { map.off('layeradd layerremove', map._rpSync); }  // the previous live part's
  function syncGroups(){
    map.getContainer().querySelectorAll('.leaflet-control-layers-group').forEach(function(g){
      var sel = g.querySelector('.leaflet-control-layers-group-selector');
      var boxes = g.querySelectorAll('.leaflet-control-layers-selector'), on = 0;
      boxes.forEach(function(b){ if (b.checked) { on++; } });
      if (sel) { sel.checked = boxes.length > 0 && on === boxes.length; }
    });
  }
  function sync(){
    setTimeout(syncGroups, 0);  // after the layer control has updated its own checkboxes
    var box = map.getContainer().querySelector('.rp-legend');
    if (!box) { return; }
    box.querySelectorAll('[data-layer]').forEach(function(row){
      var fg = groups[row.getAttribute('data-layer')];
      row.style.display = (!fg || map.hasLayer(fg)) ? '' : 'none';
    });
    box.querySelectorAll('[data-legend-group]').forEach(function(sec){
      var rows = sec.querySelectorAll('[data-layer]'), shown = 0;
      rows.forEach(function(r){ if (r.style.display !== 'none') { shown++; } });
      sec.style.display = shown ? '' : 'none';
    });
  }
  map._rpSync = sync;
  map.on('layeradd layerremove', sync);
  if (!map._rpTells) { map._rpTells = true; map.on('layeradd layerremove', rpTellPage); }
  map.whenReady(function(){
    var det = map.getContainer().querySelector('.rp-legend details');
    if (det && map.getContainer().clientWidth >= smallPx) { det.open = true; }
    sync();
    rpTellPage();
  });
};

// Larger name labels and legend text, for a map shown on a projector (汇报模式).
window.rpLargeLabels = function() {
  window.rpStyle('rp-large', '.rp-label { font-size: 16px !important; } .rp-legend { font-size: 14px !important; }');
};

// A marker where the planner asked to go (定位), the map centred on it; map._rpGoto is the marker.
window.rpGotoMarker = function(map, lat, lon, title, tipHtml, zoom) {
  var mk = L.marker([lat, lon], {title: title, zIndexOffset: 1000});
  mk.bindTooltip(tipHtml, {permanent: true, direction: 'top', className: 'rp-goto'});
  mk.addTo(map);
  map._rpGoto = mk;
  map.whenReady(function(){ map.setView(mk.getLatLng(), Math.max(map.getZoom(), zoom)); });
};

// leaflet-measure 2.1.7 with Leaflet >= 1.8: no autopan on the capture marker.
window.rpPatchMeasure = function() {
  if (!L.Control.Measure || L.Control.Measure._rpPatched) return;
  L.Control.Measure._rpPatched = true;
  L.Control.Measure.include({
    _setCaptureMarkerIcon: function () {
      this._captureMarker.options.autoPanOnFocus = false;
      this._captureMarker.setIcon(L.divIcon({iconSize: this._map.getSize().multiplyBy(2)}));
    },
  });
};

// ---- feature layers: one call per layer, popups built on click, labels placed without overlaps --------
function rpPopup(P, p) {
  var rows = '', v = p._pv || [];
  for (var i = 0; i < P.labels.length; i++) {
    var t = P.strs[v[i]];
    if (t) rows += '<tr><th>' + P.labels[i] + '</th><td>' + t + '</td></tr>';
  }
  return '<div class="rp"><div class="rp-title">' + (p._pt || '') +
    (p._pa ? '<span class="rp-badge">' + p._pa + '</span>' : '') + '</div>' +
    '<table class="rp-table">' + rows + '</table>' +
    (P.note ? '<div class="rp-note">' + P.note + '</div>' : '') +
    '<div class="rp-src">' + P.src + '</div></div>';
}
window.rpPopupHtml = rpPopup;
function rpLabels(map) {
  if (map._rpLabels) return map._rpLabels;
  var cfg = map._rpCfg;
  var pane = map.createPane('rpLabelPane');
  pane.style.zIndex = 640; pane.style.pointerEvents = 'none';
  var sets = [], timer = null;
  function place() {
    timer = null;
    while (pane.firstChild) pane.removeChild(pane.firstChild);
    var items = [];
    sets.forEach(function(s) { if (map.hasLayer(s.group)) items = items.concat(s.items); });
    items.sort(function(a, b) { return b[3] - a[3]; });
    var size = map.getSize(), grid = {}, cell = 48, n = 0, frag = document.createDocumentFragment();
    for (var i = 0; i < items.length && n < cfg.maxLabels; i++) {
      var it = items[i], cp = map.latLngToContainerPoint([it[0], it[1]]);
      var x0 = cp.x + 8, y0 = cp.y - 9, x1 = x0 + it[4], y1 = y0 + 18;
      if (x1 < 0 || y1 < 0 || x0 > size.x || y0 > size.y) continue;
      var gx0 = Math.floor(x0 / cell), gx1 = Math.floor(x1 / cell);
      var gy0 = Math.floor(y0 / cell), gy1 = Math.floor(y1 / cell), hit = false;
      for (var gx = gx0; gx <= gx1 && !hit; gx++) for (var gy = gy0; gy <= gy1 && !hit; gy++) {
        var bs = grid[gx + ',' + gy] || [];
        for (var k = 0; k < bs.length; k++) {
          var b = bs[k];
          if (x0 < b[2] && b[0] < x1 && y0 < b[3] && b[1] < y1) { hit = true; break; }
        }
      }
      if (hit) continue;
      var box = [x0, y0, x1, y1];
      for (gx = gx0; gx <= gx1; gx++) for (gy = gy0; gy <= gy1; gy++) {
        (grid[gx + ',' + gy] = grid[gx + ',' + gy] || []).push(box);
      }
      var d = document.createElement('div');
      d.className = 'rp-label'; d.style.position = 'absolute';
      d.innerHTML = it[2];  // escaped on the server
      L.DomUtil.setPosition(d, map.containerPointToLayerPoint([x0, y0]));
      frag.appendChild(d); n++;
    }
    pane.appendChild(frag);
  }
  function later() { if (!timer) timer = setTimeout(place, 30); }
  map.on('zoomend moveend resize overlayadd overlayremove layeradd layerremove', later);
  map.on('zoomstart', function() { pane.style.display = 'none'; });
  map.on('zoomend', function() { pane.style.display = ''; });
  map._rpLabels = {add: function(group, items) { sets.push({group: group, items: items}); later(); },
                   clear: function() { sets = []; later(); }};
  return map._rpLabels;
}
window.rpLayer = function(map, group, D) {
  var cfg = map._rpCfg;
  var lay = L.geoJSON(D.fc, {
    style: function(f) { return D.styles[f.properties._s]; },
    // points: a filled disc (the whole symbol takes a click) in the point pane above the polygons
    pointToLayer: function(f, ll) {
      return L.circleMarker(ll, L.extend({pane: cfg.pane, fill: true}, D.styles[f.properties._s]));
    },
    onEachFeature: function(f, layer) {
      var p = f.properties;
      p._layer = D.key;
      if (p._tip) layer.bindTooltip(p._tip, {sticky: true});
      // identify: the popup lists every feature under the click, this one first (layers/static/identify.js)
      if (D.pop) layer.bindPopup(function(l) { return rpIdentify(map, l, D, p); }, {maxWidth: 380, minWidth: 240, maxHeight: 420});
      // a map that wants locations (click_through): a click on a feature is also a click on the map there
      layer.on('click', function(e) {
        if (map._rpSendSoon) map._rpSendSoon();
        if (map.options.rpClickThrough) map.fire('click', {latlng: e.latlng, layerPoint: e.layerPoint,
          containerPoint: e.containerPoint, originalEvent: e.originalEvent});
      });
    }
  });
  lay.addTo(group);
  (map._rpSets = map._rpSets || []).push({group: group, lay: lay, D: D});
  if (D.labels && D.labels.length) rpLabels(map).add(group, D.labels);
};
})();
