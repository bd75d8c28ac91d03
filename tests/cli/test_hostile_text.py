"""Text from outside never reaches the operator's terminal as control characters.

Every hostile text below goes through every way the command line echoes outside text:
bots.yaml values, paths and settings shown by `config check` (table and JSON), phone
numbers and bot ids in `send`, `pair` and `logout` errors, unknown commands and options,
an unexpected error's message, and a bot's state detail in `linda status`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from linda_tui.cli import linda
from linda_tui.cli.context import LindaContext
from linda_tui.cli.errors import one_line
from linda_tui.cli.fleet_cmds import status_table
from linda_tui.config import Runtime
from linda_tui.terminal_text import CONTROL_CHARACTERS, control_character, visible

# What an attacker puts in a name, a path or a message to act on the operator's terminal.
HOSTILE = {
    "osc52 clipboard (BEL)": "\x1b]52;c;aGVsbG8=\x07",
    "osc52 clipboard (ST)": "\x1b]52;c;aGVsbG8=\x1b\\",
    "clear screen": "\x1b[2J\x1b[H",
    "C1 CSI colour": "\x9b31mred",
    "osc8 hyperlink": "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "carriage return": "ok\rOVERWRITTEN",
    "backspaces": "abc\x08\x08\x08xyz",
    "DCS query": "\x1bP+q544e\x1b\\",
    "DEL and NUL": "a\x7fb\x00c",
    "right-to-left override": "\u202egnp.exe",
    "left-to-right isolate": "\u2066iso\u2069",
    "title set": "\x1b]0;pwned\x07",
}
# File names and environment values cannot hold NUL; a '/' in a path makes folders.
HOSTILE_NO_NUL = {k: v.replace("\x00", "") for k, v in HOSTILE.items()}
HOSTILE_PATH = {k: v.replace("/", "") for k, v in HOSTILE_NO_NUL.items()}

BOT = {"id": "main", "name": "Main", "phone": '"+971501234561"', "role": "primary"}


def assert_plain(text: str) -> None:
    """No control character but line breaks (and tabs) in what the terminal gets."""
    found = control_character(text.replace("\n", "").replace("\t", ""))
    assert found is None, f"U+{ord(found):04X} reached the terminal: {text!r}"


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(linda, list(args), env=env)


def write_fleet(folder: Path, **values: str) -> Path:
    bot = {**BOT, **values}
    lines = ["bots:", f"  - id: {bot['id']}"]
    lines += [f"    {key}: {value}" for key, value in bot.items() if key != "id"]
    path = folder / "bots.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def yaml_quoted(text: str) -> str:
    """A double-quoted YAML scalar holding text (escapes for every control character)."""
    return json.dumps(text)  # JSON strings are valid YAML double-quoted scalars


def test_visible_escapes_every_control_character_and_keeps_the_rest() -> None:
    assert visible("Evil\x1b]52;c;aGk=\x07") == "Evil\\x1b]52;c;aGk=\\x07"
    assert visible("\u202eabc") == "\\u202eabc"
    assert visible("a\nb\tc") == "a\\x0ab\\x09c"
    assert visible("a\nb\tc\r", keep_lines=True) == "a\nb\tc\\x0d"
    assert visible("مكتب دبي ‏+971 ☎") == "مكتب دبي ‏+971 ☎"  # text and marks stay
    for char in CONTROL_CHARACTERS:
        assert control_character(visible(f"x{char}y")) is None


# --- (a) bots.yaml refuses control characters, on the line they are -------------------


@pytest.mark.parametrize("field", ["id", "name", "phone"])
@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_bots_yaml_refuses_control_characters(tmp_path: Path, field: str, hostile: str) -> None:
    value = {"id": f"main{hostile}", "name": f"Main{hostile}", "phone": f"+97150{hostile}"}
    write_fleet(tmp_path, **{field: yaml_quoted(value[field])})
    for args in (["config", "check"], ["config", "check", "--json"]):
        result = run(*args)
        assert result.exit_code == 2, result.output
        [line] = result.stderr.splitlines()
        line_number = {"id": 2, "name": 3, "phone": 4}[field]
        assert line.startswith(f"bots.yaml:{line_number}: ") and " — " in line
        assert_plain(result.output)
        assert result.stdout == ""


def test_a_bot_name_with_an_osc52_escape_is_refused_by_the_linda_script(tmp_path: Path) -> None:
    """The issue's case, as an operator's terminal would get it."""
    write_fleet(tmp_path, name=yaml_quoted("Evil\x1b]52;c;aGVsbG8=\x07 office"))
    proc = subprocess.run(
        [sys.executable, "-m", "linda_tui", "config", "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr == (
        "bots.yaml:3: bot name 'Evil\\x1b]52;c;aGVsbG8=\\x07 office' contains the control "
        "character U+001B — write the name as plain text\n"
    )
    assert "\x1b" not in proc.stdout + proc.stderr


def test_a_bot_name_with_a_zero_width_space_is_refused_in_one_line(tmp_path: Path) -> None:
    write_fleet(tmp_path, name=yaml_quoted("\u200b\u200bMain"))
    result = run("config", "check")
    assert result.exit_code == 2
    assert result.stderr == (
        "bots.yaml:3: bot name '\\u200b\\u200bMain' contains the invisible character U+200B — "
        "write the name as plain text\n"
    )


# --- (b) every path that echoes outside text escapes it --------------------------------


@pytest.mark.parametrize("hostile", HOSTILE_PATH.values(), ids=HOSTILE_PATH.keys())
def test_config_check_shows_hostile_paths_and_settings_escaped(
    tmp_path: Path, hostile: str
) -> None:
    folder = tmp_path / f"conf{hostile}"
    folder.mkdir()
    config = write_fleet(folder)
    env = {
        "LINDA_STORE_URL": str(tmp_path / f"store{hostile}.db"),
        "LINDA_SESSIONS_DIR": f"sessions{hostile}",
        "LINDA_PEOPLE_API_ENDPOINT": f"http://127.0.0.1:9/{hostile}",
    }
    data_dir = f"data{hostile}"
    table = run("--config", str(config), "--data-dir", data_dir, "config", "check", env=env)
    assert table.exit_code == 0, table.output
    assert_plain(table.output)
    assert visible(str(config)) in table.stdout
    document = run(
        "--config", str(config), "--data-dir", data_dir, "config", "check", "--json", env=env
    )
    assert document.exit_code == 0, document.output
    assert_plain(document.output)
    settings = json.loads(document.stdout)["settings"]
    assert settings["config"] == str(config)  # JSON escapes; the value is exact
    assert settings["sessions_dir"].endswith(f"sessions{hostile}")


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_command_line_errors_quoting_hostile_input_are_escaped(
    tmp_path: Path, hostile: str
) -> None:
    cases = [
        (["send", "--to", f"+971{hostile}", "hi"], 2),
        (["send", "--to", "+971501234567", "--bot", f"x{hostile}", "hi"], 2),
        (["pair", f"x{hostile}"], 2),
        (["pair", "demo-sales", "--phone-code", "--phone", f"+971{hostile}"], 2),
        (["logout", f"x{hostile}", "--yes"], 2),
        (["logout", f"x{hostile}"], 2),
        ([f"stat{hostile}us"], 2),
        (["status", f"--wait{hostile}"], 2),
        (["config", f"check{hostile}"], 2),
    ]
    for args, status in cases:
        result = run("--demo", "--data-dir", str(tmp_path / "demo"), *args)
        assert result.exit_code == status, (args, result.output)
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert_plain(result.output)


@pytest.mark.parametrize("hostile", HOSTILE_NO_NUL.values(), ids=HOSTILE_NO_NUL.keys())
def test_a_bad_setting_quoting_hostile_text_is_escaped(tmp_path: Path, hostile: str) -> None:
    write_fleet(tmp_path)
    for name in ("LINDA_TIMEZONE", "LINDA_LOG_LEVEL", "LINDA_GOOGLE_SUBJECT"):
        result = run("config", "check", env={name: f"x{hostile}"})
        assert result.exit_code == 2, result.output
        assert_plain(result.output)


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_an_unexpected_error_quoting_hostile_text_is_one_plain_line(
    tmp_path: Path, hostile: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_fleet(tmp_path)

    def explode(runtime: Runtime) -> str:
        raise RuntimeError(f"reply was {hostile}\nsecond line")

    monkeypatch.setattr("linda_tui.cli.config_cmd.render_table", explode)
    result = run("config", "check")
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("linda: unexpected error (RuntimeError: reply was ")
    assert_plain(result.output)


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
async def test_status_shows_a_hostile_state_detail_escaped(tmp_path: Path, hostile: str) -> None:
    """A detail comes from the network (a server's reason); the table escapes it, the
    JSON escapes it too (json.dumps, ensure_ascii)."""
    from linda_tui.config import demo_fleet
    from linda_tui.fleet.manager import Fleet
    from linda_tui.store import open_store
    from linda_tui.whatsapp.simulated import SimulatedNetwork

    network = SimulatedNetwork(
        tmp_path / "sim", seed=7, speed=1000, paired=["demo-main"], disconnect_rate=0
    )
    store = open_store(f"sqlite:///{tmp_path / 'linda.db'}")
    await store.open()
    fleet = Fleet(demo_fleet(), store, lambda bot, emit: network.account(bot.id, bot.phone, emit))
    try:
        await fleet.start()
        await fleet.wait_settled(10)
        network.unlink("demo-main", reason=f"removed {hostile} on the phone")
        await fleet.wait_until(lambda: fleet.status("demo-main").state == "logged-out", 10)
        with click.Context(linda, obj=LindaContext(Path("bots.yaml"), None, demo=True)):
            table = status_table(fleet.statuses(), fleet)
        document = json.dumps([s.to_dict() for s in fleet.statuses()], indent=2)
    finally:
        await fleet.stop()
        await network.aclose()
        await store.close()
    assert_plain(table)
    assert one_line(f"removed {hostile} on the phone") in table
    assert "demo-main is logged out: link it with `linda --demo pair demo-main`" in table
    assert_plain(document)
    assert json.loads(document)[0]["detail"] == f"removed {hostile} on the phone"


def hostile_input_count() -> int:
    """How many hostile inputs these tests feed (reported in the branch's notes)."""
    return (
        len(HOSTILE) * 3  # bots.yaml id, name, phone
        + 1  # the linda script
        + len(HOSTILE_PATH) * 5  # config path, data dir, store URL, sessions dir, endpoint
        + len(HOSTILE) * 9  # send, pair, logout, unknown command/option errors
        + len(HOSTILE_NO_NUL) * 3  # bad settings
        + len(HOSTILE)  # unexpected error
        + len(HOSTILE)  # status detail
    )


def test_invisible_characters_are_shown_as_escapes_but_joiners_are_not() -> None:
    """A name from anywhere (WhatsApp, bots.yaml, a contact) shown on the terminal: a
    zero width space or a line separator is seen, not hidden; ZWJ/ZWNJ stay as they are."""
    from linda_tui.terminal_text import visible

    assert visible("\u200b\u200b") == "\\u200b\\u200b"
    assert visible("a\ufeffb\u2060c\u180ed\u2028e\u2029") == (
        "a\\ufeffb\\u2060c\\u180ed\\u2028e\\u2029"
    )
    assert visible("👨\u200d👩 می\u200cخواهم") == "👨\u200d👩 می\u200cخواهم"


# Characters that draw nothing or a blank: a name made of them looks empty, and two names
# differing only by them look the same (soft hyphen, Hangul fillers, tags...).
BLANK_LOOKING = ["\u00ad", "\u034f", "\u115f", "\u3164", "\uffa0", "\u17b4", "\u206a", "\ufff9"]
BLANK_LOOKING += ["\U0001d173", "\U000e0001", "\U000e0041"]
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"


@pytest.mark.parametrize("char", BLANK_LOOKING, ids=lambda c: f"U+{ord(c):04X}")
def test_characters_that_draw_nothing_are_escaped_dropped_and_refused(
    tmp_path: Path, char: str
) -> None:
    from linda_tui.terminal_text import without_controls

    escaped = visible(f"Bob{char}")
    assert escaped != f"Bob{char}" and escaped.startswith("Bob\\") and escaped.isascii()
    assert without_controls(f"Bob{char}") == "Bob"
    # YAML's own escape: json.dumps would write an astral character as two surrogates.
    write_fleet(tmp_path, name=f'"Sales\\U{ord(char):08x}"')
    result = run("config", "check")
    assert result.exit_code == 2
    assert f"U+{ord(char):04X}" in result.stderr and "plain text" in result.stderr


def test_a_flag_keeps_its_tags_and_an_astral_escape_is_whole() -> None:
    from linda_tui.terminal_text import without_controls

    assert visible(f"Go {ENGLAND}!") == f"Go {ENGLAND}!"
    assert without_controls(f"{ENGLAND}Bob\U000e0041") == f"{ENGLAND}Bob"
    assert visible("Bob\U000e0041") == "Bob\\U000e0041"  # not \ue0041: the whole code


@pytest.mark.parametrize("name", ["   ", "\u2800\u2800", " \u3000 "])
def test_a_blank_bot_name_is_refused(tmp_path: Path, name: str) -> None:
    write_fleet(tmp_path, name=yaml_quoted(name))
    result = run("config", "check")
    assert result.exit_code == 2 and "is blank" in result.stderr, result.output
