// 查找名称 on an exported map (no Python behind it): the names of the features every layer carries
// (their escaped titles, read back as text), the map goes to the chosen one and opens its popup.
window.rpFindControl = function(map) {
  var MAX = 8;
  function text(escaped) { var t = document.createElement('textarea'); t.innerHTML = escaped || ''; return t.value; }
  var Ctl = L.Control.extend({options: {position: 'topleft'},
    onAdd: function() {
      var box = L.DomUtil.create('div', 'leaflet-bar rp-find');
      var input = L.DomUtil.create('input', '', box);
      input.type = 'search'; input.placeholder = '查找名称'; input.title = '输入地图上任一图层中的名称，按回车定位';
      input.setAttribute('aria-label', '查找名称');
      var list = L.DomUtil.create('div', 'rp-find-list', box);
      function go(it) {
        var f = it.layer;
        if (f.getBounds) map.fitBounds(f.getBounds(), {maxZoom: 17, padding: [30, 30]});
        else map.setView(f.getLatLng(), Math.max(map.getZoom(), 16));
        map._rpFound = f;
        f.openPopup(f.getBounds ? f.getBounds().getCenter() : f.getLatLng());
      }
      function search() {
        var q = input.value.trim().toLowerCase(), hits = [];
        list.textContent = '';
        if (!q) return;
        (map._rpSets || []).forEach(function(set) {
          if (!map.hasLayer(set.group)) return;
          set.lay.eachLayer(function(f) {
            var name = text(f.feature.properties._pt);
            if (name && name.toLowerCase().indexOf(q) >= 0) hits.push({layer: f, name: name, exact: name.toLowerCase() === q});
          });
        });
        hits.sort(function(a, b) { return b.exact - a.exact; });
        if (!hits.length) { var none = L.DomUtil.create('div', 'rp-find-none', list); none.textContent = '未找到该名称'; return; }
        go(hits[0]);
        hits.slice(0, MAX).forEach(function(it) {
          var a = L.DomUtil.create('a', '', list); a.href = '#'; a.textContent = it.name; a.setAttribute('role', 'button');
          L.DomEvent.on(a, 'click', function(e) { L.DomEvent.preventDefault(e); go(it); });
        });
        if (hits.length > MAX) { var more = L.DomUtil.create('div', 'rp-find-none', list); more.textContent = '另有 ' + (hits.length - MAX) + ' 处'; }
      }
      L.DomEvent.on(input, 'keydown', function(e) { if (e.key === 'Enter') { L.DomEvent.preventDefault(e); search(); } });
      L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
      return box;
    }});
  new Ctl().addTo(map);
};
