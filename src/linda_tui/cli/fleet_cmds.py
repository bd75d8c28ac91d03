"""Fleet commands: `linda status`, `send`, `pair`, `logout`.

When a Linda already runs the fleet of this sessions folder (a console, or `linda
serve`), each command asks it through its socket and prints exactly what it would print
otherwise. When none does, the command brings the fleet up itself (real neonize
clients, or the simulated network with --demo) through the same composition root as
the console, does one job, and stops every client before returning; the Go library's
direct writes to the terminal go to the log file meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import shutil
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from linda_tui.cli.context import linda_command, pass_runtime, with_global_options
from linda_tui.cli.errors import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_NONE_ONLINE,
    EXIT_OK,
    EXIT_PRIMARY_DOWN,
    EXIT_UNCERTAIN,
    CommandError,
    UsageError,
    echo,
    one_line,
)
from linda_tui.cli.questions import confirm
from linda_tui.config import Runtime
from linda_tui.config.models import BotConfig, FleetConfig
from linda_tui.fleet.events import AccountEventForwarded, FleetEvent
from linda_tui.fleet.lock import AlreadyRunningError
from linda_tui.fleet.manager import (
    ALL,
    AUTO,
    Fleet,
    FleetCommandError,
    SendResult,
    UnknownBotError,
    unknown_bot_message,
)
from linda_tui.fleet.status import SENDABLE, STATE_WORD, BotStatus, describe_duration, state_label
from linda_tui.fleet.view import FleetView
from linda_tui.models import BotState
from linda_tui.phones import InvalidPhoneError, to_e164
from linda_tui.store.urls import hide_url_secrets
from linda_tui.terminal_text import visible
from linda_tui.whatsapp.account import (
    AccountEvent,
    PairCodeIssued,
    PairingFailed,
    PairingSucceeded,
    PairingTimedOut,
    PairMethod,
    QRCodeIssued,
    StateChanged,
)

if TYPE_CHECKING:
    from linda_tui.host.remote import RemoteServices
    from linda_tui.services import Services

    FleetAccess = Services | RemoteServices

T = TypeVar("T")


class Seconds(click.FloatRange):
    """A number of seconds in a range; NaN, which every comparison lets through, is not."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return number


