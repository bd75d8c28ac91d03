"""`linda doctor`: check the whole setup and say how to fix each thing that fails.

The original system's verification script, done properly: configuration, the
sessions folder's permissions, which bots are paired, the store and its schema,
Google credentials, and whether WhatsApp's servers can be reached at all.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from linda_tui.config import ConfigError, Runtime
from linda_tui.private_files import file_problem, folder_problem
from linda_tui.sqlite_files import SQLITE_HEADER
from linda_tui.terminal_text import visible

CONTACTS_SCOPE = "https://www.googleapis.com/auth/contacts"
# Files in a sessions folder that hold a WhatsApp session (or a copy of one).
_SESSION_NAME = re.compile(r"\.db($|[-.~])")


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Check:
    name: str
    outcome: Outcome
    detail: str
    fix: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


@dataclass(frozen=True)
class SessionReport:
    """What a bot's session file says: paired or not, or why it cannot be used."""

    paired: bool
    damage: str | None = None


def _exists(path: Path) -> bool:
    """Whether anything (a link to nothing included) is at ``path``."""
    return os.path.lexists(path)


def _shown(path: Path | str) -> str:
    """A path as doctor prints it: control characters in its name made visible."""
    return visible(str(path))


def _pass(name: str, detail: str) -> Check:
    return Check(name, Outcome.PASS, detail)


def _fail(name: str, detail: str, fix: str) -> Check:
    return Check(name, Outcome.FAIL, detail, fix)


def check_configuration(load: Callable[[], Runtime]) -> tuple[Check, Runtime | None]:
    try:
        runtime = load()
    except ConfigError as exc:
        problems = exc.problems
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        return _fail(
            "configuration",
            f"{problems[0]}{more}",
            "fix bots.yaml / .env as the line says; `linda config check` lists every problem",
        ), None
    fleet = runtime.fleet
    source = "built-in demo fleet" if runtime.demo else str(runtime.config_path)
    primary = fleet.primary.id if fleet.primary else "none"
    return _pass(
        "configuration",
        f"{len(fleet.enabled_bots)} enabled bots, primary {primary} ({source})",
    ), runtime


