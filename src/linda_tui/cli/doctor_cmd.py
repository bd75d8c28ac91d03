"""`linda doctor`: a checklist of the whole setup, with the fix for each failure."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
from typing import TYPE_CHECKING

import click

from linda_tui.cli.context import LindaContext, pass_linda, with_global_options
from linda_tui.cli.errors import EXIT_FAILURE, CommandError
from linda_tui.config import Runtime

if TYPE_CHECKING:  # doctor itself is imported only when it runs
    from linda_tui.doctor import SessionReport


def session_reports(runtime: Runtime) -> dict[str, SessionReport]:
    """Each enabled bot's session (paired, not paired or damaged), read without
    connecting or writing anything."""
    from linda_tui.doctor import SessionReport

    bot_ids = [b.id for b in runtime.fleet.enabled_bots]
    if runtime.demo:
        from linda_tui.services import DEMO_PRE_PAIRED
        from linda_tui.whatsapp.simulated import STATE_FILE, read_session

        if not os.path.lexists(runtime.data_dir / STATE_FILE):  # never run: its first state
            return {b: SessionReport(b in DEMO_PRE_PAIRED) for b in bot_ids}
        reports = {}
        for bot_id in bot_ids:
            session, damage = read_session(runtime.data_dir, bot_id)
            reports[bot_id] = SessionReport(session is not None, damage)
        return reports
    from linda_tui.whatsapp.account import session_damaged
    from linda_tui.whatsapp.neonize_account import NeonizeAccount, session_file_damage

    reports = {}
    for bot in runtime.fleet.enabled_bots:
        account = NeonizeAccount(bot.id, bot.phone, lambda _e: None, runtime.sessions_dir)
        paired, damage = account.is_paired, account.session_damage
        if paired:  # the full integrity check, whatever the file's size
            problem = session_file_damage(account.session_path, full=True)
            if problem is not None:
                paired, damage = False, session_damaged(account.session_path, problem)
        reports[bot.id] = SessionReport(paired, damage)
    return reports


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@pass_linda
def doctor_cmd(ctx: LindaContext, as_json: bool) -> None:
    """Check configuration, sessions, pairing, store, Google credentials and WhatsApp.

    Exits 0 only when every check passes.
    """
    from linda_tui.doctor import Outcome, run_checks  # only when doctor runs
    from linda_tui.terminal_text import visible

    mark = {Outcome.PASS: "✔ PASS", Outcome.FAIL: "✘ FAIL", Outcome.SKIP: "- SKIP"}
    checks = [
        # The fixes name commands: with this run's global options, as every advice.
        dataclasses.replace(c, fix=with_global_options(c.fix, ctx)) if c.fix else c
        for c in asyncio.run(run_checks(ctx.runtime, session_reports))
    ]
    if as_json:  # JSON escapes control characters itself
        click.echo(json.dumps([c.to_dict() for c in checks], indent=2))
    else:
        # Details quote paths and file names: their control characters are shown, not played.
        for check in checks:
            click.echo(f"{mark[check.outcome]}  {check.name}: {visible(check.detail)}")
            if check.fix:
                click.echo(f"          fix: {visible(check.fix)}")
    failed = [c for c in checks if c.outcome is Outcome.FAIL]
    if failed:
        if not as_json:
            click.echo(f"\n{len(failed)} of {len(checks)} checks failed.")
        raise CommandError(
            f"doctor found {len(failed)} problem(s): {', '.join(c.name for c in failed)}",
            exit_code=EXIT_FAILURE,
        )
    if not as_json:
        click.echo(f"\nAll {len(checks)} checks passed.")
