"""advisor-reports check: validate an export locally (no server needed)."""

from __future__ import annotations

from advisor_cli.client import Api


def cmd_check(api: Api | None, args) -> int:
    from shared.advisor.check import main as check_main

    return check_main([args.file, *(["--json"] if args.json else [])])
