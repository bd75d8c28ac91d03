"""bots.yaml `keys:` remaps the console's keys by binding id."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from linda_tui.tui.screens.pairing import PairingScreen

from .conftest import MakeApp
from .screen_probe import screen_text, wait_for_text, wait_until


async def test_a_remapped_key_does_the_job_and_the_old_one_no_longer(make_app: MakeApp) -> None:
    app = make_app(keymap={"linda.dashboard.pair": "P"})
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        await pilot.press("down")  # demo-sales: not paired
        await pilot.press("p")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, PairingScreen)
        await pilot.press("P")
        await wait_until(pilot, lambda: isinstance(app.screen, PairingScreen), "pairing")


def test_config_check_names_an_unknown_binding_with_the_nearest_one(tmp_path: Path) -> None:
    (tmp_path / "bots.yaml").write_text(
        "bots:\n  - {id: main, name: Main, phone: '+971501234561', role: primary}\n"
        "keys:\n  linda.dashbord.pair: P\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "linda_tui", "--config", str(tmp_path / "bots.yaml"),
         "--data-dir", str(tmp_path / "data"), "config", "check"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert "'linda.dashbord.pair'" in line and "did you mean linda.dashboard.pair?" in line


def _config_check(tmp_path: Path, keys: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "bots.yaml").write_text(
        f"bots:\n  - {{id: main, name: Main, phone: '+971501234561', role: primary}}\nkeys:\n{keys}"
    )
    return subprocess.run(
        [sys.executable, "-m", "linda_tui", "--config", str(tmp_path / "bots.yaml"),
         "--data-dir", str(tmp_path / "data"), "config", "check"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ("  linda.quit.ctrl: foo\n", "'foo' is not a key (for linda.quit.ctrl)"),
        ("  linda.quit: esc\n", "'esc' is not a key (for linda.quit)"),
        ("  linda.quit: cmd+q\n", "'cmd' in 'cmd+q' is not a modifier"),
        (
            "  linda.quit: '1'\n",
            "linda.pane.dashboard and linda.quit both use 1 — give one of them another key",
        ),
        ("  linda.pane.dashboard: ctrl+p\n", "command_palette and linda.pane.dashboard both use"),
        ("  linda.pane.activity: question_mark\n", "linda.keys and linda.pane.activity both use"),
        (
            "  linda.quit: down\n",
            "linda.bots.cursor_down and linda.quit both use down (in BotTable)",
        ),
    ],
)
def test_config_check_refuses_keys_that_do_not_exist_or_clash(
    tmp_path: Path, keys: str, expected: str
) -> None:
    proc = _config_check(tmp_path, keys)
    assert proc.returncode == 2, proc.stdout
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr


def test_config_check_takes_keys_that_are_free(tmp_path: Path) -> None:
    proc = _config_check(
        tmp_path,
        "  linda.quit: ctrl+b,f10\n  linda.pane.activity: question_mark\n  linda.keys: f1\n",
    )
    assert proc.returncode == 0, proc.stderr


async def test_the_mode_bar_and_the_quit_hint_show_the_remapped_keys(make_app: MakeApp) -> None:
    app = make_app(keymap={"linda.quit": "f10", "linda.pane.contacts": "f4"})
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for_text(pilot, "2/3 online")
        assert "f4 Contacts" in screen_text(app) or "F4 Contacts" in screen_text(app)
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: bool(app._notifications), "the hint")
        [hint] = list(app._notifications)
        assert hint.message.startswith("Press F10 to quit") or hint.message.startswith(
            "Press f10 to quit"
        )


def test_the_console_refuses_keys_that_clash_before_taking_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from linda_tui.cli.root import linda

    (tmp_path / "bots.yaml").write_text(
        "bots:\n  - {id: main, name: Main, phone: '+971501234561', role: primary}\n"
        "keys:\n  linda.quit: '1'\n"
    )
    monkeypatch.setattr("linda_tui.cli.root.has_terminal", lambda: True)
    result = CliRunner().invoke(
        linda, ["--config", str(tmp_path / "bots.yaml"), "--data-dir", str(tmp_path / "d")]
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "linda: bots.yaml keys: linda.pane.dashboard and linda.quit both use 1 — "
        "give one of them another key"
    ]
