"""``python -m bench.realcode COMMAND``: fetch | run | todo | score | peers (see README in this folder)."""

from __future__ import annotations

import argparse

from .common import cache_dir, load_apps, select


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realcode")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("fetch", "run", "todo", "score"):
        p = sub.add_parser(name)
        p.add_argument("apps", nargs="*", help="app names (default: all)")
        if name == "run":
            p.add_argument("--jobs", type=int, default=None)
        if name == "score":
            p.add_argument("--markdown", action="store_true", help="also print the README table")
            p.add_argument("--save", action="store_true", help="record this run as the last scored one")
        if name == "todo":
            p.add_argument("--context", type=int, default=6, help="lines of code around each finding")
    peers = sub.add_parser("peers")
    peers.add_argument("--fetch", action="store_true", help="fetch the peers' sdists first")
    args = parser.parse_args(argv)
    cache = cache_dir()
    if args.command == "peers":
        from .peers import run_peers

        return run_peers(cache, fetch_first=args.fetch)
    apps = select(load_apps(), args.apps)
    if args.command == "fetch":
        from .fetch import fetch

        return 1 if fetch(apps, cache) else 0
    if args.command == "run":
        from .run import run_all

        return 1 if run_all(apps, cache, args.jobs) else 0
    if args.command == "todo":
        from .todo import write_todo

        return write_todo(apps, cache, args.context)
    from .report import score_command

    return score_command(apps, cache, markdown=args.markdown, save=args.save)


if __name__ == "__main__":
    raise SystemExit(main())