def wait_option(default: float, purpose: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """The --wait SECONDS option every fleet command has; purpose ends "How long to ..."."""
    return click.option(
        "--wait",
        type=Seconds(0, 600),
        default=default,
        show_default=True,
        metavar="SECONDS",
        help=f"How long to {purpose}.",
    )


# How long `linda send` waits for the store to take the outcome of a send it refused.
UNSAVED_WAIT_SECONDS = 8.0

# States that only pairing ends: advice names `linda pair`.
NEEDS_PAIRING = frozenset({BotState.NOT_PAIRED, BotState.LOGGED_OUT})


def _enabled_bot(config: FleetConfig, bot_id: str) -> BotConfig:
    """The enabled bot with this id, or the same one-line refusal the fleet gives (a
    usage error: exit status 2)."""
    bot = config.bot(bot_id)
    if bot is None or not bot.enabled:
        raise UsageError(unknown_bot_message(config, bot_id))
    return bot


def _phone(raw: str, config: FleetConfig) -> str:
    """A phone number from the command line in E.164, or a usage error saying why not."""
    try:
        return to_e164(raw, config.default_region)
    except InvalidPhoneError as exc:
        raise UsageError(str(exc)) from None


def run_fleet(
    runtime: Runtime,
    body: Callable[[FleetAccess], Awaitable[T]],
    *,
    only_bot: str | None = None,
    broadcasts: bool = False,
    if_host_stops: str | None = None,
) -> T:
    """Run body on the fleet: the running host's when one answers on the sessions
    folder, else a fleet brought up here (only ``only_bot`` of it, for a command about
    one bot; with the broadcast engine for ``broadcasts``) and stopped afterwards. Maps
    the failures an operator can act on to one-line CommandErrors.

    A fleet brought up here for ``broadcasts`` (a long run) also hosts: it answers on
    the socket like a console, so `linda status`, `send` and `broadcast pause` work
    meanwhile. When the host this command goes through stops (killed, say), the command
    ends within moments with one line and exit 1; ``if_host_stops`` is the advice it
    gives then (default: run the command again, which brings the fleet up here)."""
    bot = _enabled_bot(runtime.fleet, only_bot) if only_bot is not None else None
    try:
        hosted = asyncio.run(_through_host(runtime, body, if_host_stops))
        if hosted is not _NO_HOST:
            return hosted  # type: ignore[return-value]
        return _brought_up_here(runtime, body, bot, broadcasts)
    except KeyboardInterrupt:
        raise CommandError("interrupted", exit_code=EXIT_INTERRUPTED) from None


_NO_HOST = object()


def _this_command() -> str:
    """The command being run, with this run's global options and without its arguments
    (they may hold a message's text): what advice tells the operator to run again."""
    path = click.get_current_context().command_path.split()[1:]
    return linda_command(*path)


async def until_host_stops(
    remote: RemoteServices, work: Awaitable[T], if_host_stops: str | None
) -> T:
    """work's result, unless the host hangs up first: then work is cancelled and the
    command ends with the reason in one line (what happened to the bots) and what to do
    here. Nothing is claimed about what the host did with a request under way."""
    gone: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def hung_up(reason: str) -> None:
        if not gone.done():
            gone.set_result(reason)

    remote.when_gone(hung_up)
    if remote.client.gone is not None:
        hung_up(remote.client.gone)
    task = asyncio.ensure_future(work)
    either: list[asyncio.Future[Any]] = [task, gone]
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        # ctrl+c: the work's own cleanup (cancel the pairing...) runs while the
        # connection to the host is still open, before the caller hangs up.
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        raise
    finished = task.done() and not task.cancelled() and task.exception() is None
    if finished or not gone.done():
        # Done before the host went (or failed on its own): the command's own outcome.
        gone.cancel()
        return task.result()
    task.cancel()
    with contextlib.suppress(BaseException):
        await task
    reason, _, _ = gone.result().partition(" — ")
    advice = if_host_stops or f"run `{_this_command()}` to bring the fleet up here"
    raise CommandError(f"{reason} — {with_global_options(advice)}")


async def _through_host(
    runtime: Runtime, body: Callable[[FleetAccess], Awaitable[T]], if_host_stops: str | None
) -> object:
    """body's result through the host of this sessions folder, or _NO_HOST."""
    from linda_tui.host.client import CONNECT_SECONDS, HostGoneError
    from linda_tui.host.protocol import ProtocolError
    from linda_tui.host.remote import RemoteServices

    try:
        remote = await RemoteServices.attach(runtime.sessions_dir)
    except ProtocolError as exc:
        raise CommandError(f"cannot use the running Linda: {one_line(str(exc))}") from None
    except (HostGoneError, OSError, TimeoutError) as exc:
        why = one_line(str(exc)) or f"no answer within {CONNECT_SECONDS:g} s"
        raise CommandError(
            f"a Linda runs on {runtime.sessions_dir} but does not answer ({why}) — "
            "try again, or stop it"
        ) from None
    if remote is None:
        return _NO_HOST
    async with remote:
        return await until_host_stops(remote, _run_body(runtime, body, remote), if_host_stops)


def _brought_up_here(
    runtime: Runtime,
    body: Callable[[FleetAccess], Awaitable[T]],
    bot: BotConfig | None,
    broadcasts: bool,
) -> T:
    from linda_tui.services import Services
    from linda_tui.store.base import StoreError

    services = Services.for_runtime(runtime, only_bot=bot, broadcasts=broadcasts)
    # A long run (a campaign) hosts like `linda serve` while it holds the fleet, so that
    # status, send, pause and consoles work meanwhile. A quick command about one bot
    # does not: a console attached to it would see a fleet of one bot, gone moments later.
    hosts = broadcasts
    if hosts:
        from linda_tui.host.server import HostServer

        services.add(HostServer(services, runtime.sessions_dir))
    services.lock.holder = f"`{_this_command()}`"
    services.lock.hosts = hosts
    # The lock is taken before anything is written (the demo network keeps state).
    runtime.prepare_folders()
    try:
        services.lock.acquire()
    except AlreadyRunningError as exc:
        raise CommandError(str(exc)) from None

    async def main() -> T:
        from linda_tui.host.socket_path import SocketInTheWayError

        try:
            await services.open()
        except AlreadyRunningError as exc:
            raise CommandError(str(exc)) from None
        except SocketInTheWayError as exc:
            raise CommandError(one_line(str(exc))) from None
        except StoreError as exc:
            # A driver refusing the URL may quote a piece of it, password included.
            raise CommandError(hide_url_secrets(str(exc), runtime.store_url)) from None
        try:
            return await _run_body(runtime, body, services)
        finally:
            await services.close()

    try:
        with services.native_output():
            return asyncio.run(main())
    finally:
        services.lock.release()


async def _run_body(
    runtime: Runtime, body: Callable[[FleetAccess], Awaitable[T]], access: FleetAccess
) -> T:
    try:
        return await body(access)
    except UnknownBotError as exc:
        raise UsageError(str(exc)) from None
    except FleetCommandError as exc:
        # The core's advice names plain commands; this run's options go with them.
        raise CommandError(with_global_options(str(exc))) from None


# --- status ------------------------------------------------------------------------


def status_table(statuses: list[BotStatus], fleet: FleetView) -> str:
    """The plain-text table `linda status` prints; each cell's control characters escaped
    (names and details come from outside), and what to run for a bot that needs pairing."""
    now = fleet.clock.now()
    headers = [
        "BOT",
        "NAME",
        "PHONE",
        "ROLE",
        "STATE",
        "FOR",
        "SENT",
        "RECV",
        "LAST ERROR / DETAIL",
    ]
    rows = [
        [
            visible(cell)
            for cell in (
                s.id,
                s.bot.name,
                s.bot.phone,
                str(s.bot.role),
                state_label(s.state),
                describe_duration(s.seconds_in_state(now)),
                str(s.sent_today),
                str(s.received_today),
                one_line(s.last_error or s.detail or "-"),
            )
        ]
        for s in statuses
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers[:-1])]
    lines = []
    for row in [headers, *rows]:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, row[-1]]))
    stats = fleet.stats()
    health = stats.primary
    if health is None or health.bot_id is None or health.state is None:
        primary = "no primary"
    elif health.healthy:
        primary = f"primary {health.bot_id}: {STATE_WORD[health.state]}"
    else:
        detail = fleet.status(health.bot_id).detail
        primary = f"primary {health.bot_id}: {STATE_WORD[health.state]}" + (
            f" ({one_line(detail)})" if detail else ""
        )
    lines.append(f"\n{stats.online}/{stats.total} online · {primary}")
    for s in statuses:
        if s.state in NEEDS_PAIRING:
            lines.append(
                f"{s.id} is {STATE_WORD[s.state]}: link it with `{linda_command('pair', s.id)}`"
            )
    return "\n".join(lines)


