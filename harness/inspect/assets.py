"""The inspect page's inline stylesheet and script (no libraries, no network).

The script reads the page data (JSON in ``#inspect-data``) and builds the
page with DOM calls; data strings only ever reach the page through
``textContent`` and attribute setters.  The timeline is one canvas: one row
per gt object (a lane per tracker), then one thin row per track with
false-positive runs.  Drawing is decimated to the screen: a run narrower than
a pixel column that is already painted is skipped, so a long sequence draws
in a few milliseconds at any zoom; the data itself is never thinned.
Clips (``--video``) are ``<video>`` elements whose relative ``src`` is set
only when an event is selected, so the page loads no video it does not show.
"""

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.2rem auto;max-width:1400px;padding:0 1rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
h3{font-size:1rem;margin:.6rem 0 .3rem}
table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0}
th,td{padding:.18rem .5rem;border-bottom:1px solid #e8e8e8;text-align:right;white-space:nowrap}
th{background:#f5f5f5;cursor:pointer;user-select:none}td.l,th.l{text-align:left}
.muted{color:#666;font-size:.85rem}.ok{color:#1a7f37}.bad{color:#c62828;font-weight:700}
.controls{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin:.4rem 0}
.controls input{width:9rem}button{cursor:pointer}
.legend span{display:inline-block;margin-right:.8rem;font-size:.8rem}
.legend i{display:inline-block;width:.9rem;height:.6rem;margin-right:.25rem;vertical-align:middle}
.tl{display:flex;border:1px solid #ddd;max-height:70vh;overflow-y:auto;position:relative}
#tl-labels{flex:0 0 7.5rem;font-size:10px;line-height:1;border-right:1px solid #ddd;background:#fafafa}
#tl-labels div{overflow:hidden;white-space:nowrap;padding-left:.3rem;box-sizing:border-box;cursor:pointer}
#tl-labels div.fp{color:#a33}#tl-labels div.sep{background:#eee;color:#555;cursor:default}
#tl-wrap{flex:1 1 auto;position:relative}canvas{display:block}
#tooltip{position:fixed;pointer-events:none;background:#222;color:#fff;font-size:.78rem;padding:.25rem .45rem;border-radius:3px;display:none;z-index:5;white-space:pre}
.cols{display:flex;gap:1rem;align-items:flex-start}.cols>div{flex:1 1 0;min-width:0}
.evlist{max-height:24rem;overflow-y:auto;border:1px solid #eee}
.evlist tr.ev{cursor:pointer}.evlist tr.ev:hover td{background:#f3f7ff}.evlist tr.sel td{background:#ffe9a8}
.kinds button{font-size:.8rem;margin:.1rem}.kinds button.on{background:#234;color:#fff}
#detail{border:1px solid #ccc;background:#fcfcfc;padding:.5rem .8rem;margin:.6rem 0;min-height:2rem}
#detail figure{display:inline-block;margin:.3rem .6rem .3rem 0}#detail figcaption{font-size:.75rem;color:#555}
#detail figure.clip video{display:block;max-width:100%;max-height:60vh;background:#000}
#range-clip video{display:block;max-width:100%;max-height:50vh;background:#000}
.evlist td.clip{color:#1a5fb4;text-align:center}
.k-switch{color:#c62828}.k-fragmentation{color:#e67e00}.k-missed{color:#666}.k-false_positive{color:#b0006e}.k-merge{color:#6a1b9a}
"""

SCRIPT = r"""
(function () {
'use strict';
var D = JSON.parse(document.getElementById('inspect-data').textContent);
var app = document.getElementById('app');
var KIND_NAMES = {'switch': 'identity switch', 'fragmentation': 'fragmentation', 'missed': 'missed run',
                  'false_positive': 'false-positive run', 'merge': 'merge (one track, two objects)'};
var KIND_COLOURS = {'switch': '#c62828', 'fragmentation': '#e67e00', 'merge': '#6a1b9a'};
var two = D.trackers.length > 1;
var LANE = two ? 8 : 12, ROW = two ? 18 : 14, FP_ROW = 9;
var state = {v0: 1, v1: D.frames, matching: 'clear', query: '', sel: null};

function el(tag, attrs, text) {
  var e = document.createElement(tag);
  if (attrs) { Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); }); }
  if (text !== undefined && text !== null) { e.textContent = String(text); }
  return e;
}
function add(parent) { for (var i = 1; i < arguments.length; i++) { parent.appendChild(arguments[i]); } return parent; }
function child(parent, node) { parent.appendChild(node); return node; }
function fmt(v) { return v === null || v === undefined ? '–' : (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : String(v)); }
function pct(x) { return (100 * x).toFixed(1); }
function share(n, total) { return total > 0 ? n + ' (' + (100 * n / total).toFixed(1) + '%)' : String(n); }
function colour(ti, id) { var h = (id * 137.508 + ti * 47) % 360; return 'hsl(' + h.toFixed(0) + ',' + (ti ? '55%' : '70%') + ',' + (ti ? '42%' : '52%') + ')'; }

// ---------------------------------------------------------------- data prepared once
D.gt.forEach(function (row) {
  var f = [], acc = 0;
  row.f.forEach(function (d) { acc += d; f.push(acc); });
  row.frames = f;
});
function buildRuns(frames, lane) {
  var runs = [], cur = null;
  for (var k = 0; k < frames.length; k++) {
    var t = lane.t[k];
    if (cur && t === cur[2] && frames[k] === cur[1] + 1) { cur[1] = frames[k]; }
    else { cur = [frames[k], frames[k], t]; runs.push(cur); }
  }
  return runs;
}
D.trackers.forEach(function (tr, ti) {
  tr.runs = {clear: [], hota: []};
  ['clear', 'hota'].forEach(function (m) {
    D.gt.forEach(function (row, r) { tr.runs[m].push(buildRuns(row.frames, tr[m][r])); });
  });
  tr.byRow = {};
  tr.events.forEach(function (e, i) { e.ti = ti; e.i = i; });
});
var rowOfGt = {};
D.gt.forEach(function (row, r) { rowOfGt[row.id] = r; });

// ---------------------------------------------------------------- summary
function summary() {
  var s = add(el('section', {id: 'summary'}), el('h2', null, 'Scores and error counts'));
  add(s, el('p', {'class': 'muted'}, 'Sequence ' + D.sequence + ', ' + D.frames + ' frames. CLEAR matching: ' + D.backend +
    ' (the run\'s backend); HOTA matching at α = 0.5. Every count below is read off the same matching the scores use.' +
    (D.images ? '' : ' No images for this sequence: timelines, events and tables only.')));
  D.notes.forEach(function (n) { add(s, el('p', {'class': 'muted'}, n)); });
  if (D.video) { D.video.notes.forEach(function (n) { add(s, el('p', {'class': 'muted video-note'}, n)); }); }
  var t = el('table', {id: 'scores'}), head = el('tr');
  add(head, el('th', {'class': 'l'}, 'tracker'));
  Object.keys(D.trackers[0].metrics).forEach(function (k) { add(head, el('th', null, k)); });
  add(t, head);
  D.trackers.forEach(function (tr) {
    var r = add(el('tr'), el('td', {'class': 'l'}, tr.name));
    Object.keys(tr.metrics).forEach(function (k) { add(r, el('td', null, fmt(tr.metrics[k]))); });
    add(t, r);
  });
  add(s, t);
  var c = el('table', {id: 'counts'}), h2 = add(el('tr'), el('th', {'class': 'l'}, 'event kind'));
  D.trackers.forEach(function (tr) { add(h2, el('th', null, tr.name + ': events'), el('th', null, 'sum = scored')); });
  add(c, h2);
  D.kinds.forEach(function (k) {
    var r = add(el('tr'), el('td', {'class': 'l k-' + k}, KIND_NAMES[k]));
    D.trackers.forEach(function (tr) {
      var n = tr.events.filter(function (e) { return e.k === k; }).length;
      add(r, el('td', null, n));
      if (tr.check[k]) {
        var ok = tr.check[k][0] === tr.check[k][1];
        add(r, el('td', {'class': ok ? 'ok' : 'bad'}, tr.check[k][0] + (ok ? ' = ' : ' ≠ ') + D.scored[k] + ' ' + tr.check[k][1]));
      } else { add(r, el('td', {'class': 'muted'}, 'no CLEAR count')); }
    });
    add(c, r);
  });
  return add(s, c);
}

// ---------------------------------------------------------------- timeline
var canvas, ctx, labels, tooltip, layout = [];
function visibleRows() {
  var q = state.query, out = [];
  D.gt.forEach(function (row, r) {
    if (!q || String(row.id) === q || D.trackers.some(function (tr) { return matchesTrack(tr, r, q); })) { out.push({kind: 'gt', r: r}); }
  });
  D.trackers.forEach(function (tr, ti) {
    var fp = tr.fp_tracks.filter(function (f) { return !q || String(f.id) === q; });
    if (fp.length) {
      out.push({kind: 'sep', ti: ti});
      // tracks whose false-positive spans do not overlap share a row (greedy interval packing)
      var packed = [];
      fp.forEach(function (f) {
        var a = f.r[0][0], b = f.r[f.r.length - 1][1], k = 0;
        while (k < packed.length && packed[k].end >= a - 3) { k++; }
        if (k === packed.length) { packed.push({kind: 'fp', ti: ti, tracks: [], end: 0}); }
        packed[k].tracks.push(f); packed[k].end = b;
      });
      packed.forEach(function (p) { out.push(p); });
    }
  });
  return out;
}
function matchesTrack(tr, r, q) {
  var lane = tr[state.matching][r];
  for (var k = 0; k < lane.t.length; k++) { if (lane.t[k] >= 0 && String(tr.tracks[lane.t[k]]) === q) { return true; } }
  return false;
}
function rowHeight(item) { return item.kind === 'gt' ? ROW : (item.kind === 'sep' ? 14 : FP_ROW); }
function timeline() {
  var s = add(el('section', {id: 'timeline'}), el('h2', null, 'Identity timeline'));
  add(s, el('p', {'class': 'muted'}, 'One row per ground-truth object' + (two ? ' (upper lane ' + D.trackers[0].name + ', lower lane ' + D.trackers[1].name + ')' : '') +
    '; each stretch is coloured by the tracker id matched to it, grey where the object is missed. Marks: identity switch, fragmentation (tracking resumes), merge. False-positive runs are below, one row per track. Wheel or buttons to zoom, drag to pan, hover for frame, ids and IoU.'));
  var ctl = el('div', {'class': 'controls'});
  var search = el('input', {id: 'search', type: 'search', placeholder: 'gt or track id'});
  var matching = el('select', {id: 'matching'});
  add(matching, el('option', {value: 'clear'}, 'CLEAR matching (' + D.backend + ')'), el('option', {value: 'hota'}, 'HOTA matching, α = 0.5'));
  var zin = el('button', {id: 'zoom-in', type: 'button'}, 'zoom in'), zout = el('button', {id: 'zoom-out', type: 'button'}, 'zoom out');
  var zreset = el('button', {id: 'zoom-reset', type: 'button'}, 'all frames'), range = el('span', {id: 'view-range', 'class': 'muted'});
  add(ctl, el('label', null, 'find id '), search, matching, zin, zout, zreset, range);
  add(s, ctl);
  var legend = el('div', {'class': 'legend'});
  [['#c62828', 'identity switch'], ['#e67e00', 'fragmentation'], ['#6a1b9a', 'merge'], ['#cfcfcf', 'missed'], ['#b0006e', 'false positive']].forEach(function (p) {
    var sp = add(el('span'), el('i')); sp.firstChild.style.background = p[0]; add(sp, document.createTextNode(p[1])); add(legend, sp);
  });
  add(s, legend);
  var box = el('div', {'class': 'tl', id: 'tl'});
  labels = el('div', {id: 'tl-labels'});
  var wrap = el('div', {id: 'tl-wrap'});
  canvas = el('canvas', {id: 'tl-canvas'});
  add(wrap, canvas); add(box, labels, wrap); add(s, box);
  add(s, el('div', {id: 'detail'}, 'Click an event in a list below (or a mark on the timeline) to see its frames' + (D.images ? (D.video && D.video.clips ? ', crops and clip.' : ' and crops.') : '.')));
  tooltip = child(document.body, el('div', {id: 'tooltip'}));
  search.addEventListener('input', function () { state.query = search.value.trim(); relayout(); filterLists(); });
  matching.addEventListener('change', function () { state.matching = matching.value; relayout(); });
  zin.addEventListener('click', function () { zoom(0.5, (state.v0 + state.v1) / 2); });
  zout.addEventListener('click', function () { zoom(2, (state.v0 + state.v1) / 2); });
  zreset.addEventListener('click', function () { state.v0 = 1; state.v1 = D.frames; draw(); });
  canvas.addEventListener('wheel', function (ev) { ev.preventDefault(); zoom(ev.deltaY < 0 ? 0.8 : 1.25, frameAt(ev.offsetX)); }, {passive: false});
  var drag = null;
  canvas.addEventListener('mousedown', function (ev) { drag = {x: ev.clientX, v0: state.v0, v1: state.v1, moved: false}; });
  window.addEventListener('mouseup', function (ev) {
    if (drag && !drag.moved) { clickAt(ev); }
    drag = null;
  });
  canvas.addEventListener('mousemove', function (ev) {
    if (drag && (ev.buttons & 1)) {
      var df = (drag.x - ev.clientX) / canvas.clientWidth * (drag.v1 - drag.v0 + 1);
      if (Math.abs(drag.x - ev.clientX) > 3) { drag.moved = true; }
      var span = drag.v1 - drag.v0;
      state.v0 = Math.max(1, Math.min(D.frames - span, drag.v0 + df)); state.v1 = state.v0 + span; draw();
      return;
    }
    hover(ev);
  });
  canvas.addEventListener('mouseleave', function () { tooltip.style.display = 'none'; });
  window.addEventListener('resize', function () { relayout(); });
  return s;
}
function zoom(factor, centre) {
  var span = Math.max(20, Math.min(D.frames, (state.v1 - state.v0 + 1) * factor));
  var v0 = centre - (centre - state.v0) * span / (state.v1 - state.v0 + 1);
  v0 = Math.max(1, Math.min(D.frames - span + 1, v0));
  state.v0 = v0; state.v1 = v0 + span - 1; draw();
}
function frameAt(x) { return state.v0 + x / canvas.clientWidth * (state.v1 - state.v0 + 1); }
function xOf(frame) { return (frame - state.v0) / (state.v1 - state.v0 + 1) * canvas.clientWidth; }
function relayout() {
  layout = []; var y = 0;
  labels.textContent = '';
  visibleRows().forEach(function (item) {
    item.y = y; item.h = rowHeight(item); y += item.h; layout.push(item);
    var text = item.kind === 'gt' ? 'gt ' + D.gt[item.r].id : (item.kind === 'sep' ? 'false positives: ' + D.trackers[item.ti].name : 'tracks ' + item.tracks.map(function (f) { return f.id; }).join(', '));
    var lab = el('div', {'class': item.kind === 'gt' ? 'gt-row' : item.kind, title: text}, item.kind === 'fp' ? '' : text);
    if (item.kind === 'gt') { lab.setAttribute('data-gt', String(D.gt[item.r].id)); }
    lab.style.height = item.h + 'px'; lab.style.fontSize = item.kind === 'fp' ? '0' : '10px';
    if (item.kind === 'gt') { lab.addEventListener('click', function () { document.getElementById('search').value = String(D.gt[item.r].id); state.query = String(D.gt[item.r].id); relayout(); filterLists(); }); }
    labels.appendChild(lab);
  });
  var width = canvas.parentNode.clientWidth, ratio = window.devicePixelRatio || 1;
  canvas.style.width = width + 'px'; canvas.style.height = Math.max(y, 10) + 'px';
  canvas.width = Math.round(width * ratio); canvas.height = Math.round(Math.max(y, 10) * ratio);
  ctx = canvas.getContext('2d'); ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  draw();
}
function drawRuns(runs, y, h, ti, tracks, lastPx) {
  for (var k = 0; k < runs.length; k++) {
    var r = runs[k];
    if (r[1] < state.v0 - 1 || r[0] > state.v1 + 1) { continue; }
    var x0 = Math.floor(xOf(r[0])), x1 = Math.max(x0 + 1, Math.floor(xOf(r[1] + 1)));
    if (x1 <= lastPx) { continue; }  // this pixel column is painted already: decimated away
    ctx.fillStyle = r[2] < 0 ? '#cfcfcf' : colour(ti, tracks[r[2]]);
    ctx.fillRect(Math.max(x0, lastPx), y, x1 - Math.max(x0, lastPx), h);
    lastPx = x1;
  }
}
function mark(kind, frame, y, h) {
  var x = xOf(frame + 0.5);
  ctx.fillStyle = KIND_COLOURS[kind];
  ctx.beginPath(); ctx.moveTo(x - 4, y - 1); ctx.lineTo(x + 4, y - 1); ctx.lineTo(x, y + Math.min(h, 7)); ctx.closePath(); ctx.fill();
  ctx.fillRect(x - 0.75, y, 1.5, h);
}
function draw() {
  if (!ctx) { return; }
  var w = canvas.clientWidth;
  ctx.clearRect(0, 0, w, canvas.clientHeight);
  var shown = {};
  layout.forEach(function (item) {
    if (item.kind === 'sep') { ctx.fillStyle = '#eee'; ctx.fillRect(0, item.y, w, item.h); return; }
    if (item.kind === 'fp') {
      var tr = D.trackers[item.ti];
      ctx.fillStyle = '#b0006e';
      var last = -1;
      item.tracks.forEach(function (f) {
        f.r.forEach(function (run) {
          if (run[1] < state.v0 - 1 || run[0] > state.v1 + 1) { return; }
          var x0 = Math.floor(xOf(run[0])), x1 = Math.max(x0 + 1, Math.floor(xOf(run[1] + 1)));
          if (x1 <= last) { return; }
          ctx.fillRect(Math.max(x0, last), item.y + 1, x1 - Math.max(x0, last), item.h - 2); last = x1;
        });
      });
      return;
    }
    shown[D.gt[item.r].id] = item;
    D.trackers.forEach(function (tr, ti) {
      drawRuns(tr.runs[state.matching][item.r], item.y + 1 + ti * LANE, LANE - 1, ti, tr.tracks, -1);
    });
  });
  if (state.matching === 'clear') {
    D.trackers.forEach(function (tr, ti) {
      tr.events.forEach(function (e) {
        if (!KIND_COLOURS[e.k] || e.b < state.v0 - 1 || e.b > state.v1 + 1) { return; }
        var item = shown[e.g[e.g.length - 1]];
        if (item) { mark(e.k, e.b, item.y + 1 + ti * LANE, LANE - 1); }
      });
    });
  }
  if (state.sel) { outline(state.sel, shown); }
  document.getElementById('view-range').textContent = 'frames ' + Math.round(state.v0) + '–' + Math.round(state.v1) + ' of ' + D.frames;
}
function outline(e, shown) {
  ctx.strokeStyle = '#000'; ctx.lineWidth = 2;
  var x0 = xOf(e.a) - 3, x1 = xOf(e.b + 1) + 3;
  e.g.forEach(function (g) { var it = shown[g]; if (it) { ctx.strokeRect(x0, it.y, x1 - x0, it.h); } });
  if (e.k === 'false_positive') {
    layout.forEach(function (it) { if (it.kind === 'fp' && it.ti === e.ti && trackIn(it, e.t[0])) { ctx.strokeRect(x0, it.y, x1 - x0, it.h); } });
  }
}
function trackIn(item, id) { return item.tracks.some(function (f) { return f.id === id; }); }
function trackAt(item, frame) {
  var hit = null;
  item.tracks.forEach(function (f) { f.r.forEach(function (run) { if (frame >= run[0] && frame < run[1] + 1) { hit = f; } }); });
  return hit;
}
function itemAt(y) { for (var k = 0; k < layout.length; k++) { if (y >= layout[k].y && y < layout[k].y + layout[k].h) { return layout[k]; } } return null; }
function find(frames, f) { var lo = 0, hi = frames.length - 1; while (lo <= hi) { var m = (lo + hi) >> 1; if (frames[m] === f) { return m; } if (frames[m] < f) { lo = m + 1; } else { hi = m - 1; } } return -1; }
function eventsNear(item, frame) {
  var tol = Math.max(1, 4 * (state.v1 - state.v0 + 1) / canvas.clientWidth), out = [];
  D.trackers.forEach(function (tr) {
    tr.events.forEach(function (e) {
      if (item.kind === 'gt' && KIND_COLOURS[e.k] && e.g.indexOf(D.gt[item.r].id) >= 0 && Math.abs(e.b + 0.5 - frame) <= tol) { out.push(e); }
      if (item.kind === 'fp' && e.k === 'false_positive' && e.ti === item.ti && trackIn(item, e.t[0]) && frame >= e.a && frame < e.b + 1) { out.push(e); }
    });
  });
  return out;
}
function hover(ev) {
  var item = itemAt(ev.offsetY), frame = Math.floor(frameAt(ev.offsetX));
  if (!item || item.kind === 'sep') { tooltip.style.display = 'none'; return; }
  var lines = ['frame ' + frame];
  if (item.kind === 'gt') {
    var row = D.gt[item.r], k = find(row.frames, frame);
    lines.push('gt id ' + row.id + (k < 0 ? ' (not annotated here)' : ''));
    if (k >= 0) {
      D.trackers.forEach(function (tr) {
        var lane = tr[state.matching][item.r], t = lane.t[k];
        lines.push(tr.name + ': ' + (t < 0 ? 'missed' : 'track ' + tr.tracks[t] + ', IoU ' + (lane.i[k] / 100).toFixed(2)));
      });
    }
  } else {
    var f = trackAt(item, frame);
    lines.push(D.trackers[item.ti].name + (f ? ' track ' + f.id + ': false positive' : ': tracks ' + item.tracks.map(function (t) { return t.id; }).join(', ')));
  }
  eventsNear(item, frameAt(ev.offsetX)).forEach(function (e) { lines.push(describe(e)); });
  tooltip.textContent = lines.join('\n');
  tooltip.style.display = 'block'; tooltip.style.left = (ev.clientX + 14) + 'px'; tooltip.style.top = (ev.clientY + 12) + 'px';
}
function clickAt(ev) {
  if (ev.target !== canvas) { return; }
  var rect = canvas.getBoundingClientRect(), item = itemAt(ev.clientY - rect.top);
  if (!item || item.kind === 'sep') { return; }
  var near = eventsNear(item, frameAt(ev.clientX - rect.left));
  if (near.length) { select(near[0], false); }
}

// ---------------------------------------------------------------- events
function describe(e) {
  var who = e.g.length ? 'gt ' + e.g.join(' → ') : '';
  var tracks = e.t.length ? 'track ' + e.t.join(' → ') : '';
  var frames = e.a === e.b ? 'frame ' + e.a : 'frames ' + e.a + '–' + e.b;
  return (two ? D.trackers[e.ti].name + ': ' : '') + KIND_NAMES[e.k] + ', ' + frames + (who ? ', ' + who : '') + (tracks ? ', ' + tracks : '') +
    (e.k === 'missed' || e.k === 'false_positive' ? ' (' + e.n + ' detections)' : '');
}
function select(e, fromList) {
  state.sel = e;
  var d = document.getElementById('detail');
  d.textContent = '';
  d.setAttribute('data-kind', e.k); d.setAttribute('data-first', String(e.a)); d.setAttribute('data-last', String(e.b));
  add(d, el('h3', {'class': 'k-' + e.k}, describe(e)));
  add(d, el('p', {'class': 'muted', id: 'detail-frames'}, 'frames ' + e.a + '–' + e.b));
  (e.c || []).forEach(function (c) {
    var fig = el('figure'), img = el('img', {alt: 'frame ' + c.frame});
    img.src = c.src;
    add(fig, img, el('figcaption', null, 'frame ' + c.frame + (c.frame === e.a ? ' (before)' : ' (after)')));
    add(d, fig);
  });
  if (D.images && !(e.c || []).length) { add(d, el('p', {'class': 'muted'}, 'No crop for this event (crops are made for a bounded number of events per tracker).')); }
  if (e.v) { add(d, clipFigure(e.v, 'detail-video', true)); }
  else if (D.video && D.images && D.video.clips) { add(d, el('p', {'class': 'muted', id: 'no-clip'}, 'No clip for this event (clips are made for at most ' + D.video.max_clips + ' events per tracker, identity errors first: --max-clips).')); }
  var pad = Math.max(15, (e.b - e.a) * 0.5), span = Math.max(40, e.b - e.a + 2 * pad);
  state.v0 = Math.max(1, Math.min(D.frames - span + 1, e.a - pad)); state.v1 = Math.min(D.frames, state.v0 + span - 1);
  draw();
  var r = layout.filter(function (it) { return it.kind === 'gt' && e.g.indexOf(D.gt[it.r].id) >= 0; })[0];
  if (!r && e.k === 'false_positive') { r = layout.filter(function (it) { return it.kind === 'fp' && it.ti === e.ti && trackIn(it, e.t[0]); })[0]; }
  if (r) { document.getElementById('tl').scrollTop = Math.max(0, r.y - 60); }
  document.querySelectorAll('tr.sel').forEach(function (t) { t.classList.remove('sel'); });
  document.querySelectorAll('tr.ev[data-ti="' + e.ti + '"][data-i="' + e.i + '"]').forEach(function (t) { t.classList.add('sel'); });
  if (!fromList) { d.scrollIntoView({block: 'nearest'}); }
}
// ---------------------------------------------------------------- clips (bench inspect --video)
function legendText() {
  var names = D.trackers.length > 1 ? 'A = ' + D.trackers[0].name + ' (orange), B = ' + D.trackers[1].name + ' (blue)' : 'trk = ' + D.trackers[0].name + ' (orange)';
  return 'gt green, ' + names + '; thick boxes are the ones the event is about';
}
function clipFigure(v, id, play) {
  var fig = el('figure', {'class': 'clip'});
  if (v.ok) {
    var video = el('video', {id: id, controls: '', muted: '', loop: '', playsinline: '', preload: play ? 'auto' : 'metadata', 'data-first': String(v.a), 'data-last': String(v.b)});
    video.muted = true;
    video.src = v.src;
    video.addEventListener('loadedmetadata', function () { video.setAttribute('data-loaded', '1'); });
    video.addEventListener('error', function () { video.setAttribute('data-error', '1'); add(fig, el('p', {'class': 'bad'}, 'The clip did not load: keep the .clips folder beside the page.')); });
    add(fig, video);
    if (play) { var p = video.play(); if (p && p.catch) { p.catch(function () {}); } }
  } else {
    add(fig, el('a', {href: v.src, id: id}, 'open the clip (' + v.format + ', which browsers do not play)'));
  }
  add(fig, el('figcaption', null, 'clip: frames ' + v.a + '–' + v.b + '. ' + legendText() + '.'));
  return fig;
}
function rangeClip() {
  var s = add(el('section', {id: 'range-clip'}), el('h2', null, 'Clip: frames ' + D.video.range.a + '–' + D.video.range.b));
  return add(s, clipFigure(D.video.range, 'range-video', false));
}

var lists = [];
function eventList(container, tr, ti, indices, title) {
  var state2 = {kind: null, limit: 300};
  add(container, el('h3', null, title));
  var kinds = el('div', {'class': 'kinds'});
  var table = el('table', {'class': 'events'}), box = add(el('div', {'class': 'evlist'}), table);
  var more = el('button', {type: 'button'});
  function render() {
    table.textContent = '';
    var head = add(el('tr'), el('th', {'class': 'l'}, 'kind'), el('th', null, 'frames'), el('th', null, 'gt'), el('th', null, 'tracks'), el('th', null, 'size'));
    if (D.video && D.video.clips) { add(head, el('th', null, 'clip')); }
    add(table, head);
    var q = state.query, chosen = indices.filter(function (i) {
      var e = tr.events[i];
      return (!state2.kind || e.k === state2.kind) && (!q || e.g.map(String).indexOf(q) >= 0 || e.t.map(String).indexOf(q) >= 0);
    });
    chosen.slice(0, state2.limit).forEach(function (i) {
      var e = tr.events[i];
      var row = add(el('tr', {'class': 'ev', 'data-ti': String(ti), 'data-i': String(i), 'data-kind': e.k, 'data-first': String(e.a), 'data-last': String(e.b)}),
        el('td', {'class': 'l k-' + e.k}, KIND_NAMES[e.k]), el('td', null, e.a === e.b ? e.a : e.a + '–' + e.b), el('td', null, e.g.join(' → ')),
        el('td', null, e.t.join(' → ')), el('td', null, e.n));
      if (D.video && D.video.clips) { add(row, el('td', {'class': 'clip', title: e.v ? 'has a clip' : ''}, e.v ? '▶' : '')); }
      if (e.v) { row.setAttribute('data-clip', '1'); }
      row.addEventListener('click', function () { select(e, true); });
      add(table, row);
    });
    more.style.display = chosen.length > state2.limit ? '' : 'none';
    more.textContent = 'show all ' + chosen.length;
  }
  var counts = {};
  indices.forEach(function (i) { var k = tr.events[i].k; counts[k] = (counts[k] || 0) + 1; });
  var all = el('button', {type: 'button', 'class': 'on'}, 'all ' + indices.length);
  add(kinds, all);
  all.addEventListener('click', function () { state2.kind = null; [].forEach.call(kinds.children, function (b) { b.classList.remove('on'); }); all.classList.add('on'); render(); });
  D.kinds.forEach(function (k) {
    var b = el('button', {type: 'button', 'data-kind': k}, KIND_NAMES[k] + ' ' + (counts[k] || 0));
    b.addEventListener('click', function () { state2.kind = k; [].forEach.call(kinds.children, function (x) { x.classList.remove('on'); }); b.classList.add('on'); render(); });
    add(kinds, b);
  });
  more.addEventListener('click', function () { state2.limit = Infinity; render(); });
  add(container, kinds, box, more);
  lists.push(render);
  render();
}
function filterLists() { lists.forEach(function (f) { f(); }); }
function events() {
  var s = add(el('section', {id: 'events'}), el('h2', null, 'Error events'));
  var cols = child(s, el('div', {'class': 'cols'}));
  D.trackers.forEach(function (tr, ti) {
    eventList(child(cols, el('div')), tr, ti, tr.events.map(function (e, i) { return i; }), tr.name + ': every event');
  });
  return s;
}
function difference() {
  var X = D.diff, A = D.trackers[0], B = D.trackers[1];
  var s = add(el('section', {id: 'diff'}), el('h2', null, 'Where ' + A.name + ' and ' + B.name + ' differ'));
  var t = add(el('table', {id: 'diff-scores'}), add(el('tr'), el('th', {'class': 'l'}, 'metric'), el('th', null, A.name), el('th', null, B.name), el('th', null, 'A − B')));
  X.rows.forEach(function (r) {
    add(t, add(el('tr'), el('td', {'class': 'l'}, r[0]), el('td', null, fmt(r[1])), el('td', null, fmt(r[2])), el('td', null, r[1] === null || r[2] === null ? '–' : (r[1] - r[2] > 0 ? '+' : '') + fmt(Math.round((r[1] - r[2]) * 1000) / 1000))));
  });
  add(s, t);
  var lines = el('ul');
  X.mota.forEach(function (m) {
    add(lines, el('li', null, m[0] + ': A − B = ' + (m[1] > 0 ? '+' : '') + m[1] + ', i.e. ' + (m[2] > 0 ? '+' : '') + m[2].toFixed(2) + ' MOTA points for ' + A.name));
  });
  add(lines, el('li', null, 'FN split exactly: ' + X.missed_only[0] + ' gt detections only ' + A.name + ' misses, ' + X.missed_only[1] + ' only ' + B.name + ' misses (of ' + X.gt_dets + ').'));
  ['switch', 'fragmentation', 'missed', 'false_positive', 'merge'].forEach(function (k) {
    var a = X.only_counts[0][k], b = X.only_counts[1][k];
    add(lines, el('li', null, KIND_NAMES[k] + ': ' + a[0] + ' only in ' + A.name + ' (size ' + a[1] + '), ' + b[0] + ' only in ' + B.name + ' (size ' + b[1] + ')'));
  });
  add(s, el('p', {'class': 'muted'}, 'The MOTA gap is exactly the sum of the FN, FP and IDsw terms. An event is shared when the other tracker errs the same way there (same object and kind within 10 frames; for runs, on at least half of the detections).'), lines);
  var cols = child(s, el('div', {'class': 'cols'}));
  eventList(child(cols, el('div', {id: 'only-a'})), A, 0, X.only[0], A.name + ' errs, ' + B.name + ' does not');
  eventList(child(cols, el('div', {id: 'only-b'})), B, 1, X.only[1], B.name + ' errs, ' + A.name + ' does not');
  return s;
}

// ---------------------------------------------------------------- objects
function objects() {
  var s = add(el('section', {id: 'objects'}), el('h2', null, 'Where the metric goes, per object'));
  add(s, el('p', {'class': 'muted'}, 'HOTA\'s own decomposition at α = 0.5 per gt object (DetRe: share of its boxes detected; AssRe/AssPr: how well its matched boxes stay with one track, and that track with it), and its share of the sequence\'s IDsw, FN and FP (an FP belongs to the object its track matched most). Worst first; click a header to sort, an id to find it.'));
  var cols = child(s, el('div', {'class': 'cols'}));
  D.trackers.forEach(function (tr) {
    var box = child(cols, el('div'));
    add(box, el('h3', null, tr.name + ' (' + tr.totals.unowned_fp + ' FP on tracks that never matched an object)'));
    var keys = [['gt', 'gt'], ['n', 'boxes'], ['a', 'frames'], ['dr', 'DetRe'], ['ar', 'AssRe'], ['ap', 'AssPr'], ['idsw', 'IDsw'], ['fn', 'FN'], ['fp', 'FP']];
    var table = el('table', {'class': 'objects'}), rows = tr.objects.slice(), dir = {};
    function render() {
      table.textContent = '';
      var h = el('tr');
      keys.forEach(function (k) {
        var th = el('th', null, k[1]);
        th.addEventListener('click', function () { dir[k[0]] = -(dir[k[0]] || 1); rows.sort(function (x, y) { return dir[k[0]] * (x[k[0]] - y[k[0]]); }); render(); });
        add(h, th);
      });
      add(table, h);
      rows.forEach(function (o) {
        var id = el('td', null, o.gt); id.style.cursor = 'pointer';
        id.addEventListener('click', function () { var q = String(o.gt); document.getElementById('search').value = q; state.query = q; relayout(); filterLists(); document.getElementById('timeline').scrollIntoView(); });
        add(table, add(el('tr'), id, el('td', null, o.n), el('td', null, o.a + '–' + o.b), el('td', null, pct(o.dr)), el('td', null, pct(o.ar)), el('td', null, pct(o.ap)),
          el('td', null, share(o.idsw, tr.totals.IDsw)), el('td', null, share(o.fn, tr.totals.FN)), el('td', null, share(o.fp, tr.totals.FP))));
      });
    }
    render();
    add(box, add(el('div', {'class': 'evlist'}), table));
  });
  return s;
}

app.textContent = '';
add(app, summary(), timeline());
if (D.video && D.video.range) { add(app, rangeClip()); }
if (D.diff) { add(app, difference()); }
add(app, events(), objects());
relayout();
document.body.setAttribute('data-ready', '1');
document.body.setAttribute('data-rows', String(D.gt.length));
})();
"""
