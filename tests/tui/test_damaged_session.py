"""A damaged session file shows in the console as damaged (state "error" with the reason
and the fix), never as "not paired", which would invite pairing over it."""

from __future__ import annotations

from pathlib import Path

from linda_tui.tui.widgets.bot_table import BotTable

from .conftest import MakeApp
from .screen_probe import wait_until


async def test_a_damaged_session_is_an_error_with_the_reason(
    make_app: MakeApp, tmp_path: Path
) -> None:
    make_app()  # the demo network's first use writes the paired bots' sessions
    session = tmp_path / "run" / "demo" / "sim-sessions" / "demo-main.json"
    session.write_bytes(b"\x00\x13garbage")
    app = make_app()
    async with app.run_test(size=(120, 32)) as pilot:
        table = app.screen.query_one(BotTable)
        await wait_until(
            pilot, lambda: str(table.get_cell("demo-main", "state")) == "✖ error", "the error"
        )
        error = str(table.get_cell("demo-main", "error"))
        assert error.startswith("session file damaged (not a session file")
        status = app.fleet.status("demo-main")
        assert status.detail is not None and f"restore {session} from a backup" in status.detail
