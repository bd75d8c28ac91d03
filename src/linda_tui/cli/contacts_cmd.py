"""Google Contacts from the command line: `linda sync`, `linda contacts search|get`,
`linda google login`.

`linda sync` goes through the Linda that runs the fleet when one does (its scheduler
lives there, and a lease in the store keeps two syncs from running at once anyway).
`contacts search` and `contacts get` only read the store, so they work beside a console.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from linda_tui.cli.context import linda_command, pass_runtime, with_global_options
from linda_tui.cli.errors import EXIT_INTERRUPTED, CommandError, UsageError, echo, one_line
from linda_tui.cli.questions import ask
from linda_tui.config import Runtime
from linda_tui.plain_text import count_of

if TYPE_CHECKING:
    from linda_tui.contacts.sync import SyncProgress, SyncResult
    from linda_tui.store.base import Store

T = TypeVar("T")


def _run(coro: Awaitable[T]) -> T:
    try:
        return asyncio.run(coro)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        raise CommandError("interrupted", exit_code=EXIT_INTERRUPTED) from None


async def _with_store(runtime: Runtime, work: Callable[[Store], Awaitable[T]]) -> T:
    from linda_tui.store import open_store
    from linda_tui.store.base import StoreError
    from linda_tui.store.urls import hide_url_secrets

    runtime.prepare_folders()
    store = open_store(runtime.store_url)
    try:
        await store.open()
    except StoreError as exc:
        raise CommandError(hide_url_secrets(str(exc), runtime.store_url)) from None
    try:
        return await work(store)
    finally:
        await store.close()


class _SyncProgressLine:
    """One line on a terminal that follows the sync; nothing when stderr is not one."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.shown = False

    def __call__(self, progress: SyncProgress) -> None:
        if not self.tty:
            return
        total = f"/{progress.total:,}" if progress.total else ""
        line = (
            f"\r{progress.mode} sync: {progress.phase} · page {progress.pages} · "
            f"{progress.fetched:,}{total} fetched · +{progress.created:,} ~{progress.updated:,} "
            f"-{progress.deleted:,} · {progress.elapsed:.0f} s"
        )
        click.echo(one_line(line.lstrip("\r")).join(("\r", "\x1b[K")), nl=False, err=True)
        self.shown = True

    def end(self) -> None:
        if self.shown:
            click.echo("", err=True)


@click.command("sync")
@click.option("--full", is_flag=True, help="List every contact again (else only changes).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_runtime
def sync_cmd(runtime: Runtime, full: bool, as_json: bool) -> None:
    """Sync the store with Google Contacts once and print the counts."""
    from linda_tui.contacts.sync import SyncError

    progress = _SyncProgressLine()
    try:
        result = _run(_sync(runtime, full, progress))
    except SyncError as exc:
        raise CommandError(one_line(str(exc))) from None
    finally:
        progress.end()  # an error starts on a line of its own
    if as_json:
        echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=True))
        return
    echo(
        f"{result.mode} sync: {result.fetched:,} fetched, {result.created:,} created, "
        f"{result.updated:,} updated, {result.deleted:,} deleted — "
        f"{result.contacts:,} contacts searchable ({result.elapsed:.1f} s)"
    )
    if result.full_reason:
        echo(f"  full sync because {one_line(result.full_reason)}")
    for warning in result.warnings:
        echo(f"  warning: {one_line(warning)}", err=True)


async def _sync(
    runtime: Runtime, full: bool, progress: Callable[[SyncProgress], None]
) -> SyncResult:
    from linda_tui.contacts.service import ContactsSyncProgress
    from linda_tui.contacts.sync import SyncError
    from linda_tui.host.client import HostGoneError
    from linda_tui.host.protocol import ProtocolError
    from linda_tui.host.remote import RemoteServices

    try:
        remote = await RemoteServices.attach(runtime.sessions_dir)
    except (ProtocolError, HostGoneError, OSError, TimeoutError) as exc:
        raise CommandError(f"cannot use the running Linda: {one_line(str(exc))}") from None
    if remote is not None:
        async with remote:

            def on_event(event: object) -> None:
                if isinstance(event, ContactsSyncProgress):
                    progress(event.progress)

            remote.subscribe(on_event)
            from linda_tui.cli.fleet_cmds import until_host_stops

            here = linda_command("sync", *(["--full"] if full else []))
            try:
                return await until_host_stops(  # type: ignore[no-any-return]
                    remote, remote.contacts.run_now(full=full), f"run `{here}` to sync here"
                )
            except Exception as exc:
                from linda_tui.fleet.view import FleetCommandError

                if isinstance(exc, FleetCommandError):
                    raise SyncError(str(exc)) from None
                raise
    return await _with_store(runtime, lambda store: _sync_here(runtime, store, full, progress))


