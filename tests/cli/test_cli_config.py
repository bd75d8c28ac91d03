"""The `linda` command: config check, global options, one-line errors and exit statuses."""

from __future__ import annotations

import importlib.abc
import json
import shutil
import stat
import subprocess
import sys
import types
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from linda_tui import __version__
from linda_tui.cli import linda
from linda_tui.config import Runtime
from linda_tui.logsetup import current_log_file

REPO_ROOT = Path(__file__).resolve().parents[2]
LINDA_SCRIPT = Path(sys.executable).parent / "linda"

LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
LAUGHS_ERROR = (
    "bots.yaml:2: YAML aliases (*name) are not allowed in bots.yaml — write the value out in full"
)


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(linda, list(args), env=env)


@pytest.fixture
def example_config(tmp_path: Path) -> Path:
    return Path(shutil.copy(REPO_ROOT / "bots.yaml", tmp_path / "bots.yaml"))


def test_config_check_prints_the_resolved_fleet(tmp_path: Path, example_config: Path) -> None:
    result = run("config", "check")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "PHONE", "ROLE", "ENABLED"]
    assert lines[1].split() == ["main-office", "Main", "office", "+971501234561", "primary", "yes"]
    assert lines[3].split()[-3:] == ["+971501234563", "secondary", "yes"]
    assert f"  store_url            sqlite:///{tmp_path}/linda.db" in lines
    assert "  timezone             UTC" in lines
    assert "Broadcasts: quiet hours 21:00-09:00 (UTC)" in lines
    assert (
        "  warm-up after pairing: days 1-2 20/h 50/day, days 3-4 40/h 100/day, "
        "days 5-7 60/h 200/day, then the pacing above"
    ) in lines
    assert "  opt-out words: Linda's list (STOP, توقف...)" in lines
    assert "  google_credentials   (not set)" in lines
    assert lines[-1] == "OK: 3 bots, 3 enabled, primary main-office"
    assert result.stderr == ""


