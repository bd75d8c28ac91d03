"""`linda broadcast ...`: create, run, watch and steer campaigns from the command line.

``create``, ``list``, ``show`` and ``export`` only use the store, so they work beside a
running console; ``list`` and ``show`` ask only whether a Linda answers on the data
folder, for when none does nothing is being sent (see ``_no_linda_runs``). ``run``, ``pause``, ``resume``, ``cancel`` and ``resolve`` go through the
Linda that runs the fleet (the console, or `linda serve`) when one does, so `pause`
typed in a second terminal pauses the campaign the console is running; when none does,
``run`` brings the fleet up itself and the others change the store directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import re
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from linda_tui.cli.context import linda_command, pass_runtime, with_global_options
from linda_tui.cli.errors import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    CommandError,
    UsageError,
    echo,
    one_line,
)
from linda_tui.cli.questions import confirm
from linda_tui.config import Runtime
from linda_tui.models import (
    ALL_BOTS,
    BotChoice,
    Campaign,
    CampaignStatus,
    Recipient,
    RecipientStatus,
    UncertainAction,
)
from linda_tui.plain_text import count_of
from linda_tui.terminal_text import visible

if TYPE_CHECKING:
    from linda_tui.broadcast.events import CampaignProgress
    from linda_tui.store.base import Store

T = TypeVar("T")

# Counts every `show --json` carries, in this order.
COUNT_KEYS = (
    "pending",
    "sending",
    "sent",
    "delivered",
    "read",
    "replied",
    "failed",
    "skipped",
    "uncertain",
)
# A campaign's finished states: `run` ends when its campaign reaches one.
FINISHED = frozenset({CampaignStatus.DONE, CampaignStatus.CANCELLED})


@click.group("broadcast")
def broadcast() -> None:
    """Paced, resumable campaigns: one template, many recipients."""


# --- helpers ---------------------------------------------------------------------------


def _run(coro: Awaitable[T]) -> T:
    try:
        return asyncio.run(coro)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        raise CommandError("interrupted", exit_code=EXIT_INTERRUPTED) from None


async def _with_store(runtime: Runtime, work: Callable[[Store], Awaitable[T]]) -> T:
    """work(store) with the store opened for this command alone (it is safe beside a
    running Linda: SQLite's WAL and MongoDB both take more than one client)."""
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


def _campaign_id(value: str) -> int | str:
    text = value.strip()
    if not text:
        raise UsageError("give the campaign's id, as `linda broadcast list` shows it")
    return int(text) if text.isdigit() else text


async def _campaign(store: Store, campaign_id: int | str) -> Campaign:
    found = await store.get_campaign(campaign_id)
    if found is None:
        raise CommandError(
            f"no campaign {campaign_id} — `{linda_command('broadcast', 'list')}` shows them"
        )
    return found


def _counts(counts: dict[Any, int]) -> dict[str, int]:
    return {key: int(counts.get(key, counts.get(RecipientStatus(key), 0))) for key in COUNT_KEYS}


def _bots_choice(value: str, runtime: Runtime) -> BotChoice:
    text = value.strip()
    if text == ALL_BOTS:
        return ALL_BOTS
    chosen = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    enabled = {b.id for b in runtime.fleet.enabled_bots}
    unknown = [bot for bot in chosen if bot not in enabled]
    if unknown or not chosen:
        known = ", ".join(sorted(enabled)) or "none"
        raise UsageError(
            f"--bots names {', '.join(map(repr, unknown)) or 'no bot'}, not an enabled bot — "
            f"use ids from bots.yaml (enabled: {known}) or all"
        )
    return chosen


# How far ahead --start-at may be: a campaign is for this year, and a later date is
# most likely a typo (2062 for 2026). Beyond the year 9999 datetime cannot even count.
MAX_START_AHEAD = timedelta(days=366)


def _start_at(value: str | None, runtime: Runtime, now: datetime) -> datetime | None:
    """--start-at: "HH:MM" (the next such time), "YYYY-MM-DD HH:MM", or ISO-8601 with
    an offset; times without an offset are in the fleet's time zone. At most
    MAX_START_AHEAD from now; UsageError (one line) otherwise."""
    if value is None:
        return None
    text = value.strip()
    zone = runtime.timezone
    shown = f"'{value}'"  # the error's line escapes what it holds (echo, one_line)
    try:
        if len(text) <= 5 and ":" in text:
            hours, minutes = (int(part) for part in text.split(":"))
            local_now = now.astimezone(zone)
            moment = datetime.combine(local_now.date(), time(hours, minutes), zone)
            if moment <= local_now:
                moment += timedelta(days=1)
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
    except ValueError:
        raise UsageError(
            f"--start-at {shown} is not a time — write 21:30, 2026-12-01 09:00 or "
            "2026-12-01T09:00+04:00"
        ) from None
    try:
        ahead = moment.astimezone(UTC) - now.astimezone(UTC)
    except (ValueError, OverflowError):
        # Near the year 1 or 9999 a time cannot even be moved to UTC (OverflowError, or
        # "year 10000 is out of range"): found here, before the plan does arithmetic
        # with it. Either way it is far out of range.
        ahead = MAX_START_AHEAD * 2 if moment.year > 1 else -MAX_START_AHEAD
    if ahead < -timedelta(minutes=1):
        raise UsageError(f"--start-at {shown} is in the past — give a time to come")
    if ahead > MAX_START_AHEAD:
        raise UsageError(
            f"--start-at {shown} is more than {MAX_START_AHEAD.days} days away — "
            "give a time within a year (check the year)"
        )
    return moment


def _when(moment: datetime | None, runtime: Runtime) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(runtime.timezone).strftime("%Y-%m-%d %H:%M")


# --- create ------------------------------------------------------------------------------


@broadcast.command("create")
@click.option("--name", required=True, help="What to call the campaign.")
@click.option("--csv", "csv_file", type=click.Path(path_type=Path), help="A CSV of recipients.")
@click.option("--phone-column", help="The CSV column holding the numbers (found by its header).")
@click.option("--to", "numbers", multiple=True, metavar="PHONE", help="A recipient (repeatable).")
@click.option("--to-file", type=click.Path(path_type=Path), help="A file of numbers, one a line.")
@click.option("--query", help="Contacts matching a search (as `linda contacts search`).")
@click.option("--label", help="Contacts with this Google Contacts label.")
@click.option("--all-contacts", is_flag=True, help="Every synced contact.")
@click.option(
    "--template", "template", help="The message, with {name}, {column|fallback}, [[a|b]]."
)
@click.option("--template-file", type=click.Path(path_type=Path), help="The message, from a file.")
@click.option("--bots", default=ALL_BOTS, show_default=True, metavar="ID,ID|all")
@click.option(
    "--pace", default="standard", show_default=True, help="standard, or demo-fast (--demo)."
)
@click.option("--start-at", metavar="TIME", help="Not before this time (21:30, 2026-12-01 09:00).")
@click.option("--dry-run", is_flag=True, help="Show what would happen; save nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_runtime
def create_cmd(
    runtime: Runtime,
    name: str,
    csv_file: Path | None,
    phone_column: str | None,
    numbers: tuple[str, ...],
    to_file: Path | None,
    query: str | None,
    label: str | None,
    all_contacts: bool,
    template: str | None,
    template_file: Path | None,
    bots: str,
    pace: str,
    start_at: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Create a campaign (a draft: `linda broadcast run ID` starts it) and print its id."""
    from linda_tui.broadcast.audience import (
        AudienceError,
        audience_from_csv,
        audience_from_number_file,
        audience_from_numbers,
    )
    from linda_tui.broadcast.audience_contacts import contacts_audience
    from linda_tui.broadcast.input_file import InputFileError, read_input_text
    from linda_tui.broadcast.pacing import PacingError, pace_profile
    from linda_tui.broadcast.plan import PlanError, plan_broadcast, save_plan
    from linda_tui.broadcast.settings import broadcast_settings
    from linda_tui.broadcast.template import TemplateError
    from linda_tui.clock import SystemClock
    from linda_tui.fleet.actor import current_actor

    sources = [
        s for s in (csv_file, numbers or None, to_file, query, label, all_contacts or None) if s
    ]
    if len(sources) != 1:
        given = "no recipients" if not sources else "recipients from more than one source"
        raise UsageError(
            f"{given} given — choose one: --csv FILE, --to PHONE (repeatable), --to-file FILE, "
            "--query TEXT, --label NAME or --all-contacts"
        )
    if (template is None) == (template_file is None):
        raise UsageError("give the message once: --template TEXT or --template-file FILE")
    if phone_column is not None and csv_file is None:
        raise UsageError("--phone-column goes with --csv")
    region = runtime.fleet.default_region
    try:
        profile = pace_profile(pace, demo=runtime.demo)
        if template_file is not None:
            template = read_input_text(
                template_file,
                max_bytes=256 * 1024,
                what="a template file",
                too_large="a template is at most 256 KiB: shorten it",
            )
        if csv_file is not None:
            audience = audience_from_csv(csv_file, region=region, phone_column=phone_column)
        elif to_file is not None:
            audience = audience_from_number_file(to_file, region=region)
        elif numbers:
            audience = audience_from_numbers(numbers, region=region)
        else:
            audience = None  # contacts: read from the store below
    except (AudienceError, InputFileError, PacingError) as exc:
        raise UsageError(str(exc)) from None
    chosen = _bots_choice(bots, runtime)
    clock = SystemClock()
    now = clock.now()
    not_before = _start_at(start_at, runtime, now)
    assert template is not None
    # The same rules as the engine that will run it (bots.yaml's broadcasts: section).
    rules = broadcast_settings(runtime.fleet, runtime.timezone, demo=runtime.demo)

    async def work(store: Store) -> dict[str, Any]:
        cannot_send = await _bots_that_cannot_send(runtime)
        chosen_audience = audience
        if chosen_audience is None:
            try:
                chosen_audience = await contacts_audience(store, region, query=query, label=label)
            except AudienceError as exc:
                # The advice names commands (`linda sync`): with this run's options.
                raise UsageError(with_global_options(str(exc))) from None
        plan = await plan_broadcast(
            name=name,
            template=template,
            audience=chosen_audience,
            store=store,
            bots=chosen,
            pacing={b.id: runtime.fleet.pacing_for(b.id) for b in runtime.fleet.enabled_bots},
            now=now,
            profile=profile,  # demo-fast leaves quiet hours and the warm-up out
            quiet_hours=rules.quiet_hours,
            warm_up=rules.warm_up,  # from each bot's last pairing in the store
            start_at=not_before,
            unusable=cannot_send,
        )
        summary = plan.summary()
        if dry_run:
            return {"dry_run": True, **summary}
        campaign = await save_plan(store, plan, created_by=current_actor().os_user, now=now)
        return {
            "id": campaign.id,
            "recipients": plan.to_send,
            "skipped": summary["skipped"],
            **{k: v for k, v in summary.items() if k not in ("skipped",)},
        }

    try:
        result = _run(_with_store(runtime, work))
    except (TemplateError, PlanError) as exc:
        raise UsageError(str(exc)) from None
    if as_json:
        echo(json.dumps(result, indent=2, ensure_ascii=True, default=str))
        return
    _print_plan(result, runtime)


async def _bots_that_cannot_send(runtime: Runtime) -> dict[str, str]:
    """The enabled bots that cannot send now, with why: the running Linda's live view
    when there is one (a ban is known only to it), else the session files (a bot
    without a session is not paired; one whose session cannot be read is broken)."""
    from linda_tui.broadcast.plan import unusable_bots
    from linda_tui.cli.doctor_cmd import session_reports
    from linda_tui.host.client import HostGoneError
    from linda_tui.host.protocol import ProtocolError
    from linda_tui.host.remote import RemoteServices

    try:
        remote = await RemoteServices.attach(runtime.sessions_dir)
    except (ProtocolError, HostGoneError, OSError, TimeoutError):
        remote = None  # the plan is a forecast: the session files will do
    if remote is not None:
        async with remote:
            return unusable_bots(remote.fleet.statuses())
    return {
        bot: f"broken: {report.damage}" if report.damage else "not paired"
        for bot, report in session_reports(runtime).items()
        if not report.paired
    }


def _print_plan(result: dict[str, Any], runtime: Runtime) -> None:
    skipped = result.get("skipped") or {}
    left_out = ", ".join(f"{count:,} {reason}" for reason, count in skipped.items()) or "none"
    if result.get("dry_run"):
        echo(f"Dry run of {result['name']!r} — nothing saved")
    else:
        echo(f"Created campaign {result['id']}: {result['name']!r}")
    echo(f"  to send: {result['to_send']:,} (left out: {left_out})")
    plan = [f"{bot} {n:,}" for bot, n in result["per_bot"].items()]
    plan += [f"{bot} none ({one_line(why)})" for bot, why in (result.get("unusable") or {}).items()]
    echo(f"  plan: {', '.join(plan)} · pace {result['pace']}")
    first, held_by = result.get("first_send_at"), result.get("first_send_held_by")
    if first and held_by:  # quiet hours at night, a cap, the start time
        at = _when(datetime.fromisoformat(first), runtime)
        echo(f"  first message: {at} (held until then: {one_line(held_by)})")
    finish = result.get("finish_at")
    echo(f"  estimated finish: {_when(datetime.fromisoformat(finish), runtime) if finish else '-'}")
    for bad in result.get("invalid", [])[:10]:
        echo(f"  skipped {bad['where']}: {one_line(bad['reason'])}")
    for item in result.get("preview", []):
        echo(f"  → {item['phone']} ({item['bot'] or 'first bot able'}): {one_line(item['text'])}")
    if result.get("waiting"):
        echo(f"linda: warning: {one_line(result['waiting'])}", err=True)
    if not result.get("dry_run"):
        echo(f"Start it with: {linda_command('broadcast', 'run', str(result['id']))}")


# --- list, show, export ------------------------------------------------------------------


@broadcast.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@pass_runtime
def list_cmd(runtime: Runtime, as_json: bool) -> None:
    """Every campaign, newest first, with its counts."""

    async def work(store: Store) -> list[dict[str, Any]]:
        stopped = await _no_linda_runs(runtime)
        rows = []
        for campaign in await store.list_campaigns(limit=1000):
            counts = _counts(await store.count_recipients(campaign.id))  # type: ignore[arg-type]
            rows.append(_campaign_json(campaign, _as_stopped(counts) if stopped else counts))
            rows[-1]["running_now"] = not stopped and campaign.status is CampaignStatus.RUNNING
        return rows

    rows = _run(_with_store(runtime, work))
    if as_json:
        echo(json.dumps(rows, indent=2, ensure_ascii=True))
        return
    if not rows:
        echo(with_global_options("No campaigns yet — `linda broadcast create` makes one."))
        return
    for row in rows:
        c = row["counts"]
        done = sum(c[k] for k in ("sent", "delivered", "read", "replied"))
        total = sum(c.values())
        status = row["status"]
        if status == CampaignStatus.RUNNING and not row["running_now"]:
            status = "stopped"  # running when Linda stopped: it resumes at the next start
        echo(
            f"{row['id']:>4}  {status:<9}  {done:,}/{total:,} sent  "
            f"{c['failed']:,} failed  {c['uncertain']:,} uncertain  {one_line(row['name'])}"
        )


def _campaign_json(campaign: Campaign, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "status": str(campaign.status),
        # Always a list, for scripts: the bots chosen, or none with all_bots (every
        # enabled bot of the fleet at the time of sending).
        "bots": [] if campaign.bots == ALL_BOTS else list(campaign.bots),
        "all_bots": campaign.bots == ALL_BOTS,
        "pace": campaign.pace,
        "start_at": campaign.start_at.isoformat() if campaign.start_at else None,
        "created_at": campaign.created_at.isoformat(),
        "updated_at": campaign.updated_at.isoformat(),
        "created_by": campaign.created_by,
        "skipped_at_creation": dict(campaign.skipped),
        "counts": counts,
    }


@broadcast.command("show")
@click.argument("campaign_id")
@click.option("--json", "as_json", is_flag=True, help="Print it as JSON.")
@pass_runtime
def show_cmd(runtime: Runtime, campaign_id: str, as_json: bool) -> None:
    """One campaign: status, counts by state, and the uncertain numbers."""
    key = _campaign_id(campaign_id)
    document = _run(_with_store(runtime, lambda store: _show(runtime, store, key)))
    if as_json:
        echo(json.dumps(document, indent=2, ensure_ascii=True))
        return
    c = document["counts"]
    status = document["status"]
    if status == CampaignStatus.RUNNING and not document["running_now"]:
        status = (
            "was running when Linda stopped; it resumes when Linda starts again (a console, "
            f"`{linda_command('serve')}` or "
            f"`{linda_command('broadcast', 'run', str(document['id']))}`)"
        )
    echo(f"Campaign {document['id']}: {one_line(document['name'])} — {status}")
    echo("  " + " · ".join(f"{key} {c[key]:,}" for key in COUNT_KEYS))
    if document["uncertain"]:
        shown = ", ".join(document["uncertain"][:10])
        more = len(document["uncertain"]) - 10
        echo(
            f"  uncertain (maybe sent; never re-sent on their own): {shown}"
            + (f" and {more:,} more" if more > 0 else "")
        )
        # A cancelled campaign sends nothing more: its uncertain ones can only be marked.
        choices = "--mark-sent" if status == CampaignStatus.CANCELLED else "--resend|--mark-sent"
        echo(
            f"  resolve with: {linda_command('broadcast', 'resolve', str(document['id']))} "
            f"{choices} --all-uncertain"
        )


async def _show(runtime: Runtime, store: Store, key: int | str) -> dict[str, Any]:
    campaign = await _campaign(store, key)
    stopped = await _no_linda_runs(runtime)
    counts = _counts(await store.count_recipients(campaign.id))  # type: ignore[arg-type]
    uncertain = await store.list_recipients(
        campaign.id,  # type: ignore[arg-type]
        status=RecipientStatus.UNCERTAIN,
    )
    if stopped and counts["sending"]:
        # In flight when Linda stopped: uncertain, as the next start marks them.
        stranded = await store.list_recipients(
            campaign.id,  # type: ignore[arg-type]
            status=RecipientStatus.SENDING,
        )
        uncertain = sorted([*uncertain, *stranded], key=lambda r: r.seq or 0)
        counts = _as_stopped(counts)
    return {
        **_campaign_json(campaign, counts),
        "running_now": not stopped and campaign.status is CampaignStatus.RUNNING,
        "uncertain": [r.phone for r in uncertain],
    }


async def _no_linda_runs(runtime: Runtime) -> bool:
    """Whether no Linda runs the fleet of this data folder (no host answers on its
    socket): then no campaign is being sent, whatever its stored status, and a
    recipient still stored as ``sending`` was in flight when Linda stopped. Campaigns
    are only sent by a Linda that hosts (a console, `linda serve`, `linda broadcast
    run`). A Linda that is there but answers badly counts as running."""
    from linda_tui.host.client import HostClient, HostGoneError
    from linda_tui.host.protocol import ProtocolError

    try:
        client = await HostClient.connect(runtime.sessions_dir)
    except (ProtocolError, HostGoneError, OSError, TimeoutError):
        return False
    if client is None:
        return True
    await client.close()
    return False


def _as_stopped(counts: dict[str, int]) -> dict[str, int]:
    """The counts with no Linda running: a recipient still ``sending`` was in flight
    when Linda stopped, so it is uncertain (the spec's rule, which the next start
    writes to the store); nothing is sending."""
    if not counts["sending"]:
        return counts
    return {**counts, "uncertain": counts["uncertain"] + counts["sending"], "sending": 0}


def _recipients_as_stopped(recipients: list[Recipient]) -> list[Recipient]:
    """The recipients with no Linda running, by the same rule as _as_stopped: one still
    ``sending`` is uncertain (with the reason the next start writes)."""
    from dataclasses import replace

    from linda_tui.store.records import IN_FLIGHT_REASON

    return [
        replace(r, status=RecipientStatus.UNCERTAIN, reason=r.reason or IN_FLIGHT_REASON)
        if r.status is RecipientStatus.SENDING
        else r
        for r in recipients
    ]


EXPORT_COLUMNS = (
    "phone",
    "state",
    "bot",
    "reason",
    "claimed_at",
    "sent_at",
    "delivered_at",
    "read_at",
    "replied_at",
    "failed_at",
    "whatsapp_id",
    "text",
)


@broadcast.command("export")
@click.argument("campaign_id")
@click.option(
    "--csv",
    "csv_file",
    required=True,
    metavar="FILE|-",
    help="A new file to write (never overwritten), or - for standard output.",
)
@pass_runtime
def export_cmd(runtime: Runtime, campaign_id: str, csv_file: str) -> None:
    """Write one CSV row per recipient: state, bot, times and reason."""
    key = _campaign_id(campaign_id)
    if not csv_file.strip():
        raise UsageError(
            "--csv is empty — give the name of a new file to write, or - for standard output"
        )

    async def work(store: Store) -> list[Recipient]:
        campaign = await _campaign(store, key)
        listed = await store.list_recipients(campaign.id)  # type: ignore[arg-type]
        return _recipients_as_stopped(listed) if await _no_linda_runs(runtime) else listed

    recipients = _run(_with_store(runtime, work))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for r in recipients:
        row = [
            r.phone,
            str(r.status),
            r.bot_id or "",
            r.reason or "",
            *(
                t.isoformat() if t else ""
                for t in (
                    r.claimed_at,
                    r.sent_at,
                    r.delivered_at,
                    r.read_at,
                    r.replied_at,
                    r.failed_at,
                )
            ),
            r.wa_id or "",
            r.text,
        ]
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    count = count_of(len(recipients), "recipient")
    if csv_file == "-":
        # The CSV as it is (its CRLF record ends, every control in it already escaped by
        # spreadsheet_cell), for a pipe: `linda broadcast export 1 --csv - | ...`.
        sys.stdout.buffer.write(out.getvalue().encode("utf-8"))
        sys.stdout.flush()
        echo(f"wrote {count} to standard output", err=True)
        return
    _write_new_file(Path(csv_file), out.getvalue())
    echo(f"wrote {count} to {csv_file}")


# What a spreadsheet reads as the start of a formula (CSV injection): = + - @, a tab or a
# carriage return, and their full-width forms, which some spreadsheets fold to ASCII.
_FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_E164 = re.compile(r"\+[0-9]{1,15}")


def spreadsheet_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as the text it is, never runs as a formula.

    Every cell of an export may hold text from outside (a message, a reason WhatsApp
    gave, a name from a CSV): one that starts like a formula gets a leading ``'``,
    except an E.164 phone number (``+`` and digits), which stays as it is. Control
    characters are written as their escapes (``\\x1b``, ``\\u202e``), line breaks and
    tabs aside: ``cat export.csv`` on a terminal must not run an escape sequence (a
    clipboard write, a cleared screen), and NUL chokes spreadsheets and CSV readers.
    """
    text = visible(text, keep_lines=True)
    if text[:1] in _FORMULA_STARTS and not _E164.fullmatch(text):
        return "'" + text
    return text


def _write_new_file(path: Path, content: str) -> None:
    """Create path (never through a link, never over an existing file)."""
    shown = visible(str(path))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except (FileExistsError, IsADirectoryError):
        raise UsageError(_already_there(path, shown)) from None
    except FileNotFoundError:
        raise CommandError(
            f"{shown}: its folder does not exist — create the folder, or choose another path"
        ) from None
    except PermissionError:
        raise CommandError(
            f"{shown}: no permission to create it there — choose a folder you can write to"
        ) from None
    except OSError as exc:
        raise CommandError(
            f"{shown}: cannot create it ({exc.strerror}) — choose another path"
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(content)


def _already_there(path: Path, shown: str) -> str:
    """Why path cannot be created, by what is there already: the export never writes
    into a file, a device or a pipe, nor through a link."""
    import stat

    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = 0
    if stat.S_ISDIR(mode) or (not mode and str(path).endswith(os.sep)):
        return f"{shown} is a folder — give a file name inside it, e.g. {shown}/export.csv"
    if stat.S_ISLNK(mode):
        return (
            f"{shown} is a symbolic link (the export never writes through one) — "
            "choose a new file name"
        )
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return f"{shown} is a device, not a file — choose a new file name, or - for standard output"
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        kind = "named pipe" if stat.S_ISFIFO(mode) else "socket"
        return f"{shown} is a {kind}, not a file — choose a new file name, or - for standard output"
    return f"{shown} exists already (the export never overwrites a file) — choose a new file name"


# --- steering ------------------------------------------------------------------------------


async def _on_host_or_store(
    runtime: Runtime,
    through_host: Callable[[Any], Awaitable[T]],
    on_store: Callable[[Store], Awaitable[T]],
) -> T:
    """through_host(the host's broadcasts) when a Linda runs the fleet, else on_store."""
    from linda_tui.host.client import HostGoneError
    from linda_tui.host.protocol import ProtocolError
    from linda_tui.host.remote import RemoteServices

    try:
        remote = await RemoteServices.attach(runtime.sessions_dir)
    except (ProtocolError, HostGoneError, OSError, TimeoutError) as exc:
        raise CommandError(f"cannot use the running Linda: {one_line(str(exc))}") from None
    if remote is None:
        return await _with_store(runtime, on_store)
    async with remote:
        return await through_host(remote.broadcasts)


def _steer(
    runtime: Runtime, campaign_id: str, action: str, status: CampaignStatus, word: str
) -> None:
    from linda_tui.fleet.manager import FleetCommandError

    key = _campaign_id(campaign_id)
    no_host: list[bool] = []  # set when no Linda runs the fleet: only the store changed

    async def on_store(store: Store) -> Campaign:
        from linda_tui.clock import SystemClock

        no_host.append(True)
        campaign = await _campaign(store, key)
        moved = await store.set_campaign_status(campaign.id, status, SystemClock().now())  # type: ignore[arg-type]
        if moved is None:
            raise CommandError(f"campaign {campaign.id} is {campaign.status}; it cannot be {word}")
        return moved

    async def through_host(broadcasts: Any) -> Campaign:
        return await getattr(broadcasts, action)(key)  # type: ignore[no-any-return]

    try:
        campaign = _run(_on_host_or_store(runtime, through_host, on_store))
    except FleetCommandError as exc:
        raise CommandError(one_line(str(exc))) from None
    if no_host and campaign.status is CampaignStatus.RUNNING:
        # Nothing sends it now: say when it will be, and how to send it at once.
        echo(
            f"campaign {campaign.id} will run as soon as a Linda runs the fleet (a console or "
            f"`{linda_command('serve')}`) — "
            f"`{linda_command('broadcast', 'run', str(campaign.id))}` runs it here now"
        )
        return
    echo(f"campaign {campaign.id} is {campaign.status}")


@broadcast.command("pause")
@click.argument("campaign_id")
@pass_runtime
def pause_cmd(runtime: Runtime, campaign_id: str) -> None:
    """Pause before its next message."""
    _steer(runtime, campaign_id, "pause", CampaignStatus.PAUSED, "paused")


@broadcast.command("resume")
@click.argument("campaign_id")
@pass_runtime
def resume_cmd(runtime: Runtime, campaign_id: str) -> None:
    """Resume a paused campaign (it sends while a Linda runs the fleet)."""
    _steer(runtime, campaign_id, "resume", CampaignStatus.RUNNING, "resumed")


@broadcast.command("cancel")
@click.argument("campaign_id")
@click.option("--yes", "-y", is_flag=True, help="Do not ask first (needed without a terminal).")
@pass_runtime
def cancel_cmd(runtime: Runtime, campaign_id: str, yes: bool) -> None:
    """Cancel for good: nobody else gets it."""
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(
                "cancelling asks for confirmation and stdin is not a terminal — add --yes: "
                + linda_command("broadcast", "cancel", campaign_id, "--yes")
            )
        if not confirm(
            f"Cancel campaign {one_line(campaign_id)} for good? Nobody else will get it"
        ):
            raise CommandError("not cancelled")
    _steer(runtime, campaign_id, "cancel", CampaignStatus.CANCELLED, "cancelled")


@broadcast.command("resolve")
@click.argument("campaign_id")
@click.argument("phones", nargs=-1)
@click.option("--resend", is_flag=True, help="Send them again.")
@click.option("--mark-sent", is_flag=True, help="They did get it.")
@click.option("--all-uncertain", is_flag=True, help="Every uncertain recipient of the campaign.")
@pass_runtime
def resolve_cmd(
    runtime: Runtime,
    campaign_id: str,
    phones: tuple[str, ...],
    resend: bool,
    mark_sent: bool,
    all_uncertain: bool,
) -> None:
    """Decide for recipients whose send is uncertain (Linda stopped while sending)."""
    from linda_tui.fleet.manager import FleetCommandError
    from linda_tui.phones import InvalidPhoneError, to_e164

    if resend == mark_sent:  # neither, or both: what the operator wants is unknown
        raise UsageError("say what to do: --resend or --mark-sent (one of them)")
    action = UncertainAction.RESEND if resend else UncertainAction.MARK_SENT
    if bool(phones) == all_uncertain:
        raise UsageError("name the numbers, or give --all-uncertain (not both)")
    try:
        numbers = [to_e164(p, runtime.fleet.default_region) for p in phones] or None
    except InvalidPhoneError as exc:
        raise UsageError(str(exc)) from None
    key = _campaign_id(campaign_id)
    decision = action

    async def on_store(store: Store) -> int:
        from linda_tui.broadcast.engine import check_resolvable
        from linda_tui.clock import SystemClock
        from linda_tui.fleet.actor import current_actor
        from linda_tui.fleet.lock import AlreadyRunningError, InstanceLock
        from linda_tui.models import AuditEntry

        campaign = await _campaign(store, key)
        check_resolvable(campaign, decision)
        actor = current_actor()
        audit = AuditEntry(
            action=f"broadcast.resolve.{decision}",
            os_user=actor.os_user,
            ssh_client=actor.ssh_client,
            detail={"campaign": str(campaign.id), "phones": numbers},
        )
        now = SystemClock().now()
        # No Linda runs: a recipient the store still has as sending was in flight when
        # Linda stopped, and `show` lists it as uncertain; marked so here, as the next
        # start would, so it can be decided for now. Only while holding the instance
        # lock: a Linda starting meanwhile marks them itself.
        lock = InstanceLock(runtime.sessions_dir, "`linda broadcast resolve`")
        try:
            lock.acquire()
        except AlreadyRunningError:
            held = False
        else:
            held = True
        try:
            if held:
                await store.mark_in_flight_uncertain(campaign.id, now)  # type: ignore[arg-type]
            changed = await store.resolve_uncertain(
                campaign.id,  # type: ignore[arg-type]
                numbers,
                decision,
                now,
                audit,
            )
            if (
                changed
                and decision is UncertainAction.RESEND
                and campaign.status is CampaignStatus.DONE
            ):
                # As the engine does (start_campaign): a done campaign with recipients
                # to send again runs again, so the next Linda to start resumes it.
                await store.set_campaign_status(campaign.id, CampaignStatus.RUNNING, now)  # type: ignore[arg-type]
            return changed
        finally:
            lock.release()

    async def through_host(broadcasts: Any) -> int:
        return int(await broadcasts.resolve(key, numbers, decision))

    try:
        changed = _run(_on_host_or_store(runtime, through_host, on_store))
    except FleetCommandError as exc:
        raise CommandError(one_line(str(exc))) from None
    if not changed:
        raise CommandError(
            "no uncertain recipient matched — "
            f"`{linda_command('broadcast', 'show', str(key))}` lists them"
        )
    verb = "will be sent again" if decision is UncertainAction.RESEND else "counted as sent"
    echo(f"{count_of(changed, 'recipient')} {verb}")


# --- run -------------------------------------------------------------------------------------


@broadcast.command("run")
@click.argument("campaign_id")
@click.option("--json", "as_json", is_flag=True, help="Print the final state as JSON.")
@pass_runtime
def run_cmd(runtime: Runtime, campaign_id: str, as_json: bool) -> int:
    """Run a campaign in the foreground until it is done (resuming it if it was
    interrupted); ctrl+c pauses it. Exits 0 when done, 1 when it cannot run, 130 when
    interrupted."""
    from linda_tui.cli.fleet_cmds import run_fleet

    key = _campaign_id(campaign_id)
    display = _Progress(runtime, as_json=as_json)
    already = _run(_with_store(runtime, lambda store: _already_finished(store, key)))
    if already is not None:
        # Done: the outcome a script that runs "until 0" after a crash waits for. The
        # fleet is not brought up for it.
        counts = already["counts"]
        sent = sum(counts[k] for k in ("sent", "delivered", "read", "replied"))
        display.end(
            f"campaign {already['id']} is already done — nothing left to send ({sent:,} sent · "
            f"{counts['failed']:,} failed · {counts['skipped']:,} skipped · "
            f"{counts['uncertain']:,} uncertain)"
        )
        if as_json:
            echo(json.dumps(already, indent=2, ensure_ascii=True))
        return EXIT_OK

    async def body(access: Any) -> tuple[int, dict[str, Any] | None]:
        engine = access.broadcasts
        if engine is None:
            raise CommandError("this Linda runs no broadcasts")
        finished = asyncio.Event()
        latest: list[CampaignProgress] = []

        def on_event(event: object) -> None:
            from linda_tui.broadcast.events import CampaignProgress

            if isinstance(event, CampaignProgress) and str(event.campaign.id) == str(key):
                latest.append(event)
                del latest[:-1]
                display.show(event)
                if (
                    event.campaign.status in FINISHED
                    or event.campaign.status is CampaignStatus.PAUSED
                ):
                    finished.set()

        unsubscribe = access.subscribe(on_event)
        interrupted = asyncio.Event()
        terminated = asyncio.Event()  # SIGTERM: the system stops Linda, not the operator
        loop = asyncio.get_running_loop()

        def stopped() -> None:
            terminated.set()
            interrupted.set()

        def hung_up() -> None:
            # The SSH connection dropped or the terminal closed: pause as for ctrl+c
            # (a run killed mid-send leaves its recipient uncertain), with nothing more
            # written to a terminal that is gone.
            _away_from_the_terminal()
            interrupted.set()

        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGINT, interrupted.set)
            loop.add_signal_handler(signal.SIGTERM, stopped)
            loop.add_signal_handler(signal.SIGHUP, hung_up)
        try:
            await _refuse_without_a_sender(access.fleet, (await engine.progress(key)).campaign)
            campaign = await engine.start_campaign(key)
            display.started(campaign)
            progress = await engine.progress(key)
            display.show(progress)
            latest.append(progress)
            if progress.campaign.status in FINISHED:
                finished.set()
            waiters = [
                asyncio.ensure_future(finished.wait()),
                asyncio.ensure_future(interrupted.wait()),
            ]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            if terminated.is_set():
                # systemctl stop, a reboot, `timeout`: Linda stops, as `linda serve` and the
                # console do on SIGTERM, and the campaign is left running, to resume by
                # itself at the next start (a host running it goes on sending).
                display.end(
                    f"stopped (SIGTERM): campaign {key} was left running; it resumes when "
                    f"Linda starts again (`{linda_command('broadcast', 'run', str(key))}`)"
                )
                return EXIT_TERMINATED, None
            if interrupted.is_set():
                # Say what happened, not what was meant to: the pause may be refused
                # (the campaign just ended) or the host may be unreachable.
                try:
                    paused = await engine.pause(key)
                except Exception as exc:
                    display.end(
                        f"interrupted: campaign {key} was not paused ({one_line(str(exc))}) "
                        f"— `{linda_command('broadcast', 'show', str(key))}` says where it is"
                    )
                    return EXIT_INTERRUPTED, None
                display.end(
                    f"interrupted: campaign {key} is {paused.status} — "
                    f"`{linda_command('broadcast', 'run', str(key))}` resumes it"
                )
                return EXIT_INTERRUPTED, None
            final = await engine.progress(key)
        finally:
            unsubscribe()
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGINT)
                loop.remove_signal_handler(signal.SIGTERM)
                loop.remove_signal_handler(signal.SIGHUP)
        display.show(final)
        status = final.campaign.status
        document = {
            **_campaign_json(final.campaign, _counts(final.counts)),
            "uncertain_count": final.counts.get("uncertain", 0),
        }
        if status is CampaignStatus.DONE:
            display.end(f"campaign {key} is done")
            return EXIT_OK, document
        display.end(f"campaign {key} stopped: it is {status}")
        return EXIT_FAILURE, document

    resume_here = f"run `{linda_command('broadcast', 'run', str(key))}` to resume it here"
    code, document = run_fleet(runtime, body, broadcasts=True, if_host_stops=resume_here)
    if as_json and document is not None:
        echo(json.dumps(document, indent=2, ensure_ascii=True))
    return code


def _away_from_the_terminal() -> None:
    """Send what would go to a terminal that hung up to /dev/null instead: writing to
    it fails (EIO), which would end the run before it paused its campaign. Output to
    a file or a pipe is left as it is."""
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in (1, 2):
            with contextlib.suppress(OSError):
                if os.isatty(fd):
                    os.dup2(null, fd)
    finally:
        os.close(null)


async def _already_finished(store: Store, key: int | str) -> dict[str, Any] | None:
    """The campaign as `run --json` prints it when it is done with nothing left to
    send, else None (it has work, or it is resumed: pending again after `resolve
    --resend`). A cancelled one is a CommandError (exit 1) with the reason."""
    campaign = await _campaign(store, key)
    if campaign.status is CampaignStatus.CANCELLED:
        raise CommandError(
            f"campaign {campaign.id} was cancelled — nothing more is sent; "
            f"`{linda_command('broadcast', 'create')}` makes a new one"
        )
    if campaign.status is not CampaignStatus.DONE:
        return None
    counts = _counts(await store.count_recipients(campaign.id))  # type: ignore[arg-type]
    if counts["pending"]:
        return None
    return {**_campaign_json(campaign, counts), "uncertain_count": counts["uncertain"]}


async def _refuse_without_a_sender(fleet: Any, campaign: Campaign) -> None:
    """`run` would wait forever when none of the campaign's bots can send (not paired,
    logged out, banned): say so in one line instead. A bot merely offline comes back."""
    from linda_tui.broadcast.plan import unusable_bots

    if campaign.status in FINISHED:
        return  # `run` says it is done, or cancelled, itself
    bots = (
        list(fleet.bot_ids)
        if campaign.bots == ALL_BOTS
        else [bot for bot in campaign.bots if bot in fleet.bot_ids]
    )
    cannot = {b: why for b, why in unusable_bots(fleet.statuses()).items() if b in bots}
    if bots and len(cannot) < len(bots):
        return
    why = ", ".join(f"{bot} {reason}" for bot, reason in cannot.items()) or "none is enabled"
    advice = (
        f"pair one (`{linda_command('pair', next(iter(cannot)))}`) or wait until one is back"
        if cannot
        else "enable one in bots.yaml"
    )
    raise CommandError(
        f"campaign {campaign.id} cannot run: no bot of it can send ({why}) — {advice}"
    )


class _Progress:
    """A progress bar on a terminal; plain lines when the output goes elsewhere."""

    def __init__(self, runtime: Runtime, *, as_json: bool) -> None:
        self.runtime = runtime
        self.quiet = as_json
        self.tty = sys.stderr.isatty()
        self._last_line = ""

    def started(self, campaign: Campaign) -> None:
        if not self.quiet:
            echo(f"running campaign {campaign.id}: {one_line(campaign.name)}", err=True)

    def show(self, event: CampaignProgress) -> None:
        if self.quiet:
            return
        c = event.counts
        total = sum(int(c.get(k, 0)) for k in COUNT_KEYS)
        done = sum(int(c.get(k, 0)) for k in ("sent", "delivered", "read", "replied"))
        settled = total - int(c.get("pending", 0)) - int(c.get("sending", 0))
        finish = _when(event.finish_at, self.runtime) if event.finish_at else "-"
        tail = (
            f"{done:,}/{total:,} sent · {int(c.get('failed', 0)):,} failed · "
            f"{int(c.get('skipped', 0)):,} skipped · {int(c.get('uncertain', 0)):,} uncertain"
            f" · finish {finish}"
        )
        if event.waiting:
            tail += f" · waiting: {one_line(event.waiting)}"
        if event.note:
            tail += f" · {one_line(event.note)}"
        if self.tty:
            width = 24
            filled = int(width * settled / total) if total else width
            line = f"\r[{'#' * filled}{'.' * (width - filled)}] {tail}"
            click.echo(line[:200] + "\x1b[K", nl=False, err=True)
        elif tail != self._last_line:
            echo(f"progress: {tail}", err=True)
        self._last_line = tail

    def end(self, text: str) -> None:
        if self.quiet:
            return
        if self.tty:
            click.echo("", err=True)
        echo(text, err=True)


COMMANDS: Sequence[click.Command] = [broadcast]
