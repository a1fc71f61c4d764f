// Snapping for the drawing tools (layers/draw_control.py): while a planner draws or reshapes a site, a
// vertex within a few pixels of another site's vertex or of the district boundary is put on it. The
// targets arrive as JSON in the map's display coordinates; a checkbox on the map turns snapping off.
// The server snaps the returned drawing again within centimetres (renewal/sites/snapping.py), because
// the drawing comes back rounded to 1e-6 degrees.
(function(){
if (window.rpSnap) return;

function nearestOnSegment(p, a, b) {
  var dx = b.x - a.x, dy = b.y - a.y, len = dx * dx + dy * dy;
  var t = len ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len : 0;
  t = Math.max(0, Math.min(1, t));
  return L.point(a.x + t * dx, a.y + t * dy);
}

// The snapped position of latlng on map (a L.LatLng), or null when nothing is within the tolerance.
function snapLatLng(map, latlng) {
  var s = map._rpSnap;
  if (!s || !s.on) return null;
  var p = map.latLngToContainerPoint(latlng), best = null, bestD = s.px;
  s.vertices.forEach(function(v){
    var d = map.latLngToContainerPoint(v).distanceTo(p);
    if (d <= bestD) { bestD = d; best = L.latLng(v[0], v[1]); }
  });
  if (best) return best;  // a vertex wins over a point of the boundary line
  s.lines.forEach(function(line){
    for (var i = 1; i < line.length; i++) {
      var a = map.latLngToContainerPoint(line[i - 1]), b = map.latLngToContainerPoint(line[i]);
      var q = nearestOnSegment(p, a, b), d = q.distanceTo(p);
      if (d <= bestD) { bestD = d; best = map.containerPointToLatLng(q); }
    }
  });
  return best;
}
window.rpSnapLatLng = snapLatLng;

function patchDraw() {
  if (!L.Draw || !L.Draw.Polyline || L.Draw.Polyline.prototype._rpSnapped) return;
  var proto = L.Draw.Polyline.prototype, addVertex = proto.addVertex;
  proto._rpSnapped = true;
  proto.addVertex = function(latlng) {
    return addVertex.call(this, snapLatLng(this._map, latlng) || latlng);
  };
  var Marker = L.Draw.Marker && L.Draw.Marker.prototype;
  if (Marker) {
    var onClick = Marker._onClick;
    Marker._onClick = function() {
      var at = this._marker && snapLatLng(this._map, this._marker.getLatLng());
      if (at) this._marker.setLatLng(at);
      return onClick.apply(this, arguments);
    };
  }
  var Edit = L.Edit && L.Edit.PolyVerticesEdit && L.Edit.PolyVerticesEdit.prototype;
  if (Edit) {
    var onDrag = Edit._onMarkerDrag;
    Edit._onMarkerDrag = function(e) {
      var m = e.target, at = this._poly._map && snapLatLng(this._poly._map, m.getLatLng());
      if (at) { m._latlng = at; m.update(); }
      return onDrag.apply(this, arguments);
    };
  }
}

window.rpSnap = function(map, cfg) {
  patchDraw();
  if (map._rpSnap) {  // called again by a map's live part: new targets, the planner's tick kept
    map._rpSnap.px = cfg.px; map._rpSnap.vertices = cfg.vertices; map._rpSnap.lines = cfg.lines;
    return;
  }
  map._rpSnap = {on: true, px: cfg.px, vertices: cfg.vertices, lines: cfg.lines};
  var ring = L.circleMarker([0, 0], {radius: 7, color: '#e74c3c', weight: 2, fill: false, interactive: false});
  map.on('mousemove', function(e){
    var at = map._rpSnap.on && (map._rpDrawing ? snapLatLng(map, e.latlng) : null);
    if (at) { ring.setLatLng(at); if (!map.hasLayer(ring)) ring.addTo(map); }
    else if (map.hasLayer(ring)) { map.removeLayer(ring); }
  });
  map.on('draw:drawstart draw:editstart', function(){ map._rpDrawing = true; });
  map.on('draw:drawstop draw:editstop', function(){
    map._rpDrawing = false; if (map.hasLayer(ring)) map.removeLayer(ring);
  });
  var c = L.control({position: 'topright'});
  c.onAdd = function(){
    var box = L.DomUtil.create('label', 'rp-snap');
    var tick = L.DomUtil.create('input', '', box);
    tick.type = 'checkbox'; tick.checked = true;
    box.appendChild(document.createTextNode(cfg.label));
    box.title = cfg.hint;
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.on(tick, 'change', function(){ map._rpSnap.on = tick.checked; });
    return box;
  };
  c.addTo(map);
};
})();
