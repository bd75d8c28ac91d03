"""`linda doctor`: a checklist of the whole setup, with the fix for each failure."""

from __future__ import annotations

import asyncio
import json

import click

from linda_tui.cli.context import LindaContext, pass_linda
from linda_tui.cli.errors import EXIT_FAILURE, CommandError
from linda_tui.config import Runtime


def _paired(runtime: Runtime) -> dict[str, bool]:
    """Which enabled bots have a session, read without connecting or writing anything."""
    bots = [b.id for b in runtime.fleet.enabled_bots]
    if runtime.demo:
        from linda_tui.fleet.assembly import DEMO_PRE_PAIRED
        from linda_tui.whatsapp.simulated import SESSIONS_DIR, STATE_FILE

        if not (runtime.data_dir / STATE_FILE).exists():  # never run: the demo's first state
            return {b: b in DEMO_PRE_PAIRED for b in bots}
        return {b: (runtime.data_dir / SESSIONS_DIR / f"{b}.json").exists() for b in bots}
    from linda_tui.whatsapp.neonize_account import NeonizeAccount

    return {
        b.id: NeonizeAccount(b.id, b.phone, lambda _e: None, runtime.sessions_dir).is_paired
        for b in runtime.fleet.enabled_bots
    }


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@pass_linda
def doctor_cmd(ctx: LindaContext, as_json: bool) -> None:
    """Check configuration, sessions, pairing, store, Google credentials and WhatsApp.

    Exits 0 only when every check passes.
    """
    from linda_tui.doctor import Outcome, run_checks  # only when doctor runs

    mark = {Outcome.PASS: "✔ PASS", Outcome.FAIL: "✘ FAIL", Outcome.SKIP: "- SKIP"}
    checks = asyncio.run(run_checks(ctx.runtime, _paired))
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in checks], indent=2))
    else:
        for check in checks:
            click.echo(f"{mark[check.outcome]}  {check.name}: {check.detail}")
            if check.fix:
                click.echo(f"          fix: {check.fix}")
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
