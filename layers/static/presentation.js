/* 汇报模式: one presentation, slides switched in the browser (layers/presentation.py).
   Keys (a presentation clicker sends PageDown/PageUp): PageDown, →, ↓, space = next; PageUp, ←, ↑ = previous;
   Home/End = first/last. They work wherever the focus is: this document, every slide's map frame (after a
   click on the map) and, when embedded in the app's page, that page. */
(function () {
  var data = JSON.parse(document.getElementById('rp-data').textContent);
  var slides = Array.prototype.slice.call(document.querySelectorAll('.rp-slide'));
  var n = slides.length, current = 0;
  var count = document.getElementById('rp-count');
  var prev = document.getElementById('rp-prev'), next = document.getElementById('rp-next');
  var full = document.getElementById('rp-full');
  var host = null;  // the app's page when embedded (same origin), else null
  try { if (window.frameElement && window.parent.document) host = window.parent; } catch (e) { host = null; }
  var STORE = 'rp-present-step';

  function leafletMap(frame) {
    try {
      var w = frame.contentWindow;
      if (!w || !w.L) return null;
      for (var k in w) { var v = w[k]; if (v && v instanceof w.L.Map) return v; }
    } catch (e) { return null; }
    return null;
  }

  function frame(i) { return slides[i].querySelector('iframe'); }

  var fitted = {};  // slide -> the map size its extent was last fitted to: a slide change redraws nothing
  function fit(i) {
    var f = frame(i), m = f && leafletMap(f), ext = data[i].extent;
    if (!m) return;
    var size = f.clientWidth + 'x' + f.clientHeight;
    if (fitted[i] === size) return;
    fitted[i] = size;
    m.invalidateSize(false);
    if (ext) m.fitBounds(ext, {padding: [12, 12], animate: false});
  }

  function fitTitle(i) {
    var t = slides[i].querySelector('.rp-title');
    t.style.fontSize = '';
    var size = parseFloat(getComputedStyle(t).fontSize);
    while (t.scrollWidth > t.clientWidth + 1 && size > 14) { size -= 1; t.style.fontSize = size + 'px'; }
  }

  function show(i) {
    i = Math.max(0, Math.min(n - 1, i));
    if (i !== current) slides[current].hidden = true;
    slides[i].hidden = false;
    current = i;
    count.textContent = '第 ' + (i + 1) + ' / ' + n + ' 页';
    prev.disabled = i === 0;
    next.disabled = i === n - 1;
    fitTitle(i);
    fit(i);
    try { sessionStorage.setItem(STORE, String(i)); } catch (e) { /* storage off: start at 1 next time */ }
    document.documentElement.setAttribute('data-slide', data[i].key);
  }

  var EDITABLE = /^(INPUT|TEXTAREA|SELECT)$/;
  function onKey(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    var t = e.target, typing = t && (EDITABLE.test(t.tagName) || t.isContentEditable);
    var step = 0;
    switch (e.key) {
      case 'PageDown': step = 1; break;
      case 'PageUp': step = -1; break;
      case 'ArrowRight': case 'ArrowDown': case ' ': case 'Spacebar': if (!typing) step = 1; break;
      case 'ArrowLeft': case 'ArrowUp': if (!typing) step = -1; break;
      case 'Home': if (!typing) step = -n; break;
      case 'End': if (!typing) step = n; break;
      default: return;
    }
    if (!step) return;
    e.preventDefault();
    e.stopPropagation();
    show(current + step);
  }

  function hostKey(e) {  // on the app's page: only where the planner is not typing or choosing
    var t = e.target;
    if (t && t.closest && t.closest('input, textarea, select, [role=listbox], [role=combobox], [role=slider], [contenteditable=true]')) return;
    onKey(e);
  }

  document.addEventListener('keydown', onKey, true);
  if (host) {
    try {
      if (host.__rpPresentKeys) host.document.removeEventListener('keydown', host.__rpPresentKeys, true);
    } catch (e) { /* the previous presentation's frame is gone */ }
    host.__rpPresentKeys = hostKey;
    host.document.addEventListener('keydown', hostKey, true);
    window.addEventListener('pagehide', function () {
      try {
        if (host.__rpPresentKeys === hostKey) {
          host.document.removeEventListener('keydown', hostKey, true);
          host.__rpPresentKeys = null;
        }
      } catch (e) { /* gone */ }
    });
  }

  prev.addEventListener('click', function () { show(current - 1); });
  next.addEventListener('click', function () { show(current + 1); });
  [prev, next, full].forEach(function (b) {
    b.addEventListener('mousedown', function (e) { e.preventDefault(); });  // keep the focus where it is
  });

  // Full screen: the presentation alone (when embedded, its frame in the app's page)
  var fsDoc = host ? host.document : document;
  var fsTarget = host ? window.frameElement : document.documentElement;
  function fsChanged() {
    full.textContent = fsDoc.fullscreenElement ? '退出全屏' : '全屏';
    setTimeout(function () { fitTitle(current); fit(current); }, 60);
  }
  full.addEventListener('click', function () {
    if (fsDoc.fullscreenElement) fsDoc.exitFullscreen();
    else if (fsTarget.requestFullscreen) fsTarget.requestFullscreen();
  });
  fsDoc.addEventListener('fullscreenchange', fsChanged);
  window.addEventListener('resize', function () { fitTitle(current); fit(current); });

  // Embedded: the frame fills the app's window from where it starts down to the bottom
  function sizeFrame() {
    if (!host) return;
    var fe = window.frameElement;
    if (host.document.fullscreenElement === fe) return;
    var top = fe.getBoundingClientRect().top + host.scrollY;
    var h = Math.max(420, Math.round(host.innerHeight - top - 8));
    if (Math.abs(fe.offsetHeight - h) > 2) {
      fe.style.height = h + 'px';
      fe.setAttribute('height', String(h));
      var box = fe.closest('[data-testid="stElementContainer"]');  // the page's slot for the frame
      if (box) { box.style.height = h + 'px'; box.style.minHeight = h + 'px'; }
    }
  }
  if (host) { sizeFrame(); host.addEventListener('resize', sizeFrame); }

  // One map frame per slide: the shown slide's first, then the others one after another (hidden slides
  // keep their size, so each map is laid out and framed before it is shown)
  function addFrame(i, then) {
    var s = slides[i], f = document.createElement('iframe');
    f.title = s.querySelector('.rp-title').textContent;
    f.addEventListener('load', function () {
      try { f.contentWindow.addEventListener('keydown', onKey, true); } catch (e) { /* not ours */ }
      try { fit(i); } finally { then(); }
    });
    f.srcdoc = data[i].map;
    s.querySelector('.rp-map').appendChild(f);
  }
  function addFrames(order) {
    if (order.length) addFrame(order[0], function () { addFrames(order.slice(1)); });
  }

  var start = 0;
  try { start = parseInt(sessionStorage.getItem(STORE) || '0', 10) || 0; } catch (e) { start = 0; }
  show(start);
  var order = [current];
  for (var i = 0; i < n; i++) if (i !== current) order.push(i);
  addFrames(order);
})();