def test_config_check_json(tmp_path: Path, example_config: Path) -> None:
    result = run("config", "check", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["ok"] is True and document["demo"] is False
    assert document["config_path"] == str(example_config)
    assert document["fleet"]["primary"] == "main-office"
    bots = document["fleet"]["bots"]
    assert [(b["id"], b["phone"], b["role"], b["enabled"]) for b in bots] == [
        ("main-office", "+971501234561", "primary", True),
        ("agent-sara", "+971501234562", "secondary", True),
        ("agent-omar", "+971501234563", "secondary", True),
    ]
    assert bots[1]["pacing"]["per_hour"] == 20 and bots[0]["pacing"]["per_hour"] == 80
    assert document["fleet"]["broadcasts"] == {
        "quiet_hours": "21:00-09:00",
        "warm_up": [
            {"days": "1-2", "per_hour": 20, "per_day": 50},
            {"days": "3-4", "per_hour": 40, "per_day": 100},
            {"days": "5-7", "per_hour": 60, "per_day": 200},
        ],
        "opt_out_words": [],
        "opt_out_defaults": True,
    }
    assert document["settings"]["sessions_dir"] == str(tmp_path / "sessions")
    assert document["settings"]["google_token"] is None


def test_secrets_in_settings_are_masked(
    example_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINDA_STORE_URL", "mongodb://linda:hunter2@db.example/linda")
    for args in (["config", "check"], ["config", "check", "--json"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert "hunter2" not in result.output
        assert "mongodb://linda:***@db.example/linda" in result.output


@pytest.mark.parametrize(
    ("url", "secrets"),
    [
        ("mongodb://user:s3/cret@127.0.0.1:1/db", ["s3/cret", "cret"]),
        ("mongodb://user:p@ss@127.0.0.1:1/db", ["p@ss"]),
        ("mongodb://:pw-only@127.0.0.1:1/db", ["pw-only"]),
        ("mongodb://user:pa?ss@127.0.0.1:1/db", ["pa?ss"]),
        ("mongodb://user:pa ss@127.0.0.1:1/db", ["pa ss"]),
        ("mongodb://user:hunter2@127.0.0.1:1/db?tlsCertificateKeyFilePassword=kfpw", ["kfpw"]),
    ],
)
def test_config_check_and_status_never_show_a_store_password(
    tmp_path: Path, example_config: Path, url: str, secrets: list[str]
) -> None:
    env = {"LINDA_STORE_URL": url}
    shown = [run("config", "check", env=env), run("config", "check", "--json", env=env)]
    assert all(r.exit_code == 0 for r in shown), [r.output for r in shown]
    status = run("status", "--wait", "0", env=env)
    assert status.exit_code == 1 and len(status.stderr.splitlines()) == 1, status.output
    log = (tmp_path / "logs" / "linda.log").read_text()
    for text in [*(r.output for r in shown), status.output, log]:
        for secret in [*secrets, "hunter2"]:
            assert secret not in text
    assert ":***@127.0.0.1:1/db" in shown[0].stdout


def test_demo_needs_no_bots_yaml_and_keeps_data_apart(tmp_path: Path) -> None:
    result = run("--demo", "config", "check", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["demo"] is True and document["config_path"] is None
    assert [b["id"] for b in document["fleet"]["bots"]] == [
        "demo-main",
        "demo-sales",
        "demo-support",
    ]
    assert document["settings"]["data_dir"] == str(tmp_path / ".linda-demo")
    assert document["settings"]["store_url"] == f"sqlite:///{tmp_path}/.linda-demo/linda.db"


def test_global_options_reach_the_subcommand(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    shutil.copy(REPO_ROOT / "bots.yaml", tmp_path / "conf" / "fleet.yaml")
    result = run("--config", "conf/fleet.yaml", "--data-dir", "var", "config", "check", "--json")
    assert result.exit_code == 0, result.output
    settings = json.loads(result.stdout)["settings"]
    assert settings["config"] == str(tmp_path / "conf" / "fleet.yaml")
    assert settings["data_dir"] == str(tmp_path / "var")
    assert settings["log_file"] == str(tmp_path / "var" / "logs" / "linda.log")


def test_running_a_command_starts_the_log_file(tmp_path: Path, example_config: Path) -> None:
    assert run("config", "check").exit_code == 0
    log_file = tmp_path / "logs" / "linda.log"
    assert current_log_file() == log_file
    assert f"linda {__version__} started: fleet from {example_config}" in log_file.read_text()
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600


BAD_FILES = {
    "syntax error": (
        b"bots:\n  - id: main\n   name: Main\n",
        [
            "bots.yaml:3: YAML syntax error: expected <block end>, but found "
            "'<block mapping start>' — check the indentation and quoting on this line "
            "(quote values containing ': ' or ' #')"
        ],
    ),
    "empty file": (
        b"",
        ["bots.yaml:1: the file is empty — list your bots under bots: (see the example bots.yaml)"],
    ),
    "not UTF-8": (
        b"bots:\n  - id: caf\xe9\n",
        ["bots.yaml:2: the file is not UTF-8 text (byte 0xe9) — save it as UTF-8"],
    ),
    "billion laughs": (LAUGHS.encode(), [LAUGHS_ERROR]),
    "several problems": (
        b"bots:\n  - id: Main\n    name: Main\n    phone: nope\n    role: primary\n    x: 1\n",
        [
            "bots.yaml:2: bot id 'Main' must be a slug of lowercase letters, digits and '-' "
            "(it becomes a file name) — write it like main-office",
            "bots.yaml:4: 'nope' has letters in it — write the number in digits, "
            "e.g. +971501234567 (spaces and + . - ( ) / may separate them)",
            "bots.yaml:6: unknown key 'x' — remove it or check its spelling (allowed here: "
            "enabled, id, name, pacing, phone, role)",
        ],
    ),
}


@pytest.mark.parametrize("content, expected", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_files_exit_2_with_one_line_per_problem(
    tmp_path: Path, content: bytes, expected: list[str]
) -> None:
    (tmp_path / "bots.yaml").write_bytes(content)
    result = run("config", "check")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == expected
    assert result.stdout == ""


def test_missing_file_and_folder(tmp_path: Path) -> None:
    result = run("config", "check")
    assert (result.exit_code, result.stderr.splitlines()) == (
        2,
        [
            "bots.yaml: no such file — create it (see the example bots.yaml and README.md), "
            "pass --config PATH, or try `linda --demo`"
        ],
    )
    (tmp_path / "dir").mkdir()
    result = run("--config", "dir", "config", "check")
    assert (result.exit_code, result.stderr.splitlines()) == (
        2,
        [
            "dir: is a folder, not a file — pass the bots.yaml file itself, e.g. --config dir/bots.yaml"
        ],
    )


def test_a_bad_setting_exits_2(example_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINDA_TIMEZONE", "Atlantis/Capital")
    result = run("config", "check")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "env LINDA_TIMEZONE: 'Atlantis/Capital' is not a known time zone — use an IANA name "
        "such as Asia/Dubai, Europe/London or UTC"
    ]


def test_version() -> None:
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"linda {__version__}\n")


@pytest.mark.parametrize(
    "args, expected",
    [
        (["nope"], "linda: No such command 'nope' — try 'linda --help'"),
        (["--colour"], "linda: No such option '--colour' — try 'linda --help'"),
        (
            ["config", "check", "--yaml"],
            "linda: No such option '--yaml' — try 'linda config check --help'",
        ),
    ],
)
def test_usage_errors_are_one_short_line(args: list[str], expected: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [expected]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--demo", "contacts"], "linda contacts: missing command (get, search)"),
        (
            ["broadcast"],
            "linda broadcast: missing command "
            "(cancel, create, export, list, pause, resolve, resume, run, show)",
        ),
        (["google"], "linda google: missing command (login)"),
        (["config"], "linda config: missing command (check)"),
    ],
)
def test_a_group_without_its_command_is_one_short_line(args: list[str], expected: str) -> None:
    """Not the group's whole help squeezed onto one line: the commands and where the
    help is."""
    result = run(*args)
    group = expected.split(":")[0]
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"{expected} — try '{group} --help'"]
    assert result.stdout == ""


def test_plain_linda_without_a_console_says_so(
    example_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "linda_tui.tui.app", None)  # importing it now fails
    result = run()
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "linda: the console is not part of this build yet — `linda config check` validates "
        "your configuration meanwhile"
    ]


def test_plain_linda_opens_the_console_with_the_runtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Runtime] = []

    def run_console(runtime: Runtime, **_: object) -> int:
        seen.append(runtime)
        # By now logging is set up and the folders exist.
        assert current_log_file() == runtime.log_file
        assert stat.S_IMODE(runtime.sessions_dir.stat().st_mode) == 0o700
        return 3

    console = types.ModuleType("linda_tui.tui.app")
    console.run_console = run_console  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "linda_tui.tui.app", console)
    monkeypatch.setattr("linda_tui.cli.root.has_terminal", lambda: True)
    result = run("--demo")
    assert result.exit_code == 3
    assert len(seen) == 1 and seen[0].demo
    assert seen[0].data_dir == tmp_path / ".linda-demo"


def test_plain_linda_without_a_terminal_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Runtime] = []
    console = types.ModuleType("linda_tui.tui.app")
    console.run_console = lambda runtime, **_: opened.append(runtime) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "linda_tui.tui.app", console)
    result = run("--demo")  # the test runner's stdin and stdout are not a terminal
    assert result.exit_code == 2
    assert opened == []
    assert result.stderr.splitlines() == [
        "linda: the console needs a terminal (stdin and stdout) — run linda in one, or use "
        "`linda --demo status`, `linda --demo send` or `linda --demo serve` from scripts"
    ]


