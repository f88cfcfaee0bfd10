"""The inline CSS and JavaScript of the HTML report (constants only).

Both are inlined and allowed by hash in the page's Content-Security-Policy, so
nothing else can run or load even if a repository string escaped its escaping.
The script reads an initial filter/sort from the URL fragment, e.g.
``report.html#q=orders&sev=3&cat=security&sort=score&dir=desc``.
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
"""

JS = """
(function () {
  "use strict";
  var table = document.getElementById("findings-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var q = document.getElementById("q");
  var sev = document.getElementById("sev");
  var cat = document.getElementById("cat");
  var shown = document.getElementById("shown");
  function apply() {
    var text = q.value.toLowerCase(), min = Number(sev.value), want = cat.value, n = 0;
    rows.forEach(function (row) {
      var ok = Number(row.dataset.sev) >= min && (!want || row.dataset.cat === want) &&
        (!text || row.textContent.toLowerCase().indexOf(text) !== -1);
      row.classList.toggle("hidden", !ok);
      if (ok) { n += 1; }
    });
    shown.textContent = n + " of " + rows.length + " findings shown";
  }
  function sortBy(key, dir) {
    var th = table.querySelector('th[data-key="' + key + '"]');
    if (!th) { return; }
    var numeric = th.dataset.type === "num", sign = dir === "asc" ? 1 : -1;
    var col = th.cellIndex;
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.v, y = b.cells[col].dataset.v;
      if (numeric) { return sign * (Number(x) - Number(y)); }
      return sign * x.localeCompare(y);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) {
      c.classList.remove("asc", "desc");
    });
    th.classList.add(dir);
  }
  Array.prototype.forEach.call(table.querySelectorAll("th[data-type]"), function (th) {
    function toggle() { sortBy(th.dataset.key, th.classList.contains("desc") ? "asc" : "desc"); }
    th.tabIndex = 0;
    th.addEventListener("click", toggle);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") { toggle(); } });
  });
  [q, sev, cat].forEach(function (el) { el.addEventListener("input", apply); });
  var params = new URLSearchParams(window.location.hash.slice(1));
  if (params.has("q")) { q.value = params.get("q"); }
  if (params.has("sev")) { sev.value = params.get("sev"); }
  if (params.has("cat")) { cat.value = params.get("cat"); }
  if (params.has("sort")) { sortBy(params.get("sort"), params.get("dir") || "desc"); }
  apply();
  document.body.dataset.ready = "1";
}());
"""
