"""``stackaudit report RUN --compare-to RUN|DATE|REF``: the quarterly mini-audit (not a command of its own).

Reads the store (never writes it): the run to report, the earlier point, the history (for
acceptances that end) and the runtime evidence; a git ref with no stored run is audited from
``git archive`` without being stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from stackaudit.commands import common

if TYPE_CHECKING:
    from stackaudit.governance.quarterly import QuarterlyDiff
    from stackaudit.model import AuditResult

FORMATS = ("terminal", "markdown", "html", "json")


def _dora(root: Path, tags: str, since: datetime) -> str:
    from stackaudit.governance.dora.compute import DoraOptions, run
    from stackaudit.governance.dora.model import DoraInputError
    from stackaudit.governance.dora.render import to_markdown

    try:
        return to_markdown(run(DoraOptions(repo=root.resolve(), tags=tags, since=since)))
    except DoraInputError as exc:
        raise common.fail(f"--tags: {exc}") from None


def _audit_tree(root: Path, url: str) -> Callable[[Path], AuditResult]:
    def audit(tree: Path) -> AuditResult:
        from stackaudit.engine.pipeline import AuditOptions, run_audit

        cfg = common.load(root, None)
        return run_audit(AuditOptions(root=tree, config=cfg, db_url=url, record=False))

    return audit


def _with_journeys(diff: QuarterlyDiff, root: Path) -> QuarterlyDiff:
    """Journeys whose code changed since their last threat review (read from today's tree)."""
    import dataclasses

    from stackaudit.governance.quarterly_source import journeys_to_review

    cfg = common.guarded(lambda: common.load(root, None))
    found, note = journeys_to_review(root.resolve(), cfg)
    return dataclasses.replace(diff, journeys=found, journeys_note=note)


def compare(
    url: str,
    project: str,
    run: str,
    compare_to: str,
    root: Path,
    pairs: list[tuple[str, Path | None]],
    tags: str | None,
    ahead: int,
) -> None:
    from stackaudit.governance import quarterly_render as render
    from stackaudit.governance.quarterly import DiffInputs, compute
    from stackaudit.governance.quarterly_source import CompareError, find
    from stackaudit.storage.store import Store

    bad = [fmt for fmt, _ in pairs if fmt not in FORMATS]
    if bad:
        raise common.fail(f"--compare-to writes {', '.join(FORMATS)}; not {', '.join(bad)}")
    if ahead < 0:
        raise common.fail("--ahead-days must be 0 or more")

    def load() -> tuple[Any, Any, Any, Any]:
        with Store.open(url) as store:
            run_id = store.resolve_run(project, run)
            if run_id is None:
                raise common.fail(f"no stored run {run!r} for project {project!r} in {store.where}")
            current = store.load_result(run_id)
            try:
                earlier = find(store, project, compare_to, root.resolve(), _audit_tree(root, url))
            except CompareError as exc:
                raise common.fail(str(exc)) from None
            return current, earlier, store.history(project), store.evidence(project)

    current, earlier, history, evidence = common.guarded(load)
    dora = _dora(root, tags, earlier.since) if tags else None
    diff = compute(
        DiffInputs(
            current=current,
            base=earlier.result,
            baseline_label=earlier.label,
            since=earlier.since,
            history=history,
            evidence=evidence,
            now=datetime.now(UTC),
            ahead_days=ahead,
            dora_markdown=dora,
        )
    )
    diff = _with_journeys(diff, root)
    writers = {"terminal": render.to_markdown, "markdown": render.to_markdown, "html": render.to_html}
    for fmt, out in pairs:
        text = render.to_json(diff) if fmt == "json" else writers[fmt](diff)
        if out is None:
            typer.echo(text, nl=False)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        common.err_console().print(f"wrote {common.escape(str(out))}", soft_wrap=True)