class _BrokenConsole(importlib.abc.MetaPathFinder):
    """Makes `linda_tui.tui.app` fail to import because something inside it is missing."""

    def find_spec(self, name: str, path: object, target: object = None) -> None:
        if name == "linda_tui.tui.app":
            raise ModuleNotFoundError("No module named 'qrcodex'", name="qrcodex")
        return None


def test_a_broken_console_is_an_unexpected_error_not_a_missing_one(
    tmp_path: Path, example_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "linda_tui.tui.app", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_BrokenConsole(), *sys.meta_path])
    result = run()
    assert result.exit_code == 1
    log_file = tmp_path / "logs" / "linda.log"
    assert result.stderr.splitlines() == [
        "linda: unexpected error (ModuleNotFoundError: No module named 'qrcodex') — details "
        f"in {log_file}; please report it"
    ]


def test_an_unexpected_error_is_one_line_and_the_traceback_goes_to_the_log(
    tmp_path: Path, example_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(runtime: Runtime) -> str:
        raise RuntimeError("boom while using password=hunter2")

    monkeypatch.setattr("linda_tui.cli.config_cmd.render_table", explode)
    result = run("config", "check")
    log_file = tmp_path / "logs" / "linda.log"
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "linda: unexpected error (RuntimeError: boom while using password=***) — details in "
        f"{log_file}; please report it"
    ]
    assert "Traceback" not in result.output
    text = log_file.read_text()
    assert "Traceback (most recent call last)" in text and "explode" in text
    assert "hunter2" not in text


# --- real processes: what an operator's terminal shows --------------------------------


def run_process(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # The timeout only stops a hung test run; it is not a speed assertion.
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120
    )


def test_python_m_linda_tui_shows_no_traceback_for_a_bad_file(tmp_path: Path) -> None:
    (tmp_path / "bots.yaml").write_text("bots:\n  - id: main\n    name: [unclosed\n")
    proc = run_process([sys.executable, "-m", "linda_tui", "config", "check"], tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "bots.yaml:4: YAML syntax error: expected ',' or ']', but got '<stream end>' — check "
        "the indentation and quoting on this line (quote values containing ': ' or ' #')"
    ]


@pytest.mark.skipif(not LINDA_SCRIPT.exists(), reason="the linda console script is not installed")
def test_the_linda_script_refuses_a_billion_laughs_document(tmp_path: Path) -> None:
    (tmp_path / "bots.yaml").write_text(LAUGHS)
    proc = run_process([str(LINDA_SCRIPT), "config", "check"], tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", LAUGHS_ERROR + "\n")


@pytest.mark.skipif(not LINDA_SCRIPT.exists(), reason="the linda console script is not installed")
def test_the_linda_script_checks_the_demo(tmp_path: Path) -> None:
    proc = run_process([str(LINDA_SCRIPT), "--demo", "config", "check"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "OK: 3 bots, 3 enabled, primary demo-main"
    assert proc.stderr == ""


def test_the_command_line_imports_neither_textual_nor_neonize(tmp_path: Path) -> None:
    # `linda --help` and `linda config check` stay light, and nothing may import neonize
    # before the CLI has set up logging (neonize reconfigures logging on import).
    code = (
        "import sys, linda_tui.cli, linda_tui.__main__; "
        "print(sorted(m for m in ('textual', 'neonize') if m in sys.modules))"
    )
    proc = run_process([sys.executable, "-c", code], tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "[]\n"), proc.stderr
