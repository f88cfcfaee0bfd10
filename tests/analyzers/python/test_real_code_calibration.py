"""Calibration found on real code.

N+1 over the pieces of one text value: still reported, but N is what one input holds (the tags
typed into one form, the addresses of one mail), so low confidence and medium severity
(hyperkitty's per-tag get_or_create, pretalx's per-recipient lookup). A list view whose mixin
lives in another file may paginate there (pretalx's OrgaTableMixin)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from stackaudit.analyzers.base import FileInput, SourceFile
from stackaudit.analyzers.python.analyzer import PythonRulesAnalyzer
from stackaudit.config.schema import Config
from stackaudit.model import Confidence, Severity

SOURCE = """
    import re
    from app.models import Tag, User, Order

    def tag(request, thread):
        names = [t.strip() for t in re.findall(r"[\\w -]+", request.POST["tag"])]
        for name in names:
            Tag.objects.get_or_create(name=name, thread=thread)          # 8: typed

    def recipients(mail):
        addresses = list({a.strip().lower() for a in (mail.to or "").split(",") if a.strip()})
        for address in addresses:
            User.objects.filter(email__iexact=address).first()           # 13: typed

    def picked(request):
        for oid in request.POST.getlist("ids"):
            Order.objects.get(pk=oid)                                    # 17: typed

    def report(customer_ids):
        for cid in customer_ids:
            Order.objects.filter(customer_id=cid).count()                # 21: a table's worth

    def every(user):
        for order in Order.objects.filter(user=user):
            User.objects.get(pk=order.reviewer_id)                       # 25: a table's worth
"""


def test_loops_over_typed_pieces_are_reported_low_and_medium() -> None:
    text = textwrap.dedent(SOURCE)
    file = SourceFile("app/views.py", Path("app/views.py"), len(text), "python")
    found = {
        f.location.line: f
        for f in PythonRulesAnalyzer().analyze(FileInput(file, text), Config()).findings
        if f.rule_id == "perf.n-plus-one"
    }
    assert set(found) == {8, 13, 17, 21, 25}
    for line in (8, 13, 17):
        assert (found[line].confidence, found[line].severity) == (Confidence.LOW, Severity.MEDIUM), line
        assert "one text value" in found[line].message
    for line in (21, 25):
        assert found[line].severity is Severity.HIGH and "one text value" not in found[line].message


def test_a_list_view_with_a_mixin_from_elsewhere_is_low_confidence() -> None:
    """pretalx's OrgaTableMixin paginates through django-tables2, defined in another file."""
    text = (
        "from django.views.generic import ListView\n"
        "from app.mixins import OrgaTableMixin\n"
        "from app.models import Mail\n"
        "class MailList(OrgaTableMixin, ListView):\n"
        "    model = Mail\n"
        "class Plain(ListView):\n"
        "    model = Mail\n"
    )
    file = SourceFile("app/views.py", Path("app/views.py"), len(text), "python")
    found = {
        f.location.line: f.confidence
        for f in PythonRulesAnalyzer().analyze(FileInput(file, text), Config()).findings
        if f.rule_id == "perf.unpaginated-list"
    }
    assert found == {4: Confidence.LOW, 6: Confidence.HIGH}


def test_reading_a_file_bundled_with_the_code_in_async_is_low() -> None:
    """changedetection.io reads a small JS file shipped beside the module inside an async
    fetcher: still reported, but low (a user's upload read there stays at its severity)."""
    text = (
        "import os\n"
        "async def capture(page, upload_path):\n"
        "    js = os.path.join(os.path.dirname(__file__), 'res', 'lock.js')\n"
        "    with open(js) as f:\n"
        "        await page.evaluate(f.read())\n"
        "    with open(upload_path) as f:\n"
        "        return f.read()\n"
    )
    file = SourceFile("app/fetch.py", Path("app/fetch.py"), len(text), "python")
    found = {
        f.location.line: (f.severity, f.confidence)
        for f in PythonRulesAnalyzer().analyze(FileInput(file, text), Config()).findings
        if f.rule_id == "perf.blocking-call-in-async"
    }
    assert found[4] == (Severity.LOW, Confidence.LOW)
    assert found[6][0] > Severity.LOW
