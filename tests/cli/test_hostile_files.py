"""Hostile files, end to end: `linda` as a real process against planted links, FIFOs,
devices, folders and huge files at every path it reads or writes.

Each run has a timeout: a FIFO that made Linda wait, or /dev/zero read to the end, shows
up as subprocess.TimeoutExpired, a failure, never a stuck test run. Devices are private
copies made with mknod in the test's folder (as root), never the machine's own.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from linda_tui.store.migrations import CURRENT_VERSION

TIMEOUT = 30  # generous for a loaded machine; a hang is what it catches
NOBODY = 65534
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chown)")
ONE_BOT = (
    "bots:\n"
    "  - id: main-office\n"
    "    name: Main office\n"
    '    phone: "+971501234561"\n'
    "    role: primary\n"
)
OAUTH_CLIENT = {"installed": {"client_id": "x.apps.example", "client_secret": "not-real"}}


def run(
    *args: str, env: dict[str, str] | None = None, umask: int | None = None
) -> subprocess.CompletedProcess[str]:
    """`linda ARGS...` in a real process, in the test's folder (the cwd)."""
    return subprocess.run(
        [sys.executable, "-m", "linda_tui", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,  # noqa: PLW1509
    )


def demo(data: Path, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return run("--demo", "--data-dir", str(data), *args, **kwargs)  # type: ignore[arg-type]


def one_line_error(proc: subprocess.CompletedProcess[str], *codes: int) -> str:
    """The single line a failed command printed (exit status one of ``codes``)."""
    assert proc.returncode in codes, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    return lines[0]


def mknod(path: Path, kind: str) -> None:
    numbers = {"null": (1, 3), "zero": (1, 5), "full": (1, 7)}[kind]
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(*numbers))
    except PermissionError:
        pytest.skip("making a device node needs root")
    os.chmod(path, 0o666)


def plant(path: Path, kind: str, victim: Path) -> None:
    """Put something hostile at ``path``: a FIFO, a device, a folder, an 8 GiB (sparse)
    file, a file of garbage, or a link to ``victim``."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind in ("null", "zero", "full"):
        mknod(path, kind)
    elif kind == "folder":
        path.mkdir()
    elif kind == "huge":
        with open(path, "wb") as handle:
            handle.truncate(8 * 1024**3)
    elif kind == "garbage":
        path.write_bytes(random.Random(9).randbytes(3000))
    elif kind == "link":
        path.symlink_to(victim)
    else:
        raise AssertionError(kind)


def checks_of(proc: subprocess.CompletedProcess[str]) -> dict[str, dict[str, str]]:
    assert "Traceback" not in proc.stdout + proc.stderr
    return {c["name"]: c for c in json.loads(proc.stdout)}


def one_line_detail(check: dict[str, str]) -> str:
    assert check["outcome"] == "fail", check
    assert "\n" not in check["detail"] and check["detail"].strip()
    return check["detail"]


REASONS = {
    "fifo": "is a FIFO (named pipe), not a regular file",
    "null": "is a character device, not a regular file",
    "zero": "is a character device, not a regular file",
    "full": "is a character device, not a regular file",
    "folder": "is a folder",
    "huge": "larger than",
    "link": "symbolic link",
}


# --- inputs: bots.yaml, .env, Google credentials and token -------------------------------


@pytest.mark.parametrize("kind", ["fifo", "zero", "null", "folder", "huge"])
def test_bots_yaml_and_env_that_are_not_small_files_are_one_line_each(
    tmp_path: Path, victim: Path, kind: str
) -> None:
    plant(tmp_path / "bots.yaml", kind, victim)
    plant(tmp_path / ".env", kind, victim)
    proc = run("config", "check")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in proc.stderr, proc.stderr
    env_line, yaml_line = sorted(lines)
    reason = "is a folder, not a file" if kind == "folder" else REASONS[kind]
    assert env_line.startswith(".env: ") and reason in env_line
    assert yaml_line.startswith("bots.yaml: ") and (reason in yaml_line or "KiB" in yaml_line)


@pytest.mark.parametrize("kind", ["fifo", "zero", "null", "folder", "huge"])
def test_credentials_token_and_session_files_are_checked_without_hanging(
    tmp_path: Path, victim: Path, kind: str
) -> None:
    (tmp_path / "bots.yaml").write_text(ONE_BOT)
    plant(tmp_path / "key.json", kind, victim)
    plant(tmp_path / "sessions" / "main-office.db", kind, victim)
    proc = run("doctor", "--json", env={"LINDA_GOOGLE_CREDENTIALS": "key.json"})
    assert proc.returncode == 1, proc.stderr
    checks = checks_of(proc)
    reason = REASONS[kind] if kind != "huge" else "is larger than 64 KiB"
    assert reason in one_line_detail(checks["Google credentials"])
    paired = one_line_detail(checks["paired bots"])
    # Damaged, not "not paired": pairing over it would throw it away.
    assert "main-office: session file damaged (" in paired and "not paired" not in paired


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_stored_token_that_is_not_a_file_is_one_line(
    tmp_path: Path, victim: Path, kind: str
) -> None:
    (tmp_path / "bots.yaml").write_text(ONE_BOT)
    (tmp_path / "client.json").write_text(json.dumps(OAUTH_CLIENT))
    plant(tmp_path / "token.json", kind, victim)
    env = {"LINDA_GOOGLE_CREDENTIALS": "client.json", "LINDA_GOOGLE_TOKEN": "token.json"}
    checks = checks_of(run("doctor", "--json", env=env))
    assert REASONS[kind] in one_line_detail(checks["Google credentials"])


# --- the store ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "zero", "null", "folder", "huge", "garbage", "link"])
def test_a_store_that_is_not_a_linda_store_stops_the_command_in_one_line(
    tmp_path: Path, victim: Path, kind: str
) -> None:
    data = tmp_path / "data"
    plant(data / "linda.db", kind, victim)
    line = one_line_error(demo(data, "status", "--wait", "1"), 1, 2)
    if kind in ("huge", "garbage"):
        assert "is not a SQLite database — move it aside" in line
    else:
        assert REASONS[kind] in line
    assert not (data / "sim-sessions" / "demo-main.json").is_symlink()


@pytest.mark.parametrize("side", ["-wal", "-shm", "-journal"])
def test_links_planted_beside_the_store_are_refused(
    tmp_path: Path, victim: Path, side: str
) -> None:
    data = tmp_path / "data"
    assert demo(data, "status", "--wait", "1", "--exit-zero").returncode == 0  # a real store
    plant(data / f"linda.db{side}", "link", victim)
    line = one_line_error(demo(data, "status", "--wait", "1"), 1)
    assert f"linda.db{side}: the store's {side} file is a symbolic link" in line


def damage_a_page(path: Path) -> None:
    """Random bytes over one page in the middle of a real SQLite file."""
    size = path.stat().st_size
    page = sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0]
    middle = (size // page // 2) * page
    with open(path, "r+b") as handle:
        handle.seek(middle)
        handle.write(random.Random(3).randbytes(page))


def fill_store(path: Path, contacts: int) -> None:
    from linda_tui.models import Contact
    from linda_tui.store import SQLiteStore

    async def fill() -> None:
        async with SQLiteStore(path) as store:
            await store.upsert_contacts(
                [
                    Contact(resource_name=f"people/c{n}", names=[f"Contact {n}"], phones=[])
                    for n in range(contacts)
                ]
            )

    asyncio.run(fill())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_damaged_store_fails_doctor_and_takes_no_new_writes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert demo(data, "status", "--wait", "1", "--exit-zero").returncode == 0
    store = data / "linda.db"
    fill_store(store, 3000)
    assert not (data / "linda.db-wal").exists()  # closed: everything is in the file
    damage_a_page(store)
    damaged = digest(store)

    checks = checks_of(demo(data, "doctor", "--json"))
    detail = one_line_detail(checks["store"])
    assert f"{store} is damaged (" in detail and "restore it from a backup" in detail
    assert "restore the store from a backup" in checks["store"]["fix"]

    line = one_line_error(demo(data, "send", "--to", "+971501234567", "hello"), 1)
    assert "is damaged" in line and "restore it from a backup" in line
    assert digest(store) == damaged  # nothing written into it
    assert not (data / "simulated-network.jsonl").exists()  # and nothing sent


def test_doctor_says_the_integrity_check_passed_on_a_sound_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert demo(data, "status", "--wait", "1", "--exit-zero").returncode == 0
    checks = checks_of(demo(data, "doctor", "--json"))
    assert checks["store"]["outcome"] == "pass"
    assert checks["store"]["detail"].endswith(
        f"schema version {CURRENT_VERSION}, integrity check passed"
    )


# --- demo sessions -----------------------------------------------------------------------


def demo_rows(data: Path) -> dict[str, dict[str, str]]:
    proc = demo(data, "status", "--json", "--wait", "5")
    assert "Traceback" not in proc.stdout + proc.stderr
    return {row["id"]: row for row in json.loads(proc.stdout)}


@pytest.mark.parametrize(
    "kinds", [("fifo", "zero", "null"), ("folder", "huge", "garbage"), ("link", "garbage", "fifo")]
)
def test_a_damaged_demo_session_is_reported_as_damaged(
    tmp_path: Path, victim: Path, kinds: tuple[str, str, str]
) -> None:
    data = tmp_path / "data"
    assert demo(data, "status", "--wait", "1", "--exit-zero").returncode == 0
    bots = ("demo-main", "demo-sales", "demo-support")  # one hostile session each
    for bot, kind in zip(bots, kinds, strict=True):
        session = data / "sim-sessions" / f"{bot}.json"
        session.unlink(missing_ok=True)
        plant(session, kind, victim)
    rows = demo_rows(data)
    for bot in bots:
        detail = rows[bot]["detail"]
        assert rows[bot]["state"] == "error", rows[bot]
        assert detail.startswith("session file damaged (") and "\n" not in detail
        session = data / "sim-sessions" / f"{bot}.json"
        assert f"restore {session} from a backup, or move it aside" in detail
    checks = checks_of(demo(data, "doctor", "--json"))
    paired = one_line_detail(checks["paired bots"])
    assert all(f"{bot}: session file damaged" in paired for bot in bots)
    line = one_line_error(demo(data, "pair", "demo-sales"), 1)
    assert "session file damaged" in line  # never paired over


def test_links_planted_at_the_demo_session_temporaries_are_not_followed(
    tmp_path: Path, victim: Path
) -> None:
    data = tmp_path / "data"
    for bot in ("demo-main", "demo-support"):  # written when the demo is first used
        plant(data / "sim-sessions" / f".{bot}.json.tmp", "link", victim)
    rows = demo_rows(data)
    assert rows["demo-main"]["state"] == "online"
    assert not any(p.is_symlink() for p in (data / "sim-sessions").iterdir())


# --- Linda's own private files -----------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "what", "code"),
    [
        ("sessions/.linda.lock", "the lock file", 2),
        ("logs/linda.log", "the log file", 2),
        ("sim-network-state.json", "the demo network state", 2),
        ("simulated-network.jsonl", "the demo message log", 2),
    ],
)
@pytest.mark.parametrize("kind", ["link", "fifo", "null"])
def test_private_files_are_never_used_through_a_link_or_as_anything_but_a_file(
    tmp_path: Path, victim: Path, where: str, what: str, code: int, kind: str
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    plant(data / where, kind, victim)
    line = one_line_error(demo(data, "status", "--wait", "1"), code)
    assert line.startswith(f"{data / where}: ") and REASONS[kind] in line
    assert what in line or "log file" in line


@pytest.mark.parametrize("kind", ["null", "full", "fifo"])
def test_a_log_file_setting_that_is_not_a_file_is_a_config_error(
    tmp_path: Path, kind: str, victim: Path
) -> None:
    (tmp_path / "bots.yaml").write_text(ONE_BOT)
    plant(tmp_path / "log", kind, victim)
    line = one_line_error(run("config", "check", env={"LINDA_LOG_FILE": "log"}), 2)
    assert line == (
        f"{tmp_path / 'log'}: the log file is {'a FIFO (named pipe)' if kind == 'fifo' else 'a character device'}, "
        "not a regular file — point LINDA_LOG_FILE at a regular file of your own, e.g. "
        "logs/linda.log"
    )
    if kind != "fifo":
        assert stat.S_IMODE(os.stat(tmp_path / "log").st_mode) == 0o666  # never chmod-ed


def test_a_data_folder_others_can_write_to_is_refused_with_the_fix(tmp_path: Path) -> None:
    data = tmp_path / "shared"
    data.mkdir()
    data.chmod(0o777)
    line = one_line_error(demo(data, "status"), 2)
    assert line == (
        f"{data}: the data folder is writable by other users (mode 0777), who could plant "
        f"links in it — chmod 700 {data}, or point --data-dir at a folder only you can write to"
    )
    assert os.listdir(data) == []  # nothing written before the refusal


@ROOT_ONLY
def test_a_sessions_folder_that_is_a_link_made_by_another_user_is_refused(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o755)
    (data / "sessions").symlink_to(elsewhere)
    os.lchown(data / "sessions", NOBODY, NOBODY)
    line = one_line_error(demo(data, "status"), 2)
    assert "the sessions folder is a symbolic link made by another user" in line
    assert os.listdir(elsewhere) == [] and stat.S_IMODE(elsewhere.stat().st_mode) == 0o755


@ROOT_ONLY
def test_a_data_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "theirs"
    data.mkdir(mode=0o755)
    os.chown(data, NOBODY, NOBODY)
    line = one_line_error(demo(data, "status"), 2)
    assert f"the data folder belongs to another user (uid {NOBODY}" in line


def test_a_data_folder_readable_by_others_is_used_and_left_as_it_is(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    assert demo(data, "status", "--wait", "1", "--exit-zero").returncode == 0
    assert stat.S_IMODE(data.stat().st_mode) == 0o755  # the operator's folder
    assert stat.S_IMODE((data / "sessions").stat().st_mode) == 0o700  # secrets: made private


def test_under_a_permissive_umask_every_folder_is_0700_and_every_file_0600(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    assert demo(data, "status", "--wait", "1", "--exit-zero", umask=0).returncode == 0
    proc = demo(data, "send", "--to", "+971501234567", "--bot", "demo-main", "hi", umask=0)
    assert proc.returncode == 0, proc.stderr
    folders = [data, *(p for p in data.rglob("*") if p.is_dir())]
    files = [p for p in data.rglob("*") if not p.is_dir()]
    assert {p.relative_to(data).as_posix() for p in folders} >= {
        ".",
        "sessions",
        "logs",
        "sim-sessions",
    }
    assert {p.name for p in files} >= {
        "linda.db",
        "linda.log",
        ".linda.lock",
        "sim-network-state.json",
        "simulated-network.jsonl",
        "demo-main.json",
    }
    assert {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in folders} == {
        str(p): "0o700" for p in folders
    }
    assert {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {
        str(p): "0o600" for p in files
    }


# --- real (neonize) sessions -------------------------------------------------------------


def write_neonize_session(path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    try:
        from whatsapp.conftest import write_paired_session
    finally:
        sys.path.pop(0)
    write_paired_session(path)


@pytest.mark.parametrize("kind", ["damaged-page", "garbage", "link"])
def test_a_damaged_neonize_session_is_damaged_in_doctor_and_status(
    tmp_path: Path, victim: Path, kind: str
) -> None:
    (tmp_path / "bots.yaml").write_text(ONE_BOT)
    session = tmp_path / "sessions" / "main-office.db"
    if kind == "damaged-page":
        write_neonize_session(session)
        damage_a_page(session)
    else:
        plant(session, kind, victim)
    before = os.lstat(session)
    checks = checks_of(run("doctor", "--json"))
    paired = one_line_detail(checks["paired bots"])
    assert "main-office: session file damaged (" in paired and "not paired" not in paired

    proc = run("status", "--json", "--wait", "5")
    assert "Traceback" not in proc.stdout + proc.stderr
    [row] = json.loads(proc.stdout)
    assert row["state"] == "error" and row["detail"].startswith("session file damaged (")
    after = os.lstat(session)
    assert (after.st_mode, after.st_size, after.st_mtime_ns) == (
        before.st_mode,
        before.st_size,
        before.st_mtime_ns,
    )


def test_a_fresh_clone_passes_the_sessions_check_and_skips_google(tmp_path: Path) -> None:
    (tmp_path / "bots.yaml").write_text(ONE_BOT)
    (tmp_path / "sessions").mkdir(mode=0o755)
    (tmp_path / "sessions").chmod(0o755)  # as git checks it out
    (tmp_path / "sessions" / ".gitkeep").touch()
    (tmp_path / "sessions" / ".gitkeep").chmod(0o644)
    checks = checks_of(run("doctor", "--json"))
    assert checks["sessions folder"]["outcome"] == "pass", checks["sessions folder"]
    assert checks["Google credentials"]["outcome"] == "skip"
    assert checks["Google credentials"]["detail"].startswith("not configured")
    assert checks["log file"]["outcome"] == "pass" and checks["store"]["outcome"] == "pass"

    # A session file (or a copy of one) that others can read does fail it.
    write_neonize_session(tmp_path / "sessions" / "main-office.db")
    (tmp_path / "sessions" / "main-office.db").chmod(0o644)
    (tmp_path / "sessions" / "backup.sqlite").write_bytes(
        (tmp_path / "sessions" / "main-office.db").read_bytes()
    )
    check = checks_of(run("doctor", "--json"))["sessions folder"]
    assert check["outcome"] == "fail"
    assert "session files readable by others: backup.sqlite, main-office.db" in check["detail"]
    assert "chmod 700" in check["fix"] and "chmod 600" in check["fix"]


def test_doctor_shows_control_characters_in_paths_instead_of_playing_them(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data\x1b]52;c;aGk=\x07\x1b[2J"
    proc = demo(data, "doctor")
    assert "\x1b" not in proc.stdout + proc.stderr and "\x07" not in proc.stdout
    assert "data\\x1b]52;c;aGk=\\x07\\x1b[2J" in proc.stdout
