// Identify: a click on a feature lists every feature under the click from every visible layer
// (not only the topmost), each with its popup table. rpLayer registers each layer in map._rpSets and
// builds its popups with rpIdentify (at the popup's position: where the planner clicked); all text in D.pop and the properties was escaped on the server.
(function(){
if (window.rpIdentify) return;
var MAX_LISTED = 12;
function rings(lls, out) {  // the LatLng rings of a (multi)polygon's nested arrays
  if (lls.length && lls[0] instanceof L.LatLng) { out.push(lls); return out; }
  for (var i = 0; i < lls.length; i++) rings(lls[i], out);
  return out;
}
function inRings(ll, rs) {  // even-odd over every ring: holes and separate parts count right
  var inside = false, x = ll.lng, y = ll.lat;
  rs.forEach(function(r) {
    for (var i = 0, j = r.length - 1; i < r.length; j = i++) {
      var a = r[i], b = r[j];
      if ((a.lat > y) !== (b.lat > y) && x < (b.lng - a.lng) * (y - a.lat) / (b.lat - a.lat) + a.lng) inside = !inside;
    }
  });
  return inside;
}
function nearLine(map, pt, lls, tol) {
  var parts = rings(lls, []);
  for (var k = 0; k < parts.length; k++) {
    var r = parts[k];
    for (var i = 1; i < r.length; i++) {
      var p1 = map.latLngToContainerPoint(r[i - 1]), p2 = map.latLngToContainerPoint(r[i]);
      if (L.LineUtil.pointToSegmentDistance(pt, p1, p2) <= tol) return true;
    }
  }
  return false;
}
function hit(map, f, ll, pt) {
  if (f instanceof L.CircleMarker) {
    return map.latLngToContainerPoint(f.getLatLng()).distanceTo(pt) <= f.getRadius() + 3;
  }
  if (f instanceof L.Polygon) {
    return f.getBounds().contains(ll) && inRings(ll, rings(f.getLatLngs(), []));
  }
  if (f instanceof L.Polyline) {
    return nearLine(map, pt, f.getLatLngs(), (f.options.weight || 3) / 2 + 4);
  }
  return false;
}
// Every feature under ll on the visible layers, topmost layer first: [{layer, D, p}]
window.rpFeaturesAt = function(map, ll) {
  var pt = map.latLngToContainerPoint(ll), found = [], sets = map._rpSets || [];
  for (var s = sets.length - 1; s >= 0; s--) {
    var set = sets[s];
    if (!map.hasLayer(set.group)) continue;
    set.lay.eachLayer(function(f) {
      if (hit(map, f, ll, pt)) found.push({layer: f, D: set.D, p: f.feature.properties});
    });
  }
  return found;
};
window.rpIdentify = function(map, clicked, D, p) {
  var pop = clicked.getPopup && clicked.getPopup(), ll = pop && pop.getLatLng();
  var list = ll ? rpFeaturesAt(map, ll) : [];
  var others = list.filter(function(it) { return it.layer !== clicked; });
  if (list.length === others.length) return rpPopupHtml(D.pop, p);  // not under the click (opened by script)
  var all = [{D: D, p: p}].concat(others), html = '';
  if (all.length > 1) html += '<div class="rp-ident-head">此处共 ' + all.length + ' 个要素</div>';
  all.slice(0, MAX_LISTED).forEach(function(it, i) {
    html += '<div class="rp-ident-item"' + (i ? ' style="border-top:1px solid #ccc;margin-top:6px;padding-top:6px"' : '') + '>' +
      rpPopupHtml(it.D.pop, it.p) + '</div>';
  });
  if (all.length > MAX_LISTED) html += '<div class="rp-note">另有 ' + (all.length - MAX_LISTED) + ' 个要素未列出，请放大后再点击。</div>';
  return html;
};
})();
