"""`linda doctor`: check the whole setup and say how to fix each thing that fails.

The original system's verification script, done properly: configuration, the
sessions folder's permissions, which bots are paired, the store and its schema,
Google credentials, and whether WhatsApp's servers can be reached at all.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum

from linda_tui.config import ConfigError, Runtime


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


def check_sessions_folder(runtime: Runtime) -> Check:
    name = "sessions folder"
    folder = runtime.sessions_dir
    if not folder.exists():
        return _fail(
            name,
            f"{folder} does not exist",
            "run `linda status` once (it creates it 0700), or mkdir -m 700 it",
        )
    info = folder.stat()
    if not stat.S_ISDIR(info.st_mode):
        return _fail(
            name, f"{folder} is not a folder", "remove it or point LINDA_SESSIONS_DIR elsewhere"
        )
    problems: list[str] = []
    fixes: list[str] = []
    if info.st_mode & 0o077:
        problems.append(f"{folder} is mode {stat.S_IMODE(info.st_mode):04o}")
        fixes.append(f"chmod 700 {folder}")
    if info.st_uid != os.geteuid():
        problems.append(f"{folder} belongs to uid {info.st_uid}, not you ({os.geteuid()})")
        fixes.append(f"chown -R {os.geteuid()} {folder}")
    loose = [p.name for p in sorted(folder.iterdir()) if p.is_file() and p.stat().st_mode & 0o077]
    if loose:
        problems.append(f"session files readable by others: {', '.join(loose)}")
        fixes.append(f"chmod 600 {folder}/*")
    if problems:
        return _fail(
            name,
            "; ".join(problems) + " (a session file is as good as the account)",
            "; ".join(fixes),
        )
    return _pass(name, f"{folder} is owner-only (0700, files 0600)")


def check_pairing(runtime: Runtime, paired: dict[str, bool]) -> Check:
    name = "paired bots"
    missing = [bot for bot, ok in paired.items() if not ok]
    if missing:
        return _fail(
            name,
            f"{len(paired) - len(missing)}/{len(paired)} paired; not paired: {', '.join(missing)}",
            " ; ".join(f"linda pair {b}" for b in missing),
        )
    return _pass(name, f"all {len(paired)} enabled bots have a session")


async def check_store(runtime: Runtime) -> Check:
    from linda_tui.store import open_store
    from linda_tui.store.base import StoreError

    name = "store"
    where = runtime.store_url if runtime.store_is_mongodb else str(runtime.sqlite_path)
    if runtime.store_is_mongodb:
        where = where.split("@")[-1]  # never print credentials
    if runtime.sqlite_path is not None and not runtime.sqlite_path.exists():
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
        return _fail(
            name, " ".join(str(exc).split()), "see the message; LINDA_STORE_URL chooses the store"
        )
    except (TimeoutError, OSError) as exc:
        return _fail(
            name,
            f"{where}: {exc or 'timed out'}",
            "check LINDA_STORE_URL and that the database is up",
        )
    return _pass(name, f"{where} reachable, schema version {version}")


def check_google(runtime: Runtime) -> Check:
    """The Google credentials load, with what the sync itself would say if they do not.

    The same reader as the sync (a regular file, at most 64 KiB: a FIFO or a device is
    refused at once instead of hanging). Nothing is sent to Google.
    """
    name = "Google credentials"
    settings = runtime.settings
    if runtime.demo:
        return Check(name, Outcome.SKIP, "not needed for the demo")
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


def check_log_file(runtime: Runtime) -> Check:
    name = "log file"
    path = runtime.log_file
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        return _fail(name, f"{path}: {exc.strerror}", "set LINDA_LOG_FILE to a writable path")
    return _pass(name, f"{path} writable")


async def run_checks(
    load: Callable[[], Runtime], paired: Callable[[Runtime], dict[str, bool]]
) -> list[Check]:
    """Every check, in order. ``load`` resolves the configuration; ``paired`` says which
    enabled bots have a session."""
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