def status_exit_code(fleet: FleetView) -> int:
    """What `linda status` exits with: 0 when the primary is online, 3 when it is not
    (other bots are), 4 when no bot is online."""
    stats = fleet.stats()
    if stats.online == 0:
        return EXIT_NONE_ONLINE
    if stats.primary is None or not stats.primary.healthy:
        return EXIT_PRIMARY_DOWN
    return EXIT_OK


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of bots.")
@wait_option(15.0, "let the fleet settle before printing")
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 whatever the fleet's health (by default 3: primary not online, 4: no bot online).",
)
@pass_runtime
def status_cmd(runtime: Runtime, as_json: bool, wait: float, exit_zero: bool) -> int:
    """Start the fleet and print a row per bot.

    Exits 0 when the primary bot is online, 3 when it is not, 4 when no bot is online
    (0 whatever the health with --exit-zero).
    """

    async def body(setup: FleetAccess) -> tuple[str, int]:
        fleet = setup.fleet
        probe = None
        if not runtime.demo:
            # Unpaired bots do not dial; say whether WhatsApp can be reached at all.
            from linda_tui.whatsapp.neonize_account import probe_whatsapp

            probe = asyncio.create_task(probe_whatsapp())
        await fleet.wait_settled(wait)
        code = status_exit_code(fleet)
        if as_json:
            statuses = [s.to_dict(fleet.clock.now()) for s in fleet.statuses()]
            return json.dumps(statuses, indent=2), code
        table = status_table(fleet.statuses(), fleet)
        if probe is not None:
            problem = await probe
            table += f"\nWhatsApp: {problem or 'reachable'}"
        return table, code

    output, code = run_fleet(runtime, body)
    echo(output)
    return EXIT_OK if exit_zero else code


