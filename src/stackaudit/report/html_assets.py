"""The inline CSS and JavaScript of the HTML report (constants only).

Both are inlined and allowed by hash in the page's Content-Security-Policy, so
nothing else can run or load even if a repository string escaped its escaping.
The script draws the findings list from the page's embedded JSON, a page of rows
at a time, builds every element with ``createElement`` and ``textContent`` (never
``innerHTML``), and reads an initial filter/sort/page from the URL fragment, e.g.
``report.html#q=orders&sev=3&cat=security&sort=score&dir=desc&page=2``.
"""

from __future__ import annotations

CSS = """
:root{--fg:#1d2430;--muted:#5b6575;--line:#d8dde6;--bg:#f6f8fb;--card:#fff;--accent:#2f5fd0}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg)}
header,section{max-width:1280px;margin:0 auto;padding:12px 24px}
h1{font-size:22px;margin:16px 0 4px}h2{font-size:18px;margin:18px 0 8px}
.meta{color:var(--muted);margin:0}
.gate{display:inline-block;margin:10px 0;padding:6px 12px;border-radius:6px;font-weight:600}
.gate.pass{background:#e3f6e8;color:#17692f}.gate.fail{background:#fde7e7;color:#a11b1b}
.notice{background:#fff6dd;border-left:4px solid #e0a800;padding:6px 10px;margin:6px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:10px;padding:0;
list-style:none}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.card .score{font-size:24px;font-weight:700}
.small{color:var(--muted);font-size:12px}
.card .loc{color:var(--muted);font-size:12px;word-break:break-all}
.sev{display:inline-block;padding:1px 7px;border-radius:10px;font-size:11px;font-weight:700;
text-transform:uppercase;color:#fff}
.sev-4{background:#8b0000}.sev-3{background:#d33}.sev-2{background:#d98a00}.sev-1{background:#2b8ac4}
.sev-0{background:#8892a0}
.controls{display:flex;gap:8px;align-items:center;margin:6px 0 10px;flex-wrap:wrap}
.controls input,.controls select{padding:5px 8px;border:1px solid var(--line);border-radius:6px}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line)}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{background:#eef1f6;position:sticky;top:0}
th[data-type]{cursor:pointer;user-select:none}
th.asc::after{content:" \\25B2"}th.desc::after{content:" \\25BC"}
td.num{text-align:right;white-space:nowrap}
td.loc{word-break:break-all;min-width:170px;max-width:300px}
pre{background:#f1f3f7;border:1px solid var(--line);border-radius:6px;padding:6px 8px;
white-space:pre-wrap;word-break:break-all;margin:6px 0}
details summary{cursor:pointer}
dl{margin:4px 0;display:grid;grid-template-columns:max-content 1fr;gap:2px 10px}
dt{color:var(--muted)}dd{margin:0}
ol.trace{margin:4px 0;padding-left:20px}
.kind{font-weight:600;text-transform:uppercase;font-size:11px;color:var(--accent)}
.kev{color:#a11b1b;font-weight:700}
tr.hidden{display:none}
.charts{display:flex;gap:24px;flex-wrap:wrap}
figure.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 12px}
figcaption{font-weight:600;margin-bottom:4px}
button.rule{background:none;border:0;padding:0;color:var(--accent);font:inherit;font-weight:600;cursor:pointer;
text-align:left}
.pager{display:flex;gap:10px;align-items:center;margin:8px 0}
tr.detail td{background:#fbfcfe}
ul.reasons{margin:4px 0}
"""