async def _sync_here(
    runtime: Runtime, store: Store, full: bool, progress: Callable[[SyncProgress], None]
) -> SyncResult:
    from linda_tui.contacts.sync import SyncError, sync_contacts

    settings = runtime.settings
    fake = None
    if runtime.demo:
        from linda_tui.contacts.demo import start_demo_people_api

        fake, settings = await asyncio.to_thread(start_demo_people_api, settings, runtime.data_dir)
        runtime = dataclasses.replace(runtime, settings=settings)
    elif settings.google_credentials is None and settings.google_token is None:
        raise SyncError(
            "Google Contacts is not configured — set LINDA_GOOGLE_CREDENTIALS to a "
            "service-account key (and LINDA_GOOGLE_SUBJECT), or sign in with "
            "`linda google login` (see README)"
        )
    try:
        return await sync_contacts(runtime, store, full=full, on_progress=progress)
    finally:
        if fake is not None:
            await asyncio.to_thread(fake.stop)


# --- linda google login ---------------------------------------------------------------------


@click.group("google")
def google() -> None:
    """Google account set-up for the contacts sync."""


@google.command("login")
@click.option(
    "--token",
    "token_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to store the token [default: LINDA_GOOGLE_TOKEN].",
)
@pass_runtime
def login_cmd(runtime: Runtime, token_path: Path | None) -> None:
    """Sign a Google (Gmail) account in over SSH: open the printed address in any
    browser, consent, then paste the code or the whole address the browser could not
    open."""
    from linda_tui.contacts.errors import PeopleApiError
    from linda_tui.contacts.google_login import TOKEN_ELSEWHERE, start_login
    from linda_tui.private_files import UnsafePathError, check_replaceable
    from linda_tui.terminal_text import visible

    settings = runtime.settings
    if settings.google_credentials is None:
        raise UsageError(
            "no OAuth client — set LINDA_GOOGLE_CREDENTIALS to the client JSON "
            "(Google Cloud console › Credentials › OAuth client ID › Desktop app)"
        )
    target = token_path or settings.google_token
    if target is None:
        raise UsageError(
            "where should the token go? set LINDA_GOOGLE_TOKEN (e.g. ./google-token.json) "
            "or pass --token PATH"
        )
    try:
        check_replaceable(target, "token file", TOKEN_ELSEWHERE)  # before the sign-in, not after
        _check_writable_folder(Path(target))
    except UnsafePathError as exc:
        raise CommandError(str(exc)) from None
    try:
        login = start_login(Path(settings.google_credentials))
    except PeopleApiError as exc:
        raise CommandError(one_line(str(exc))) from None
    echo("Open this address in a browser (any machine), sign in and allow access:\n")
    echo(f"  {login.url}\n")
    echo(
        "The browser then fails to open a localhost address: copy that whole address "
        "(or just the code in it) and paste it here."
    )
    try:
        pasted = ask("Address or code")
    except KeyboardInterrupt:
        raise CommandError("interrupted — nothing was stored", exit_code=EXIT_INTERRUPTED) from None
    if pasted is None:
        raise CommandError(
            "no address or code was given — paste the address the browser showed after signing in"
        )
    try:
        written = login.finish(pasted, Path(target))
    except PeopleApiError as exc:
        raise CommandError(one_line(str(exc))) from None
    where = visible(str(written.path))
    if written.replaced:
        done = f"signed in; the token replaced the older one in {where} (0600)"
    else:
        done = f"signed in; the token is in {where} (0600)"
    echo(with_global_options(f"{done} — `linda sync` uses it"))


# --- linda contacts search | get ---------------------------------------------------------


@click.group("contacts")
def contacts() -> None:
    """Find contacts in the store (kept in sync with Google Contacts)."""


@contacts.command("search")
@click.argument("query")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@pass_runtime
def search_cmd(runtime: Runtime, query: str, limit: int, as_json: bool) -> None:
    """Contacts matching QUERY, best first: any part of a name (accents, Arabic spellings
    and a typo forgiven), a number in any form or its last digits, an email, label:NAME."""
    from linda_tui.contacts.search import MIN_DIGITS, too_few_digits

    if not query.strip() or query.strip().lower() == "label:":
        what = "label: names no label" if query.strip() else "the search is empty"
        raise UsageError(
            f"{what} — give part of a name, a number (its last digits will do), "
            "an email or label:NAME"
        )
    rows = _run(_with_store(runtime, lambda store: _search(runtime, store, query, limit)))
    if as_json:
        echo(json.dumps(rows, indent=2, ensure_ascii=True))
        return
    if not rows:
        why = f" — type at least {MIN_DIGITS} digits of a number" if too_few_digits(query) else ""
        echo(f"no contact matches '{one_line(query)}'{why}")
        return
    for row in rows:
        _print_contact(row)


