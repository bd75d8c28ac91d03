"""Pairing a bot with a phone: a QR code (redrawn at every rotation, with a countdown)
or an 8-character phone code. Dismisses with True once the phone is linked."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Static

from linda_tui.models import BotState
from linda_tui.tui.literal import printable
from linda_tui.tui.selection import CopySafely
from linda_tui.tui.widgets.key_bar import KeyBar
from linda_tui.tui.widgets.qr_view import QRView
from linda_tui.whatsapp.account import (
    AccountEvent,
    PairCodeIssued,
    PairingFailed,
    PairingSucceeded,
    PairingTimedOut,
    PairMethod,
    QRCodeIssued,
)
from linda_tui.whatsapp.qr_render import QRDrawing, draw_qr, too_small_message

if TYPE_CHECKING:
    from linda_tui.tui.app import LindaApp

# Columns the instructions need beside the QR code; rows the title, countdown and
# hint need above and below it when they cannot sit beside it.
SIDE_COLUMNS = 34
FOOTER_ROWS = 1
STACKED_ROWS = 4
# Columns of the frame around the dialog (not around a QR code), of the phone code's
# box with its margins, of the "too small for the QR code" message, of the instructions
# alone, and at most of a dialog whose parts sit one above the other.
FRAME = 2
CODE_COLUMNS = 39
TOO_SMALL_COLUMNS = 44
TEXT_ONLY_COLUMNS = 60
STACKED_COLUMNS = 64

PAIRING_STATES = frozenset({BotState.WAITING_FOR_PHONE, BotState.PAIRING})

QR_STEPS = (
    "On the phone, open WhatsApp › Settings › Linked devices › Link a device, "
    "then point the camera at this code."
)
CODE_STEPS = (
    "On the phone, open WhatsApp › Settings › Linked devices › Link a device › "
    "Link with phone number instead, then type this code."
)


class PairingScreen(CopySafely, ModalScreen[bool]):
    """Pair one bot. ``phase``: starting, showing, timed-out, failed."""

    CSS_PATH = "pairing.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="linda.pair.cancel"),
        Binding("c", "switch_method", "QR ⇄ phone code", id="linda.pair.switch"),
        Binding("r", "retry", "Try again", id="linda.pair.retry"),
        Binding("x", "demo_scan", "Phone scans (demo)", id="linda.pair.demo_scan"),
    ]

    method: reactive[PairMethod] = reactive(PairMethod.QR, init=False)
    phase: reactive[str] = reactive("starting", init=False)

    def __init__(self, bot_id: str, method: PairMethod = PairMethod.QR) -> None:
        super().__init__(id="pairing")
        self.bot_id = bot_id
        self.set_reactive(PairingScreen.method, method)
        self._drawing: QRDrawing | None = None
        self._code: str | None = None
        self._qr_index = 0
        self._expires_at: float | None = None
        self._failure: str | None = None
        self._expect_cancel = False

    @property
    def linda(self) -> LindaApp:
        return cast("LindaApp", self.app)

    def compose(self) -> ComposeResult:
        status = self.linda.fleet.status(self.bot_id)
        with Container(id="pair-body"):
            with Container(id="pair-visual"):
                yield QRView(id="qr")
                yield Static(id="pair-code")
                yield Static(id="qr-too-small")
            with Vertical(id="pair-side"):
                yield Static(
                    Text.assemble(
                        ("Pair ", "bold"),
                        (printable(status.bot.name), "bold"),
                        f" ({self.bot_id})\n{printable(status.bot.phone)}",
                    ),
                    id="pair-title",
                )
                yield Static(id="pair-steps")
                yield Static(id="pair-countdown")
                yield Static(id="pair-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.linda.account_events.subscribe(self, self._on_account_event)
        self.linda.bots_changed.subscribe(self, self._on_bots_changed)
        self.set_interval(1.0, self._show_countdown, name="pair-countdown")
        self._redraw()
        self._start(self.method)

    # --- talking to the fleet ------------------------------------------------------
    @work(exclusive=True, group="pairing", exit_on_error=False)
    async def _start(self, method: PairMethod, restart: bool = False) -> None:
        fleet = self.linda.fleet
        try:
            if restart:
                # Cancelling a live pairing reports a failure: that one is ours, not news.
                self._expect_cancel = fleet.status(self.bot_id).state in PAIRING_STATES
                if self._expect_cancel:
                    self.linda.pairing_restarted(self.bot_id, method)
                await fleet.cancel_pairing(self.bot_id)
            await fleet.pair(self.bot_id, method)
        except Exception as exc:
            self._fail(f"could not start pairing: {exc}")

    def _on_account_event(self, event: AccountEvent) -> None:
        if event.bot_id != self.bot_id:
            return
        if isinstance(event, QRCodeIssued) and self.method is PairMethod.QR:
            self._expect_cancel = False  # the new attempt is under way
            self._drawing = draw_qr(event.payload)
            self._qr_index = event.index
            self._expires_at = self.linda.clock.monotonic() + event.expires_in
            self.phase = "showing"
            self._redraw()
        elif isinstance(event, PairCodeIssued) and self.method is PairMethod.PHONE_CODE:
            self._expect_cancel = False
            self._code = event.code
            # A phone code is good for the whole pairing window.
            self._expires_at = self.linda.clock.monotonic() + event.expires_in
            self.phase = "showing"
            self._redraw()
        elif isinstance(event, PairingSucceeded):
            self.dismiss(True)
        elif isinstance(event, PairingTimedOut):
            self._expires_at = None
            self.phase = "timed-out"
            self._redraw()
        elif isinstance(event, PairingFailed):
            if self._expect_cancel and self.phase == "starting":
                # The failure of the attempt we cancelled to switch or retry.
                self._expect_cancel = False
                return
            self._fail(event.reason)

    def _on_bots_changed(self, bot_ids: frozenset[str]) -> None:
        # While waiting for a code, say what the connection is doing (offline, retrying).
        if self.bot_id in bot_ids and self.phase == "starting":
            self._show_status()

    def _fail(self, reason: str) -> None:
        self._failure = reason
        self._expires_at = None
        self.phase = "failed"
        self._redraw()

    # --- actions -------------------------------------------------------------------
    def action_cancel(self) -> None:
        # The app cancels: this screen's workers end with it.
        self.linda.cancel_pairing(self.bot_id)
        self.dismiss(False)

    def action_switch_method(self) -> None:
        self.method = PairMethod.PHONE_CODE if self.method is PairMethod.QR else PairMethod.QR
        self._reset()
        self._start(self.method, restart=True)

    def action_retry(self) -> None:
        self._reset()
        self._start(self.method, restart=True)

    async def action_demo_scan(self) -> None:
        # The demo's simulated phone (the host's, when this console is attached to one).
        if not await self.linda.services.demo_phone(self.bot_id, self.method):
            self.notify(
                "The simulated phone found nothing to scan yet — wait for the code to appear.",
                severity="warning",
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return self.phase in ("timed-out", "failed")
        if action == "demo_scan":
            return self.linda.demo and self.phase == "showing"
        return True

    def watch_phase(self) -> None:
        self.refresh_bindings()

    def watch_method(self) -> None:
        self.refresh_bindings()

    def _reset(self) -> None:
        self._drawing = None
        self._code = None
        self._expires_at = None
        self._failure = None
        self.phase = "starting"
        self._redraw()

    # --- drawing -------------------------------------------------------------------
    def on_resize(self, _event: events.Resize) -> None:
        self._redraw()

    def _layout_for(self, drawing: QRDrawing) -> tuple[str, str | None]:
        """("side" | "stacked" | "too-small", message) for the terminal's size now."""
        cols, rows = self.app.size
        if cols >= drawing.width + SIDE_COLUMNS and rows >= drawing.height + FOOTER_ROWS:
            return "side", None
        message = too_small_message(drawing, cols, rows, reserved_rows=FOOTER_ROWS + STACKED_ROWS)
        return ("stacked", None) if message is None else ("too-small", message)

    def _redraw(self) -> None:
        qr = self.query_one(QRView)
        code = self.query_one("#pair-code", Static)
        too_small = self.query_one("#qr-too-small", Static)
        steps = self.query_one("#pair-steps", Static)
        layout = ""
        qr.display = code.display = too_small.display = False
        if self.method is PairMethod.QR:
            steps.update(QR_STEPS)
            if self._drawing is not None and self.phase == "showing":
                layout, message = self._layout_for(self._drawing)
                if message is None:
                    qr.show(self._drawing)
                    qr.display = True
                else:
                    too_small.update(
                        Text.assemble(
                            (f"{message[0].upper()}{message[1:]}.", "bold"),
                            "\n\nPress ",
                            ("c", "bold reverse"),
                            " to pair with a phone code instead.",
                        )
                    )
                    too_small.display = True
        else:
            steps.update(CODE_STEPS)
            if self._code is not None and self.phase == "showing":
                code.update(_big_code(self._code))
                code.display = True
        self._arrange(layout, qr.display, code.display, too_small.display)
        self._show_status()
        self._show_countdown()

    def _arrange(self, qr_layout: str, qr: bool, code: bool, too_small: bool) -> None:
        """The code (or message) beside the instructions when both fit across the
        terminal, else above them; everything but a QR code in a frame; nothing wider
        than the terminal."""
        cols = self.app.size.width
        visual = CODE_COLUMNS if code else TOO_SMALL_COLUMNS if too_small else 0
        fits_across = cols >= visual + SIDE_COLUMNS + FRAME
        layout = qr_layout if qr else "side" if fits_across else "stacked"
        text_only = not (qr or code or too_small)
        inside = cols - (0 if qr else FRAME)  # what the frame leaves
        body = self.query_one("#pair-body")
        side = self.query_one("#pair-side")
        if layout == "stacked":
            body.styles.width = min(inside, STACKED_COLUMNS) + (0 if qr else FRAME)
            side.styles.width = "100%"
        else:
            body.styles.width = "auto"
            side.styles.width = min(TEXT_ONLY_COLUMNS, inside) if text_only else SIDE_COLUMNS
        self.set_class(layout == "stacked", "-stacked")
        self.set_class(not qr, "-framed")
        self.set_class(text_only, "-text-only")

    def _show_status(self) -> None:
        status = self.query_one("#pair-status", Static)
        if self.phase == "starting":
            what = "QR code" if self.method is PairMethod.QR else "phone code"
            text = Text(f"Asking WhatsApp for a {what}…", style="italic")
            bot = self.linda.fleet.status(self.bot_id)
            if bot.state in (BotState.RECONNECTING, BotState.ERROR) and bot.detail:
                text.append(f"\n{printable(bot.detail)}", style="yellow")
            status.update(text)
        elif self.phase == "timed-out":
            status.update(
                Text.assemble(
                    ("⏱ The code expired before a phone used it.", "bold yellow"),
                    "\nPress r to try again, or c to switch method.",
                )
            )
        elif self.phase == "failed":
            status.update(
                Text.assemble(
                    (f"✖ Pairing failed: {printable(self._failure or '')}", "bold red"),
                    "\nPress r to try again.",
                )
            )
        elif self.linda.demo:
            status.update(Text("Demo: press x and the simulated phone links itself.", style="dim"))
        else:
            status.update("")

    def _show_countdown(self) -> None:
        countdown = self.query_one("#pair-countdown", Static)
        drawn = self.query_one(QRView).display or self.query_one("#pair-code").display
        # Nothing to count down without a code on screen (none yet, or a QR code too big
        # to draw here): no line for it either.
        expires_at = self._expires_at
        countdown.display = expires_at is not None and self.phase == "showing" and drawn
        if expires_at is None or not countdown.display:
            return
        left = max(0, round(expires_at - self.linda.clock.monotonic()))
        if self.method is PairMethod.QR:
            what = f"Code {self._qr_index + 1}"
            gone = "expired, renewing…"
        else:
            what = "Phone code"
            gone = "expired"
        countdown.update(
            Text.assemble(
                (what, "bold"),
                f" · expires in {describe_seconds(left)}" if left else f" · {gone}",
            )
        )


def describe_seconds(seconds: int) -> str:
    """A countdown as people read it, short enough for the side panel: "45 s", "2:05"."""
    if seconds <= 60:
        return f"{seconds} s"
    return f"{seconds // 60}:{seconds % 60:02d}"


def _big_code(code: str) -> Text:
    """The phone code large enough to read across a room: spaced, in two groups of four."""
    half = len(code) // 2
    spaced = "  ".join(code[:half]) + "   –   " + "  ".join(code[half:])
    return Text(printable(spaced), style="bold reverse", justify="center")
