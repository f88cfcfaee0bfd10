"""Functions that mark HTML safe are analysed without a source, so a constant or escaped
argument is proven (the merge then drops ruff's S308/S704) and a parameter is not (issue 8)."""

from __future__ import annotations

from pathlib import Path

from tests.analyzers.taint.helpers import run_taint, write

APP = """from django.utils.html import escape
from django.utils.safestring import mark_safe
from markupsafe import Markup


def badge():
    return mark_safe("<b>new</b>")


def em(text):
    return Markup("<em>%s</em>" % escape(text))


def raw(text):
    return mark_safe(text)
"""


def test_constant_and_escaped_markup_are_proven_a_parameter_is_not(tmp_path: Path) -> None:
    result = run_taint(write(tmp_path, {"app.py": APP}))
    proven = sorted(p.line for p in result.proofs if 79 in p.cwe)
    assert proven == [7, 11]
    assert not any(f.location.line == 15 and f.prop("origin") == "confirmed" for f in result.findings)


TRANSLATED = """from flask_babel import gettext as _
from django.utils.translation import gettext_lazy
from markupsafe import Markup


def amount(value):
    message = _("Not a valid amount or expression.")
    return Markup(message)


def lazy():
    return Markup(gettext_lazy("<b>Saved</b>"))


def named(project):
    return Markup(_("Project %(project)s exists", project=project))
"""


def test_the_translation_of_a_constant_is_proven_its_values_are_not(tmp_path: Path) -> None:
    """ihatemoney's ``Markup(_("..."))``: the catalogue is the project's own; a value put into
    the message still flows (issue 8: S704 on code-defined messages)."""
    result = run_taint(write(tmp_path, {"app.py": TRANSLATED}))
    assert sorted(p.line for p in result.proofs if 79 in p.cwe) == [8, 12]
