"""HTML report: golden file, escaping, self-containment, and real headless Chromium."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from stackaudit.model import AuditResult
from stackaudit.report import html as html_report
from stackaudit.report import html_data, render
from stackaudit.report.html_assets import CSS, JS

from .big import big_result
from .golden import check_golden
from .pngcheck import colour_stats
from .sample import HOSTILE_SNIPPET, RULES, empty_result, sample_result

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]


def _elements(text: str) -> _Elements:
    parser = _Elements()
    parser.feed(text)
    return parser


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(sample_result(), "html", RULES), encoding="utf-8")
    return path


def test_golden() -> None:
    check_golden("report.html", render(sample_result(), "html", RULES))


def test_hostile_strings_never_become_elements() -> None:
    parsed = _elements(render(sample_result(), "html", RULES))
    assert parsed.tags("img") == []
    scripts = parsed.tags("script")
    assert len(scripts) == 3  # two data blocks (never run) and our script, at the end
    assert scripts[0] == {"type": html_data.DATA_TYPE, "id": "report-data"}
    assert not [attrs for _, attrs in parsed.elements if any(k.startswith("on") for k in attrs)]


def test_embedded_data_cannot_close_its_script_element() -> None:
    text = render(sample_result(), "html", RULES)
    data = text.split(f'<script type="{html_data.DATA_TYPE}" id="report-data">', 1)[1].split("</script>", 1)[
        0
    ]
    assert set(data) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n")
    parsed = html_data.read(text)
    assert len(parsed["findings"]) == 7 and len(parsed["suppressed"]) == 1
    details = html_data.read(text, html_data.DETAILS_ID)
    assert len(details["findings"]) == 7 and len(details["suppressed"]) == 1
    assert any(HOSTILE_SNIPPET in f.get("p", "") for f in details["findings"])


def test_self_contained_no_network_references() -> None:
    text = render(sample_result(), "html", RULES)
    parsed = _elements(text)
    for _, attrs in parsed.elements:
        assert "src" not in attrs and "href" not in attrs
    assert parsed.tags("link") == [] and parsed.tags("iframe") == []
    assert "@import" not in CSS and "url(" not in CSS
    assert "fetch(" not in JS and "XMLHttpRequest" not in JS and "innerHTML" not in JS


def test_csp_allows_exactly_our_inline_style_and_script() -> None:
    text = render(sample_result(), "html", RULES)
    csp = next(a["content"] for a in _elements(text).tags("meta") if a.get("http-equiv"))
    assert csp == html_report.content_security_policy()
    assert csp is not None and csp.startswith("default-src 'none';")
    assert f"<style>{CSS}</style>" in text and f"<script>{JS}</script>" in text


def test_h_escapes_text_and_attributes() -> None:
    assert html_report.h('<b a="1">\'&\x1b') == "&lt;b a=&quot;1&quot;&gt;&#x27;&amp;\\x1b"


def test_leads_with_the_verdict_and_the_top_five_then_charts_groups_and_the_list() -> None:
    text = render(sample_result(), "html", RULES)
    order = ['id="gate"', 'id="top-risks"', 'id="charts"', 'id="groups"', 'id="findings"', 'id="coverage"']
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "Top five risks" in text
    assert "CISA KEV: exploited in the wild" in text  # the top five, in the markup
    assert "Findings by severity" in text and "Findings by category" in text
    assert "Trend over stored runs: not drawn here" in text
    assert '<td class="num">1</td>' in text  # group counts
    ids = {a.get("id") for _, a in _elements(text).elements}
    assert {"analyzers", "fixed", "findings-table", "groups-table"} <= ids


def test_lists_in_the_header_are_capped() -> None:
    base = sample_result()
    gate = replace(base.gate, reasons=tuple(f"reason {i}" for i in range(40)))  # type: ignore[arg-type]
    run = replace(base.run, notices=tuple(f"notice {i}" for i in range(40)))
    text = render(replace(base, gate=gate, run=run), "html", RULES)
    assert text.count("<li>reason ") == 10 and "<li>and 30 more</li>" in text
    assert text.count('<div class="notice">') == 11


def test_empty_run() -> None:
    text = render(empty_result(), "html", RULES)
    assert "<p>No findings.</p>" in text
    assert "Every file was analysed and every analyzer ran cleanly." in text


# ----- real headless Chromium -----


def _chromium(chromium: str, tmp_path: Path, *args: str) -> str:
    proc = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


class Page:
    """A real headless Chromium page (Playwright driving Debian's chromium) that records
    every dialog (``alert``), console error (CSP violations included) and page error."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, url: str) -> float:
        """Load ``url`` and wait for our script; returns the seconds it took."""
        start = time.perf_counter()
        self.page.goto(url, wait_until="load")
        self.page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)
        return time.perf_counter() - start

    def text(self, selector: str) -> str:
        return str(self.page.inner_text(selector))

    def rows(self) -> int:
        return int(self.page.locator("#findings-table tbody tr.finding").count())


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    context = browser.new_context()
    yield Page(context.new_page())
    context.close()


def _open_every_detail(page: Page) -> None:
    page.page.evaluate(
        "() => document.querySelectorAll('#findings-table details').forEach(d => { d.open = true; })"
    )
    page.page.wait_for_selector("body[data-details='1']", state="attached")
    page.page.wait_for_timeout(200)  # the toggle handlers draw the details once they are unpacked