def _sqlite_header(path: Path) -> bool:
    """Whether a regular file starts like a SQLite database (never waits on a FIFO)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode) and os.read(fd, 16) == SQLITE_HEADER
    except OSError:
        return False
    finally:
        os.close(fd)


def check_sessions_folder(runtime: Runtime) -> Check:
    """The sessions folder (and, under --demo, the simulated network's): yours, writable
    by nobody else, 0700 once it holds sessions, and no session file (or copy of one)
    that others can read. Files that hold no session (``.gitkeep``, the lock) are not
    its business."""
    name = "sessions folder"
    setting = "--data-dir" if runtime.demo else "LINDA_SESSIONS_DIR"
    folders = [(runtime.sessions_dir, _SESSION_NAME)]
    if runtime.demo:
        from linda_tui.whatsapp.simulated import SESSIONS_DIR

        folders.append((runtime.data_dir / SESSIONS_DIR, re.compile(r"\.json$")))
    problems: list[str] = []
    fixes: list[str] = []
    notes: list[str] = []
    for folder, session_name in folders:
        shown = _shown(folder)
        if not os.path.lexists(folder):
            notes.append(f"{shown} not created yet (the first `linda` run creates it 0700)")
            continue
        problem = folder_problem(folder, name, setting)
        if problem is not None:
            problems.append(f"{shown}: {problem.problem}")
            fixes.append(problem.fix)
            continue
        sessions, exposed = _session_files(folder, session_name)
        mode = stat.S_IMODE(os.stat(folder).st_mode)
        if sessions and mode & 0o077:
            problems.append(f"{shown} is mode {mode:04o}")
            fixes.append(f"chmod 700 {shown}")
        if exposed:
            problems.append(f"session files readable by others: {', '.join(exposed)}")
            fixes.append(f"chmod 600 {' '.join(f'{shown}/{e}' for e in exposed)}")
        if problems:
            continue
        if not sessions and mode & 0o077:
            notes.append(
                f"{shown} holds no session yet (mode {mode:04o}; made 0700 at the next run)"
            )
        else:
            notes.append(f"{shown} is owner-only (0700, session files 0600)")
    if problems:
        return _fail(
            name,
            "; ".join(problems) + " (a session file is as good as the account)",
            "; ".join(fixes),
        )
    return _pass(name, "; ".join(notes))


def _session_files(folder: Path, session_name: re.Pattern[str]) -> tuple[list[str], list[str]]:
    """(names of the files in ``folder`` that hold a session or a copy of one, those of
    them that others can read)."""
    sessions: list[str] = []
    exposed: list[str] = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        info = entry.stat(follow_symlinks=False)
        regular = stat.S_ISREG(info.st_mode)
        if not session_name.search(entry.name) and not (
            regular and info.st_size > 0 and _sqlite_header(Path(entry.path))
        ):
            continue
        sessions.append(_shown(entry.name))
        if regular and info.st_mode & 0o077:
            exposed.append(_shown(entry.name))
    return sessions, exposed


def check_pairing(runtime: Runtime, sessions: dict[str, SessionReport]) -> Check:
    """Which enabled bots are paired; a damaged session is named as damaged, never as
    "not paired" (pairing over it would throw away what a backup could restore)."""
    name = "paired bots"
    damaged = {bot: report.damage for bot, report in sessions.items() if report.damage}
    missing = [bot for bot, report in sessions.items() if not report.paired and not report.damage]
    paired = len(sessions) - len(missing) - len(damaged)
    if damaged or missing:
        parts = [f"{paired}/{len(sessions)} paired"]
        parts += [f"{bot}: {damage}" for bot, damage in damaged.items()]
        if missing:
            parts.append(f"not paired: {', '.join(missing)}")
        fixes = [
            f"restore the damaged session of {bot} from a backup, or move it aside and "
            f"`linda pair {bot}`"
            for bot in damaged
        ]
        fixes += [f"`linda pair {bot}`" for bot in missing]
        return _fail(name, "; ".join(parts), " ; ".join(fixes))
    return _pass(name, f"all {len(sessions)} enabled bots have a session")


async def check_store(runtime: Runtime) -> Check:
    from linda_tui.store import open_store
    from linda_tui.store.base import StoreError

    name = "store"
    where = runtime.store_url if runtime.store_is_mongodb else str(runtime.sqlite_path)
    if runtime.store_is_mongodb:
        where = where.split("@")[-1]  # never print credentials
    if runtime.sqlite_path is not None and not _exists(runtime.sqlite_path):
        # A check must not create what it checks: the first real run creates the file.
        return _pass(name, f"{where} not created yet — the first `linda` run creates it")
    try:
        store = open_store(runtime.store_url)
        await asyncio.wait_for(store.open(), timeout=15)
        try:
            version = await store.schema_version()
        finally:
            await store.close()
    except StoreError as exc:
        text = " ".join(str(exc).split())
        fix = (
            "restore the store from a backup, or move it aside (with its -wal file) so that "
            "Linda starts a new one"
            if " is damaged " in text
            else "see the message; LINDA_STORE_URL chooses the store"
        )
        return _fail(name, visible(text), fix)
    except (TimeoutError, OSError) as exc:
        return _fail(
            name,
            f"{where}: {exc or 'timed out'}",
            "check LINDA_STORE_URL and that the database is up",
        )
    if runtime.store_is_mongodb:
        return _pass(name, f"{where} reachable, schema version {version}")
    # Opening a SQLite store runs SQLite's quick_check: it passed.
    return _pass(
        name, f"{_shown(where)} reachable, schema version {version}, integrity check passed"
    )


def check_google(runtime: Runtime) -> Check:
    """The Google credentials load, with what the sync itself would say if they do not.

    The same reader as the sync (a regular file, at most 64 KiB: a FIFO or a device is
    refused at once instead of hanging). Nothing is sent to Google.
    """
    name = "Google credentials"
    settings = runtime.settings
    if runtime.demo:
        return Check(name, Outcome.SKIP, "not needed for the demo")
    if settings.google_credentials is None and settings.google_token is None:
        return Check(
            name,
            Outcome.SKIP,
            "not configured, so contacts are not synced — to sync them, set "
            "LINDA_GOOGLE_CREDENTIALS to a service-account key (Workspace) or an OAuth "
            "client file (Gmail)",
        )
    # Imported here: the Google libraries take a while to import.
    from linda_tui.contacts.errors import PeopleApiError
    from linda_tui.contacts.people_api import load_credentials

    try:
        credentials = load_credentials(settings)
    except PeopleApiError as exc:
        detail, _, fix = exc.message.partition(" — ")
        return _fail(name, detail, fix or "see README.md (Settings)")
    email = getattr(credentials, "service_account_email", None)
    if email:
        return _pass(name, f"service account {email} acting for {settings.google_subject}")
    return _pass(name, f"OAuth token {settings.google_token}")


def check_log_file(runtime: Runtime) -> Check:
    """The log file: a regular file of yours that only you can read, in a folder nobody
    else can write to. Looked at, never opened: a check must not write through a link."""
    name = "log file"
    path = runtime.log_file
    shown = _shown(path)
    fix = (
        "point --data-dir at another folder"
        if runtime.demo
        else "point LINDA_LOG_FILE at a regular file of your own, e.g. logs/linda.log"
    )
    problem = file_problem(path, name)
    if problem is not None:
        return _fail(name, f"{shown}: {problem.problem}", fix)
    problem = folder_problem(path.parent, "log folder", "LINDA_LOG_FILE")
    if problem is not None:
        return _fail(name, f"{_shown(path.parent)}: {problem.problem}", fix)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return _pass(name, f"{shown} not created yet — the first `linda` run creates it 0600")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        return _fail(name, f"{shown} is readable by others (mode {mode:04o})", f"chmod 600 {shown}")
    if not os.access(path, os.W_OK):
        return _fail(name, f"{shown} is not writable", fix)
    return _pass(name, f"{shown} (0600, only you can read it)")


async def check_whatsapp_reachable(runtime: Runtime, timeout: float = 5.0) -> Check:
    name = "WhatsApp reachable"
    if runtime.demo:
        return _pass(name, "simulated network (demo)")
    # The same probe the accounts use, so HTTPS_PROXY is honoured as the Go side does.
    from linda_tui.whatsapp.neonize_account import dial_target, probe_whatsapp

    problem = await probe_whatsapp(timeout)
    host, port = dial_target()
    if problem:
        return _fail(
            name,
            problem,
            "this server needs outbound HTTPS to WhatsApp: check DNS, firewall and HTTPS_PROXY",
        )
    return _pass(name, f"{host}:{port} answers")


async def run_checks(
    load: Callable[[], Runtime], paired: Callable[[Runtime], dict[str, SessionReport]]
) -> list[Check]:
    """Every check, in order. ``load`` resolves the configuration; ``paired`` reads each
    enabled bot's session (paired, not paired, or damaged)."""
    config_check, runtime = check_configuration(load)
    checks = [config_check]
    if runtime is None:
        return checks
    checks.append(check_log_file(runtime))
    checks.append(check_sessions_folder(runtime))
    checks.append(check_pairing(runtime, paired(runtime)))
    checks.append(await check_store(runtime))
    checks.append(check_google(runtime))
    checks.append(await check_whatsapp_reachable(runtime))
    return checks
