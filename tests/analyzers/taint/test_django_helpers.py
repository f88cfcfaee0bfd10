"""A ``def helper(request, ticket)`` in a views module that no URL configuration names is a
helper its views call: ``ticket`` holds what they pass. A views module importing ``reverse``
from ``django.urls`` is not a URL configuration (django-helpdesk's staff views were)."""

from __future__ import annotations

from pathlib import Path

from tests.analyzers.taint.helpers import run_taint, write

VIEWS = (
    "from django.shortcuts import redirect, get_object_or_404\n"
    "from django.urls import reverse\n"
    "from app.models import Ticket\n"
    "def merge(request, ticket_id):\n"
    "    chosen = get_object_or_404(Ticket, id=int(ticket_id))\n"
    "    return redirect_to_chosen(request, chosen)\n"
    "def redirect_to_chosen(request, chosen_ticket):\n"
    "    return redirect(chosen_ticket)\n"  # 8: the ticket a view looked up
    "def jump(request):\n"
    "    return redirect_to_chosen(request, request.GET['next'])\n"
)
URLS = (
    "from django.urls import path\n"
    "from app import views\n"
    "urlpatterns = [path('merge/<ticket_id>/', views.merge), path('jump/', views.jump)]\n"
)


def test_helpers_of_views_take_what_their_callers_pass(tmp_path: Path) -> None:
    root = write(tmp_path, {"app/__init__.py": "", "app/views.py": VIEWS, "app/urls.py": URLS})
    found = [f for f in run_taint(root).findings if f.rule_id == "sec.open-redirect"]
    assert [(f.location.line, f.trace[0].note) for f in found] == [(8, "request.GET (user input)")]