@contacts.command("get")
@click.argument("phone")
@click.option("--json", "as_json", is_flag=True, help="Print it as JSON.")
@pass_runtime
def get_cmd(runtime: Runtime, phone: str, as_json: bool) -> None:
    """The contact that has PHONE (any format); exit 1 when nobody has it."""
    from linda_tui.phones import InvalidPhoneError, to_e164

    try:
        number = to_e164(phone, runtime.fleet.default_region)
    except InvalidPhoneError as exc:
        raise UsageError(str(exc)) from None
    row = _run(_with_store(runtime, lambda store: _get(runtime, store, number)))
    if row is None:
        raise CommandError(f"no contact has {number} — `linda sync` brings Google's in")
    if as_json:
        echo(json.dumps(row, indent=2, ensure_ascii=True))
        return
    _print_contact(row)
    if row["others_with_number"]:
        others = count_of(row["others_with_number"], "more contact")
        echo(
            f"({others} {'has' if row['others_with_number'] == 1 else 'have'} this number — "
            f"`{linda_command('contacts', 'search', number)}` lists them)"
        )


def _check_writable_folder(target: Path) -> None:
    """Make sure the token can be written where it goes, before the sign-in (a folder
    that cannot take it was found only once the code was used up): its folder made if
    missing, as writing the token would, and a file tried in it."""
    import tempfile

    from linda_tui.contacts.google_login import TOKEN_ELSEWHERE
    from linda_tui.private_files import UnsafePathError, ensure_folder

    try:
        folder = ensure_folder(target.parent, "token file's folder")
    except UnsafePathError:
        raise
    except OSError as exc:
        raise UnsafePathError(
            target.parent,
            f"cannot make the token file's folder ({exc.strerror or exc})",
            TOKEN_ELSEWHERE,
        ) from None
    try:
        handle, probe = tempfile.mkstemp(prefix=".linda-probe-", dir=folder)
    except OSError as exc:
        raise UnsafePathError(
            folder,
            f"cannot write the token file here ({exc.strerror or exc})",
            TOKEN_ELSEWHERE,
        ) from None
    os.close(handle)
    os.unlink(probe)


async def _searcher(runtime: Runtime, store: Store) -> tuple[Any, Any]:
    """(search, close): the host's index when a Linda runs, else one built here."""
    from linda_tui.host.client import HostGoneError
    from linda_tui.host.protocol import ProtocolError
    from linda_tui.host.remote import RemoteServices

    try:
        remote = await RemoteServices.attach(runtime.sessions_dir)
    except (ProtocolError, HostGoneError, OSError, TimeoutError):
        remote = None
    if remote is not None:
        return remote, remote.close
    from linda_tui.contacts.directory import ContactDirectory

    directory = ContactDirectory(store, runtime.fleet.default_region)
    await directory.wait_ready()

    class _Local:
        async def search_hits(self, query: str, limit: int = 50) -> list[Any]:
            return await directory.search(query, limit=limit)

    async def close() -> None:
        await directory.close()

    return _Local(), close


async def _search(runtime: Runtime, store: Store, query: str, limit: int) -> list[dict[str, Any]]:
    searcher, close = await _searcher(runtime, store)
    try:
        hits = await searcher.search_hits(query, limit=limit)
    finally:
        await close()
    return [await _contact_json(store, hit.contact, hit.kind.reason) for hit in hits]


async def _get(runtime: Runtime, store: Store, number: str) -> dict[str, Any] | None:
    found = await store.find_contacts_by_phone(number)
    if not found:
        return None
    # The first found, as before; the others who share the number are counted, never
    # left unsaid (a family's landline, an office's switchboard).
    return {**await _contact_json(store, found[0], "number"), "others_with_number": len(found) - 1}


async def _contact_json(store: Store, contact: Any, matched: str | None) -> dict[str, Any]:
    """A contact as `--json` prints it: its numbers, emails, labels, and the bot that
    owns it with the reference's sync status."""
    ref = None
    for phone in contact.phones:
        ref = await store.owner_of(phone)
        if ref is not None:
            break
    return {
        "resource_name": contact.resource_name,
        "name": contact.display_name,
        "phones": list(contact.phones),
        "raw_phones": list(contact.raw_phones),
        "emails": list(contact.emails),
        "labels": list(contact.labels),
        "owner_bot": ref.bot_id if ref is not None else None,
        "sync_status": str(ref.sync_status) if ref is not None else None,
        "matched": matched,
    }


def _print_contact(row: dict[str, Any]) -> None:
    numbers = ", ".join(row["phones"] + [f"{raw} (as written)" for raw in row["raw_phones"]])
    extra = []
    if row["emails"]:
        extra.append(", ".join(row["emails"]))
    if row["labels"]:
        extra.append("labels: " + ", ".join(row["labels"]))
    if row["owner_bot"]:
        extra.append(f"bot {row['owner_bot']} ({row['sync_status']})")
    tail = f"  [{'; '.join(extra)}]" if extra else ""
    echo(f"{one_line(row['name'] or '(no name)')} — {one_line(numbers) or 'no number'}{tail}")


COMMANDS: list[click.Command] = [sync_cmd, contacts, google]