# --- send --------------------------------------------------------------------------


@click.command("send")
@click.option("--to", "to", required=True, metavar="PHONE", help="Recipient, e.g. +971501234567.")
@click.option(
    "--bot",
    default=AUTO,
    show_default=True,
    metavar="ID|auto|all",
    help="Send from this bot, route automatically, or from every online bot.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@wait_option(20.0, "wait for the bot(s) to come online")
@click.argument("text")
@pass_runtime
def send_cmd(runtime: Runtime, to: str, bot: str, as_json: bool, wait: float, text: str) -> None:
    """Send TEXT to a phone number and print the message id(s)."""
    # Refuse bad input before connecting anything: each is a usage error (status 2).
    try:
        Fleet.check_text(text)
    except FleetCommandError as exc:
        raise UsageError(str(exc)) from None
    phone = _phone(to, runtime.fleet)
    if bot not in (AUTO, ALL):
        _enabled_bot(runtime.fleet, bot)

    async def body(setup: FleetAccess) -> tuple[list[SendResult], set[object] | None]:
        fleet = setup.fleet
        await _wait_for_sender(fleet, bot, wait)
        if bot not in (AUTO, ALL):
            _check_can_send(fleet.status(bot))
        results = await fleet.send(phone, text, bot=bot)
        if not isinstance(fleet, Fleet):
            return results, None  # the host keeps trying: it stays up
        unsaved: set[object] = set()
        if any(not r.recorded for r in results):
            # Sent, but the store refused the outcome: give the retries a moment before
            # this process (and its fleet) goes.
            await fleet.wait_until(lambda: not fleet.unsaved_sends(), UNSAVED_WAIT_SECONDS)
            unsaved = {m.id for m in fleet.unsaved_sends()}
        return results, unsaved

    # A send under way when the host died may have gone: say so rather than "send again".
    unknown = (
        f"the message may have gone before it stopped: look at the chat before running "
        f"`{linda_command('send')}` again"
    )
    try:
        results, unsaved = run_fleet(runtime, body, if_host_stops=unknown)
    except CommandError as exc:
        if as_json and exc.exit_code == EXIT_FAILURE:
            # Refused (opted out, sent in the last 24 h, no bot online...): a script reads
            # the same list as for a send, with the reason; the line on stderr and the
            # exit status are as without --json.
            refusal = {
                "bot": None if bot in (AUTO, ALL) else bot,
                "to": phone,
                "ok": False,
                "uncertain": False,
                "id": None,
                "error": exc.message,
            }
            echo(json.dumps([refusal], indent=2))
        raise
    if as_json:
        echo(
            json.dumps(
                [
                    {
                        "bot": r.bot_id,
                        "to": r.to,
                        "ok": r.ok,
                        "uncertain": r.uncertain,
                        "id": r.wa_id,
                        "error": r.error,
                    }
                    for r in results
                ],
                indent=2,
            )
        )
    else:
        for r in results:
            if r.ok:
                echo(f"sent {r.wa_id} from {r.bot_id} to {r.to}")
            elif r.uncertain:
                echo(f"perhaps sent from {r.bot_id} to {r.to}: {one_line(r.error or '')}", err=True)
            else:
                echo(f"failed from {r.bot_id} to {r.to}: {one_line(r.error or '')}", err=True)
    for r in results:
        if r.ok and not r.recorded:
            # Sent is sent: the exit status says so (a script must not send it again).
            if unsaved is None:
                fate = "the running Linda keeps trying to save it"
            elif r.message is not None and r.message.id in unsaved:
                fate = "it is missing from Linda's history (its WhatsApp id is in the log)"
            else:
                fate = "it was saved on a later try"
            echo(
                f"linda: the message to {r.to} was sent, but the store could not save it at "
                f"first ({one_line(r.unrecorded or '')}); {fate}",
                err=True,
            )
    unsure = [r for r in results if r.uncertain]
    if unsure:
        # Neither sent nor failed: a script that retries on failure would message the
        # person twice. The 24 h repeat guard refuses the same text meanwhile.
        raise CommandError(
            f"the message to {unsure[0].to} from {unsure[0].bot_id} may have been delivered: "
            f"{one_line(unsure[0].error or '')} — check with the contact before sending it "
            "again",
            exit_code=EXIT_UNCERTAIN,
        )
    failed = [r for r in results if not r.ok]
    if failed:
        raise CommandError(
            f"{len(failed):,} of {len(results):,} sends failed: {one_line(failed[0].error or '')}"
        )


def _check_can_send(status: BotStatus) -> None:
    """Refuse to send from a bot that is not online, in the words `linda status` uses, with
    the command that links it when only pairing can help."""
    if status.state in SENDABLE:
        return
    word = STATE_WORD[status.state]
    if status.state in NEEDS_PAIRING:
        raise CommandError(
            f"bot {status.id} is {word} — link it with `{linda_command('pair', status.id)}`, "
            "or send with --bot auto"
        )
    detail = f": {status.detail}" if status.detail else ""
    raise CommandError(
        f"bot {status.id} is not online ({word}{detail}) — try again when it is, "
        "or send with --bot auto"
    )


async def _wait_for_sender(fleet: FleetView, bot: str, wait: float) -> None:
    """Wait until the chosen bot (or, for auto/all, the fleet) is ready to send."""

    def ready() -> bool:
        if bot not in (AUTO, ALL):
            return fleet.status(bot).state not in (
                BotState.CONNECTING,
                BotState.STOPPED,
                BotState.RECONNECTING,
            )
        if not fleet.settled():
            return False
        # auto with nothing online yet: give a reconnecting bot its chance to come back.
        reconnecting = any(s.state is BotState.RECONNECTING for s in fleet.statuses())
        return bool(fleet.active_bots()) or bot == ALL or not reconnecting

    await fleet.wait_until(ready, wait)


# --- pair ---------------------------------------------------------------------------


@click.command("pair")
@click.argument("bot_id")
@click.option("--phone-code", is_flag=True, help="Pair with an 8-character code instead of a QR.")
@click.option(
    "--phone",
    metavar="PHONE",
    default=None,
    help="With --phone-code: the phone that pairs (default: the bot's own number).",
)
@pass_runtime
def pair_cmd(runtime: Runtime, bot_id: str, phone_code: bool, phone: str | None) -> None:
    """Link BOT_ID to its phone: draw a QR code to scan, or print a phone code.

    Ends when paired, timed out (about 160 s), interrupted, or at once when WhatsApp
    cannot be reached.
    """
    if phone is not None:
        phone = _phone(phone, runtime.fleet)
    method = PairMethod.PHONE_CODE if phone_code else PairMethod.QR
    again = linda_command("pair", bot_id, *(["--phone-code"] if phone_code else []))
    phone_code_instead = linda_command("pair", bot_id, "--phone-code")
    logout = linda_command("logout", bot_id)

    async def body(setup: FleetAccess) -> str:
        fleet = setup.fleet
        if fleet.status(bot_id).paired:
            raise CommandError(
                f"bot {bot_id} is already paired — run `{logout}` first to pair again"
            )
        if not runtime.demo:
            # Offline, a pairing would retry for its whole 160 s: say so at once instead.
            from linda_tui.whatsapp.neonize_account import probe_whatsapp

            problem = await probe_whatsapp()
            if problem is not None:
                raise CommandError(_unreachable(problem, again))
        outcome: asyncio.Future[AccountEvent] = asyncio.get_running_loop().create_future()
        shown_a_code = False

        def on_event(event: FleetEvent) -> None:
            nonlocal shown_a_code
            if not isinstance(event, AccountEventForwarded):
                return
            inner = event.event
            if isinstance(inner, StateChanged) and inner.state in (
                BotState.CONNECTING,
                BotState.RECONNECTING,
                BotState.ERROR,
            ):
                # While no code can be shown, say why (offline, proxy, outdated client...).
                _write(f"{bot_id}: {STATE_WORD[inner.state]}: {one_line(inner.detail or '…')}\n")
                first_failed = inner.state is BotState.RECONNECTING and not shown_a_code
                if first_failed and not outcome.done():
                    # The first connection failed: WhatsApp cannot be reached from here.
                    outcome.set_result(inner)
            elif isinstance(inner, QRCodeIssued):
                shown_a_code = True
                _show_qr(inner, runtime.demo, phone_code_instead)
            elif isinstance(inner, PairCodeIssued):
                shown_a_code = True
                _show_pair_code(inner.code, runtime.demo)
            elif (
                isinstance(inner, PairingSucceeded | PairingTimedOut | PairingFailed)
                and not outcome.done()
            ):
                outcome.set_result(inner)

        fleet.subscribe(on_event)
        await fleet.pair(bot_id, method, phone)
        if runtime.demo:
            await _demo_phone(setup, bot_id, method)
        try:
            result = await outcome
        except asyncio.CancelledError:
            await fleet.cancel_pairing(bot_id)
            raise
        if isinstance(result, PairingSucceeded):
            await fleet.wait_settled(5)
            return f"paired {bot_id} ({result.jid})"
        if isinstance(result, StateChanged):
            await fleet.cancel_pairing(bot_id)
            reason = _RETRY_PREFIX.sub("", result.detail or "") or "no connection"
            raise CommandError(_unreachable(reason, again))
        if isinstance(result, PairingTimedOut):
            raise CommandError(f"pairing {bot_id} timed out — run `{again}` again")
        raise CommandError(f"pairing {bot_id} failed: {one_line(result.reason)}")  # type: ignore[attr-defined]

    echo(run_fleet(runtime, body, only_bot=bot_id, if_host_stops=f"run `{again}` to pair it here"))


# "reconnecting in 2 s: failed to dial ..." -> "failed to dial ..."
_RETRY_PREFIX = re.compile(r"^reconnecting in [^:]*:\s*")


def _unreachable(reason: str, again: str) -> str:
    return (
        f"WhatsApp is unreachable from this machine ({reason}) — check its internet connection "
        f"(and HTTPS_PROXY if it needs a proxy), then run `{again}`"
    )


def _write(text: str) -> None:
    """Progress on stdout while the fleet runs, control characters escaped."""
    sys.stdout.write(visible(text, keep_lines=True))
    sys.stdout.flush()


def _show_qr(event: QRCodeIssued, demo: bool, phone_code_instead: str) -> None:
    from linda_tui.whatsapp.qr_render import ansi_qr, draw_qr, too_small_message

    drawing = draw_qr(event.payload)
    size = shutil.get_terminal_size((80, 24))
    header = (
        f"Scan with WhatsApp on the phone: Settings > Linked devices > Link a device "
        f"(code {event.index + 1}, valid {int(event.expires_in)} s)"
    )
    hint = "demo: press Enter and the simulated phone scans the code" if demo else "Ctrl+C to stop"
    out = sys.stdout
    tty = out.isatty()
    # Piped or redirected output has no size to respect: print the code as it is.
    problem = too_small_message(drawing, size.columns, size.lines, reserved_rows=3) if tty else None
    if tty:
        out.write("\x1b[H\x1b[2J")
    if problem:
        out.write(f"{header}\n{problem}: {phone_code_instead}\n{hint}\n")
    else:
        out.write(f"{header}\n{ansi_qr(drawing)}\n{hint}\n")
    out.flush()


def _show_pair_code(code: str, demo: bool) -> None:
    shown = f"{code[:4]}-{code[4:]}" if len(code) == 8 else code
    hint = "demo: press Enter and the simulated phone enters the code" if demo else "Ctrl+C to stop"
    _write(  # the code comes from WhatsApp's server: escaped like any outside text
        f"On the phone: WhatsApp > Settings > Linked devices > Link a device > "
        f"Link with phone number instead, then type:\n\n    {one_line(shown)}\n\n{hint}\n"
    )


async def _demo_phone(setup: FleetAccess, bot_id: str, method: PairMethod) -> None:
    """Under --demo, Enter on the terminal plays the phone scanning the code (the host's
    simulated phone when a host runs the fleet).

    stdin is read on a daemon thread: a thread of the loop's executor blocked in
    readline() would keep asyncio.run() from returning after pairing ends.
    """
    loop = asyncio.get_running_loop()

    def act() -> None:
        task = asyncio.ensure_future(setup.demo_phone(bot_id, method))
        task.add_done_callback(lambda done: done.cancelled() or done.exception())

    def read_lines() -> None:
        for _line in sys.stdin:
            try:
                loop.call_soon_threadsafe(act)
            except RuntimeError:  # the loop has closed: pairing is over
                return

    threading.Thread(target=read_lines, name="linda-demo-phone", daemon=True).start()


# --- logout -------------------------------------------------------------------------


@click.command("logout")
@click.argument("bot_id")
@click.option(
    "--yes", "-y", is_flag=True, help="Do not ask first (needed when stdin is no terminal)."
)
@wait_option(20.0, "wait for the bot to connect so it can unlink")
@pass_runtime
def logout_cmd(runtime: Runtime, bot_id: str, yes: bool, wait: float) -> None:
    """Unlink BOT_ID from its phone and delete its session (asks first)."""
    bot = _enabled_bot(runtime.fleet, bot_id)
    if not yes:
        _confirm_logout(bot)

    async def body(setup: FleetAccess) -> str:
        fleet = setup.fleet
        if fleet.status(bot_id).paired:
            await _wait_for_sender(fleet, bot_id, wait)
        # Fleet.logout refuses an unpaired or unconnected bot, with the reason.
        await fleet.logout(bot_id)
        return f"logged out {bot_id}"

    here = f"run `{linda_command('logout', bot_id)}` to log it out here"
    echo(run_fleet(runtime, body, only_bot=bot_id, if_host_stops=here))


def _confirm_logout(bot: BotConfig) -> None:
    """Ask on the terminal; without one, refuse (a script says --yes)."""
    if not sys.stdin.isatty():
        raise UsageError(
            f"logging out {bot.id} asks for confirmation and stdin is not a terminal — "
            f"add --yes: {linda_command('logout', bot.id, '--yes')}"
        )
    question = visible(
        f"Log out {bot.id} ({bot.name}, {bot.phone})? WhatsApp unlinks this device and "
        "its session is deleted; using the bot again needs its phone to pair it"
    )
    if not confirm(question):
        raise CommandError(f"not logged out — {bot.id} stays linked to its phone")


COMMANDS = [status_cmd, send_cmd, pair_cmd, logout_cmd]