@pytest.mark.chromium
def test_chromium_renders_findings_and_keeps_hostile_strings_inert(page: Page, report_file: Path) -> None:
    page.open(report_file.as_uri())
    assert page.text("#shown") == "7 of 7 findings shown"
    assert page.rows() == 7
    _open_every_detail(page)
    dom = page.page.content()
    assert "<img" not in dom.split('id="report-data"')[0]
    assert 'request.args["q"]' in page.text("#findings-table")  # the trace, rendered on demand
    assert '<script>alert("pwned")</script>' in page.text("#findings-table")  # shown as text
    assert "app/[red]x\\x1b[2J.py" in page.text("#findings-table")
    assert page.dialogs == [] and page.errors == []


HOSTILE = (
    '<script>alert("s1")</script>',
    '"><img src=x onerror=alert("s2")>',
    "\" onerror=alert('s3') x=\"",
    "javascript:alert('s4')",
    '</script><script>alert("s5")</script>',
    "<svg onload=alert('s6')>",
    "&lt;img src=x onerror=alert('s7')&gt;",
)


def _hostile_result() -> AuditResult:
    base = sample_result()
    items = []
    for i, text in enumerate(HOSTILE):
        item = base.findings[i % len(base.findings)]
        f = replace(
            item.finding,
            rule_id=f"rule{text}",
            message=text,
            snippet=text,
            fix=text,
            location=replace(item.finding.location, path=f"dir/{text}.py", symbol=text),
            endpoint=text,
        )
        items.append(replace(item, finding=f, owner=text, suppression=text))
    run = replace(base.run, project=HOSTILE[0], notices=HOSTILE, branch=HOSTILE[1])
    gate = replace(base.gate, reasons=HOSTILE, threshold=HOSTILE[2], baseline=HOSTILE[3])  # type: ignore[arg-type]
    return replace(base, run=run, gate=gate, findings=tuple(items), suppressed=tuple(items[:2]))


@pytest.mark.chromium
def test_no_repository_string_runs_a_script(page: Page, tmp_path: Path) -> None:
    """Script, event-handler and javascript: payloads in every field: no dialog, no error."""
    path = tmp_path / "hostile.html"
    path.write_text(render(_hostile_result(), "html", RULES), encoding="utf-8")
    page.open(path.as_uri())
    page.page.check("#hidden")  # the suppressed ones too
    assert page.rows() == len(HOSTILE) + 2
    _open_every_detail(page)
    for button in page.page.locator("button[data-rule]").all():
        button.click()
    page.page.fill("#q", "")
    body = page.text("body")
    for text in HOSTILE:
        assert text in body or text.replace("\n", " ") in body
    assert page.page.locator("img, svg[onload], iframe").count() == 0
    assert page.dialogs == [] and page.errors == []


@pytest.mark.chromium
def test_chromium_filter_sort_and_page_from_the_url_fragment(page: Page, report_file: Path) -> None:
    page.open(report_file.as_uri() + "#q=orders&sort=age&dir=desc")
    assert page.text("#shown") == "2 of 7 findings shown"
    first = page.page.locator("#findings-table tbody tr.finding").first.inner_text()
    assert "perf.n-plus-one" in first  # oldest first (42 days)
    page.open(report_file.as_uri() + "#sev=4")
    assert page.text("#shown") == "2 of 7 findings shown"  # the two critical findings
    page.page.click("button[data-rule='perf.n-plus-one']")
    assert page.text("#shown") == "1 of 7 findings shown"
    assert page.errors == []


@pytest.mark.chromium
def test_fifty_thousand_findings_open_in_under_three_seconds(page: Page, tmp_path: Path) -> None:
    result = big_result()
    path = tmp_path / "big.html"
    with path.open("w", encoding="utf-8") as handle:
        html_report.write(result, RULES, handle)
    took = page.open(path.as_uri())
    print(f"50,000 findings: {path.stat().st_size / 1e6:.1f} MB, ready in {took:.2f} s")
    assert page.text("#shown") == f"{len(result.findings)} of {len(result.findings)} findings shown"
    assert page.rows() == 100  # one page drawn, not 50,000 rows
    assert took < 3.0, took
    page.page.click("#next")
    assert page.text("#page") == "page 2 of 500"
    assert page.errors == []


@pytest.mark.chromium
def test_chromium_screenshot_is_a_rendered_page(chromium: str, report_file: Path, tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    _chromium(chromium, tmp_path, "--window-size=1280,1600", f"--screenshot={png}", report_file.as_uri())
    colours, ink = colour_stats(png)
    assert colours > 40, colours  # text, badges, borders: a blank page has one colour
    assert 0.05 < ink < 0.9, ink


@pytest.mark.chromium
def test_chromium_blank_control(chromium: str, tmp_path: Path) -> None:
    """Negative control for the screenshot check: an empty page fails it."""
    page = tmp_path / "blank.html"
    page.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    png = tmp_path / "blank.png"
    _chromium(chromium, tmp_path, "--window-size=400,300", f"--screenshot={png}", page.as_uri())
    colours, ink = colour_stats(png)
    assert colours <= 2 and ink < 0.01


def test_unknown_rule_has_no_playbook_but_renders() -> None:
    result = sample_result()
    text = render(replace(result, findings=result.findings[:1]), "html", {})
    rules = html_data.read(text)["rules"]
    assert rules == {
        "sca.vulnerable-dependency": ["sca.vulnerable-dependency", ""],
        "scale.no-timeout": ["scale.no-timeout", ""],
    }


def test_embed_escapes_markup_characters() -> None:
    text = html_data.embed({"a": "</script><b>&amp;"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><b>&amp;"}
