"""HTML report: golden file, escaping, self-containment, and real headless Chromium."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from stackaudit.report import html as html_report
from stackaudit.report import render
from stackaudit.report.html_assets import CSS, JS

from .golden import check_golden
from .pngcheck import colour_stats
from .sample import RULES, empty_result, sample_result

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
    assert len(parsed.tags("script")) == 1  # ours, at the end of the body
    assert not [attrs for _, attrs in parsed.elements if any(k.startswith("on") for k in attrs)]


def test_self_contained_no_network_references() -> None:
    text = render(sample_result(), "html", RULES)
    parsed = _elements(text)
    for _, attrs in parsed.elements:
        assert "src" not in attrs and "href" not in attrs
    assert parsed.tags("link") == [] and parsed.tags("iframe") == []
    assert "@import" not in CSS and "url(" not in CSS
    assert "fetch(" not in JS and "XMLHttpRequest" not in JS


def test_csp_allows_exactly_our_inline_style_and_script() -> None:
    text = render(sample_result(), "html", RULES)
    csp = next(a["content"] for a in _elements(text).tags("meta") if a.get("http-equiv"))
    assert csp == html_report.content_security_policy()
    assert csp is not None and csp.startswith("default-src 'none';")
    assert f"<style>{CSS}</style>" in text and f"<script>{JS}</script>" in text


def test_h_escapes_text_and_attributes() -> None:
    assert html_report.h('<b a="1">\'&\x1b') == "&lt;b a=&quot;1&quot;&gt;&#x27;&amp;\\x1b"


def test_sections_present() -> None:
    text = render(sample_result(), "html", RULES)
    ids = {a.get("id") for _, a in _elements(text).elements}
    assert {
        "top-risks",
        "findings",
        "findings-table",
        "coverage",
        "analyzers",
        "suppressed",
        "fixed",
        "gate",
    } <= ids
    assert "Top five risks" in text
    assert "CISA KEV: exploited in the wild" in text
    assert "51 similar SELECT order_items queries" in text
    assert '<span class="kind">source</span>' in text


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


def _shown(dom: str) -> str:
    match = re.search(r'<span id="shown" class="small">([^<]*)</span>', dom)
    assert match, "the inline script did not run (blocked by CSP?)"
    return match.group(1)


def _finding_rows(dom: str) -> list[str]:
    table = dom.split('id="findings-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr class="finding( hidden)?"', table)


@pytest.mark.chromium
def test_chromium_renders_findings_and_keeps_hostile_strings_inert(
    chromium: str, report_file: Path, tmp_path: Path
) -> None:
    dom = _chromium(chromium, tmp_path, "--dump-dom", report_file.as_uri())
    assert 'data-ready="1"' in dom  # our script ran under the CSP
    assert _shown(dom) == "7 of 7 findings shown"
    parsed = _elements(dom)
    assert parsed.tags("img") == []
    assert len(parsed.tags("script")) == 1
    assert "&lt;img src=x onerror=alert(1)&gt;" in dom
    assert '&lt;script&gt;alert("pwned")&lt;/script&gt;' in dom
    assert "app/[red]x\\x1b[2J.py" in dom
    assert len(_finding_rows(dom)) == 7


@pytest.mark.chromium
def test_chromium_filter_and_sort_from_the_url_fragment(
    chromium: str, report_file: Path, tmp_path: Path
) -> None:
    url = report_file.as_uri() + "#q=orders&sort=age&dir=desc"
    dom = _chromium(chromium, tmp_path, "--dump-dom", url)
    assert _shown(dom) == "2 of 7 findings shown"
    rows = _finding_rows(dom)
    assert rows.count(" hidden") == 5
    table = dom.split('id="findings-table"', 1)[1]
    first_row = table.split('<tr class="finding', 2)[1]
    assert "perf.n-plus-one" in first_row  # oldest first (42 days)
    dom = _chromium(chromium, tmp_path, "--dump-dom", report_file.as_uri() + "#sev=4")
    assert _shown(dom) == "2 of 7 findings shown"  # the two critical findings


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
    assert "Playbook" not in text and "sca.vulnerable-dependency" in text
