"""`linda broadcast create --dry-run` estimates with the engine's rules: bots.yaml's quiet
hours, and the warm-up of a bot paired today (its last pairing, read from the store)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from linda_process import linda as demo_linda
from linda_tui.cli import linda
from linda_tui.models import PAIR_SUCCESS, AuditEntry
from linda_tui.store import SQLiteStore


def dry_run(data: Path, numbers: Path) -> datetime:
    result = demo_linda(
        data, "broadcast", "create", "--name", "Open house", "--to-file", str(numbers),
        "--template", "Open house on Saturday", "--bots", "demo-main", "--dry-run", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return datetime.fromisoformat(json.loads(result.stdout)["finish_at"])


async def pair(path: Path, bot: str, at: datetime) -> None:
    async with SQLiteStore(path) as store:
        await store.add_audit(AuditEntry(action=PAIR_SUCCESS, os_user="ops", at=at, bot_id=bot))


def test_the_dry_run_applies_the_warm_up_of_a_bot_paired_today(tmp_path: Path) -> None:
    data = tmp_path / "data"
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("\n".join(f"+9715015{n:05d}" for n in range(200)) + "\n")
    start = datetime.now(UTC)
    before = dry_run(data, numbers)  # standard pace: pauses, caps, quiet hours
    assert before < start + timedelta(days=1)
    asyncio.run(pair(data / "linda.db", "demo-main", start - timedelta(hours=1)))
    # Days 1-2 allow 50 a day, days 3-4 100: 200 messages need more than two days.
    assert dry_run(data, numbers) > start + timedelta(days=2)


@pytest.mark.parametrize("quiet", [True, False])
def test_the_dry_run_waits_for_the_quiet_hours_of_bots_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quiet: bool
) -> None:
    now = datetime.now(UTC)
    end = now + timedelta(hours=2)
    hours = f"{now - timedelta(hours=1):%H:%M}-{end:%H:%M}" if quiet else "off"
    (tmp_path / "bots.yaml").write_text(
        "bots:\n  - id: main\n    name: Main\n    phone: '+971501234561'\n    role: primary\n"
        f"broadcasts:\n  quiet_hours: {hours}\n"
    )
    # Whether the bot is paired comes from its WhatsApp session file, which a test
    # cannot make: here it is paired.
    monkeypatch.setattr(
        "linda_tui.cli.broadcast_cmd._bots_that_cannot_send", lambda runtime: _nothing()
    )
    result = CliRunner().invoke(
        linda,
        [
            "--data-dir",
            str(tmp_path / "data"),
            "broadcast",
            "create",
            "--name",
            "Open house",
            "--to",
            "+971501500001",
            "--template",
            "Open house on Saturday",
            "--dry-run",
            "--json",
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    finish = datetime.fromisoformat(json.loads(result.stdout)["finish_at"])
    if quiet:
        assert finish == end.replace(second=0, microsecond=0)
    else:
        assert finish < now + timedelta(minutes=1)


async def _nothing() -> dict[str, str]:
    return {}
