"""The audit-trail coverage rule; ``doc`` is the playbook."""

from __future__ import annotations

from stackaudit.model import Category, Confidence, RuleMeta, Severity

MISSING_AUDIT_EVENT = RuleMeta(
    id="audit.missing-audit-event",
    title="Security-relevant handler emits no audit or log event",
    category=Category.SECURITY,
    severity=Severity.LOW,  # calibrated on judged real apps: right about a third of the time
    cwe=(778,),
    impact=4.0,
    likelihood=3.0,
    effort=0.5,
    confidence=Confidence.MEDIUM,
    doc="""
    Security-relevant handler emits no audit or log event (insufficient logging).

    What it finds: request handlers for authentication (login, logout, password reset or change,
    token issue, MFA), admin actions (``@admin_required``, ``@staff_member_required``,
    ``@permission_required``, ``/admin`` routes, ``admin_*`` / ``delete_user`` / ``impersonate``)
    and data export (``export``/``download``/``dump`` routes, ``csv.writer`` into a response,
    ``send_file``, ``FileResponse``, ``text/csv`` responses, ``Content-Disposition: attachment``)
    whose body — and the functions of the same module it calls — never calls a logger
    (``logger.*``, ``logging.*``, ``current_app.logger``, ``structlog``), an audit API (``audit.*``,
    anything named ``*audit*``), an auth signal (``user_logged_in.send``), or a name listed in
    ``privilege.audit_log_calls``.

    Why it matters: without a record of who logged in, who reset whose password, who changed
    roles and who downloaded the customer list, account takeover and data theft go unnoticed and
    cannot be investigated (OWASP A09: security logging and monitoring failures).

    Example::

        @app.post("/admin/users/<int:uid>/delete")
        @admin_required
        def delete_user(uid):
            db.session.delete(User.query.get(uid))   # no trace of who did it

    Fix: emit a structured audit event with actor, action, target and outcome, e.g.
    ``audit.log("user.delete", actor=current_user.id, target=uid)``, including failures
    (failed logins), and ship it to storage the actor cannot modify.
    """,
    fix="Emit a structured audit event (actor, action, target, outcome) in the handler.",
    tags=("audit-trail",),
)

RULES: tuple[RuleMeta, ...] = (MISSING_AUDIT_EVENT,)
