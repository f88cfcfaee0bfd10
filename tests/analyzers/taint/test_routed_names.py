"""A Django view is routed when a URL configuration names it as a whole word: a name that only
appears inside a longer one (``show`` in ``show_all``) is not routed (entrypoints.may_be_routed
looks names up in the set of the URL texts' words, once per program)."""

from __future__ import annotations

from pathlib import Path

from tests.analyzers.taint.helpers import run_taint, write

URLS = """from django.urls import path
from . import views
urlpatterns = [path('t/<path:slug>/', views.show_all), path('u/<path:slug>/', views.montrér)]
"""

VIEWS = """from django.shortcuts import redirect

def show_all(request, slug):
    return redirect(slug)

def show(request, slug):
    return redirect(slug)

def montrér(request, slug):
    return redirect(slug)
"""


def test_only_views_a_url_configuration_names_as_a_word_are_routed(tmp_path: Path) -> None:
    files = {"site/__init__.py": "", "site/urls.py": URLS, "site/views.py": VIEWS}
    findings = run_taint(write(tmp_path, files)).findings
    lines = {f.location.line for f in findings if f.rule_id == "sec.open-redirect"}
    assert lines == {4, 10}  # show_all and montrér; show is only part of show_all