JS = """
(function () {
  "use strict";
  var PAGE = 100;
  var SEV = ["info", "low", "medium", "high", "critical"];
  var data = null;
  var table = document.getElementById("findings-table");
  var body = table.tBodies[0];
  var q = document.getElementById("q"), sev = document.getElementById("sev");
  var cat = document.getElementById("cat"), hid = document.getElementById("hidden");
  var shown = document.getElementById("shown"), pageLabel = document.getElementById("page");
  var prev = document.getElementById("prev"), next = document.getElementById("next");
  var KEYS = {rank: "n", score: "s", severity: "v", rule: "i", location: "l", owner: "o", age: "a",
    status: "st"};
  var view = [], page = 0, sortKey = null, sortDir = "desc";
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = String(text); }
    return e;
  }
  function title(f) { var r = data.rules[f.i]; return r ? r[0] : f.i; }
  var detailsLoaded = null;
  function haystack(f) {
    if (f._t === undefined) {
      f._t = [f.i, title(f), f.l, f.o, f.m, f.st, f.c, f.e || "", f.u || ""].join(" ").toLowerCase();
    }
    return f._t;
  }
  function loadDetails() {
    if (!detailsLoaded) {
      detailsLoaded = unpack(document.getElementById("report-details").textContent).then(JSON.parse);
      detailsLoaded.then(function () { document.body.dataset.details = "1"; });
    }
    return detailsLoaded;
  }
  function details(f, d) {
    var box = el("div", "details");
    if (d.p) { box.appendChild(el("pre", "", d.p)); }
    box.appendChild(el("p", "", d.w.map(function (w) { return w[0] + " " + w[1]; }).join(" \u00d7 ")
      .replace(/ \u00d7 (Effort)/, " \u00f7 $1") + " = " + f.s));
    var dl = el("dl");
    d.w.forEach(function (w) {
      dl.appendChild(el("dt", "", w[0] + " " + w[1]));
      dl.appendChild(el("dd", "", w[2].length ? w[2].join("; ") : "rule default"));
    });
    d.f.forEach(function (kv) { dl.appendChild(el("dt", "", kv[0])); dl.appendChild(el("dd", "", kv[1])); });
    box.appendChild(dl);
    if (d.tr) {
      box.appendChild(el("p", "", "Taint trace:"));
      var ol = el("ol", "trace");
      d.tr.forEach(function (s) {
        var li = el("li");
        li.appendChild(el("span", "kind", s[0]));
        li.appendChild(document.createTextNode(" " + s[1] + " " + s[2]));
        ol.appendChild(li);
      });
      box.appendChild(ol);
    }
    if (d.ev) {
      box.appendChild(el("p", "", "Runtime evidence:"));
      var ul = el("ul", "evidence");
      d.ev.forEach(function (e) { ul.appendChild(el("li", "", e)); });
      box.appendChild(ul);
    }
    var rule = data.rules[f.i];
    if (rule && rule[1]) {
      var pb = el("details");
      pb.appendChild(el("summary", "", "Playbook"));
      pb.appendChild(el("pre", "", rule[1]));
      box.appendChild(pb);
    }
    return box;
  }
  function row(f) {
    var tr = el("tr", "finding");
    tr.dataset.sev = f.v;
    tr.dataset.cat = f.c;
    tr.appendChild(el("td", "num", f.n));
    var score = el("td", "num");
    score.appendChild(el("strong", "", f.s));
    tr.appendChild(score);
    var s = el("td");
    s.appendChild(el("span", "sev sev-" + f.v, SEV[f.v]));
    tr.appendChild(s);
    var r = el("td");
    r.appendChild(el("strong", "", f.i));
    r.appendChild(el("br"));
    r.appendChild(el("span", "small", title(f)));
    tr.appendChild(r);
    tr.appendChild(el("td", "loc", f.l));
    tr.appendChild(el("td", "", f.o || "unowned"));
    tr.appendChild(el("td", "num", f.a));
    tr.appendChild(el("td", "", f.st));
    var cell = el("td");
    var more = el("details");
    more.appendChild(el("summary", "", f.m));
    more.addEventListener("toggle", function () {
      if (!more.open || more.dataset.filled) { return; }
      more.dataset.filled = "1";
      loadDetails().then(function (all) {
        more.appendChild(details(f, (f.h ? all.suppressed : all.findings)[f.n - 1]));
      });
    });
    cell.appendChild(more);
    tr.appendChild(cell);
    return tr;
  }
  function draw() {
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    page = Math.min(Math.max(page, 0), pages - 1);
    var frag = document.createDocumentFragment();
    view.slice(page * PAGE, (page + 1) * PAGE).forEach(function (f) { frag.appendChild(row(f)); });
    body.replaceChildren(frag);
    var total = data.findings.length + (hid.checked ? data.suppressed.length : 0);
    shown.textContent = view.length + " of " + total + " findings shown";
    pageLabel.textContent = "page " + (page + 1) + " of " + pages;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  function apply() {
    var text = q.value.toLowerCase(), min = Number(sev.value), want = cat.value;
    var all = hid.checked ? data.findings.concat(data.suppressed) : data.findings;
    view = all.filter(function (f) {
      return f.v >= min && (!want || f.c === want) && (!text || haystack(f).indexOf(text) !== -1);
    });
    if (sortKey) {
      var k = KEYS[sortKey], sign = sortDir === "asc" ? 1 : -1;
      view.sort(function (a, b) {
        var x = a[k], y = b[k];
        if (typeof x === "number") { return sign * (x - y); }
        return sign * String(x).localeCompare(String(y));
      });
    }
    page = 0;
    draw();
  }
  function sortBy(key, dir) {
    var th = table.querySelector('th[data-key="' + key + '"]');
    if (!th || !KEYS[key]) { return; }
    sortKey = key;
    sortDir = dir === "asc" ? "asc" : "desc";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) {
      c.classList.remove("asc", "desc");
    });
    th.classList.add(sortDir);
    apply();
  }
  function start() {
    Array.prototype.forEach.call(table.querySelectorAll("th[data-type]"), function (th) {
      function toggle() { sortBy(th.dataset.key, th.classList.contains("desc") ? "asc" : "desc"); }
      th.tabIndex = 0;
      th.addEventListener("click", toggle);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { toggle(); } });
    });
    Array.prototype.forEach.call(document.querySelectorAll("button[data-rule]"), function (b) {
      b.addEventListener("click", function () {
        q.value = b.dataset.rule;
        apply();
        document.getElementById("findings").scrollIntoView();
      });
    });
    [q, sev, cat, hid].forEach(function (e) { e.addEventListener("input", apply); });
    hid.addEventListener("change", apply);
    prev.addEventListener("click", function () { page -= 1; draw(); });
    next.addEventListener("click", function () { page += 1; draw(); });
    var params = new URLSearchParams(window.location.hash.slice(1));
    if (params.has("q")) { q.value = params.get("q"); }
    if (params.has("sev")) { sev.value = params.get("sev"); }
    if (params.has("cat")) { cat.value = params.get("cat"); }
    if (params.has("sort")) { sortBy(params.get("sort"), params.get("dir") || "desc"); } else { apply(); }
    if (params.has("page")) { page = Number(params.get("page")) - 1; draw(); }
    document.body.dataset.ready = "1";
  }
  function unpack(text) {
    var raw = atob(text), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }
  unpack(document.getElementById("report-data").textContent).then(function (text) {
    data = JSON.parse(text);
    start();
  }, function (error) {
    shown.textContent = "this browser cannot read the embedded findings: " + error;
  });
}());
"""
