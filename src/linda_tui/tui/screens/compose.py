"""Compose: pick the sending bot, a recipient (validated as you type) and a text;
then watch the message's status move: sent, delivered, read — or failed, with why.

``ctrl+t`` switches to the broadcast mode (widgets.broadcast_form), loaded the first time
it is asked for: one template to many recipients, with its dry run as you type."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import (
    Button,
    ContentSwitcher,
    DataTable,
    Input,
    Label,
    Select,
    Static,
    TextArea,
)

from linda_tui import models
from linda_tui.fleet.manager import ALL, AUTO, MAX_TEXT, FleetCommandError, SendResult
from linda_tui.models import STATUS_RANK, BotState, Direction
from linda_tui.tui.activity import Kind
from linda_tui.tui.literal import literal
from linda_tui.tui.screens.pane import PaneScreen
from linda_tui.tui.widgets.state_label import state_text, status_text
from linda_tui.tui.widgets.text_fields import TextBox, TextField

if TYPE_CHECKING:
    from linda_tui.tui.widgets.broadcast_form import BroadcastForm

TO_HINT = "a number like +971501234567, or a contact's name"
ONE_MESSAGE, BROADCAST = "one-message", "broadcast"


class ComposeModeLine(Widget):
    """``One message │ Broadcast   ctrl+t switches``: the mode on show; a click on the
    other one switches to it."""

    DEFAULT_CSS = """
    ComposeModeLine {
        height: 1;
        padding: 0 1;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.mode = ONE_MESSAGE

    def show_mode(self, mode: str) -> None:
        self.mode = mode
        self.refresh()

    def render(self) -> RenderResult:
        line = Text(no_wrap=True, overflow="ellipsis")
        for mode, title in ((ONE_MESSAGE, "One message"), (BROADCAST, "Broadcast")):
            if mode == self.mode:
                line.append(f"[{title}]", style="bold reverse")
            else:
                line.append(f" {title} ", style="dim")
            line.append(" ")
        line.append(" ctrl+t switches", style="dim")
        return line

    async def on_click(self, event: events.Click) -> None:
        # "[One message] " takes 14 cells: a click right of it means Broadcast.
        wanted = BROADCAST if event.x >= 14 else ONE_MESSAGE
        if wanted != self.mode and isinstance(self.screen, ComposeScreen):
            event.stop()
            await self.screen.switch_to(wanted)


class ComposeScreen(PaneScreen):
    """Send one message; the table below follows every message sent from here."""

    # A short terminal (80x24) gets a shorter broadcast template box.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # noqa: RUF012 (typed by Screen)

    CSS_PATH = ["pane.tcss", "compose.tcss"]

    MODE = "compose"
    # Focus is placed by on_screen_resume (Textual's auto focus would pick From).
    AUTO_FOCUS = ""
    BINDINGS = [
        # Not a priority binding: a priority key runs before the keys queued ahead of it,
        # so text typed (or pasted) together with ctrl+s would be sent cut short. This way
        # ctrl+s reaches the screen after the field has taken every key before it.
        Binding("ctrl+s", "send", "Send", id="linda.compose.send"),
        Binding("ctrl+s", "create_campaign", "Create & start", id="linda.compose.create"),
        # A priority key, the other way round: the switch (and the focus it moves) must
        # be done before the keys typed after ctrl+t are handed to a field, or they would
        # land in the mode it hides. Keys typed before it are already in their field.
        Binding(
            "ctrl+t",
            "switch_to('broadcast')",
            "Broadcast",
            id="linda.compose.broadcast",
            priority=True,
        ),
        Binding(
            "ctrl+t",
            "switch_to('one-message')",
            "One message",
            id="linda.compose.one_message",
            priority=True,
        ),
        Binding("escape", "leave_field", "Leave field", id="linda.compose.leave"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._recipient: str | None = None  # E.164 once the To field is valid
        self._to_problem: str = TO_HINT
        self._checked_to = ""  # the To field's text as last checked
        # Latest status seen per (bot, WhatsApp id): receipts may beat the send's reply.
        self._latest: OrderedDict[tuple[str, str], models.Message] = OrderedDict()
        self._rows: dict[tuple[str, str], str] = {}
        self._from_states: dict[str, BotState] = {}  # as the From list shows them
        self._under_dialog = False
        self.mode = ONE_MESSAGE
        self.broadcast_form: BroadcastForm | None = None  # made the first time it is shown

    def compose_body(self) -> ComposeResult:
        yield ComposeModeLine()
        with ContentSwitcher(initial=ONE_MESSAGE, id="compose-modes"):
            with Vertical(id=ONE_MESSAGE):
                yield from self._compose_one_message()

    def _compose_one_message(self) -> ComposeResult:
        with Vertical(id="compose-form"):
            with Horizontal(classes="field"):
                yield Label("From", classes="field-label")
                yield Select(
                    self._from_options(), value=AUTO, allow_blank=False, id="from", compact=True
                )
            with Horizontal(classes="field"):
                yield Label("To", classes="field-label")
                yield TextField(
                    placeholder="+971501234567 or a contact's name", id="to", compact=True
                )
            yield Static(Text(TO_HINT, style="dim"), id="to-reason")
            yield TextBox(id="text", soft_wrap=True, show_line_numbers=False)
            with Horizontal(id="compose-actions"):
                yield Static(id="char-count")
                yield Button("Send (ctrl+s)", id="send", variant="primary", compact=True)
        table: DataTable[Text | str] = DataTable(id="sent", cursor_type="row")
        table.border_title = "Sent from here"
        yield table

    def on_mount(self) -> None:
        blink = self.linda.cursor_blink
        self.query_one("#to", Input).cursor_blink = blink
        text = self.query_one("#text", TextArea)
        text.cursor_blink = blink
        text.border_title = "Message"
        table = self.query_one("#sent", DataTable)
        table.add_column("Time", key="time", width=8)
        table.add_column("From", key="bot", width=12)
        table.add_column("To", key="to", width=13)
        table.add_column("Status", key="status")
        self._show_count()
        self.linda.message_updates.subscribe(self, self._on_message_updated)
        self.linda.bots_changed.subscribe(self, self._on_bots_changed)
        self.watch(self.query_one("#from", Select), "expanded", self._from_list_toggled)
        self.linda.compose_pane = self

    # --- the From list: every bot with its state, kept up to date ------------------
    def _from_options(self) -> list[tuple[Text, str]]:
        statuses = self.linda.fleet.statuses()
        self._from_states = {s.id: s.state for s in statuses}
        options = [
            (Text("auto — Linda picks the bot"), AUTO),
            (Text("all online bots"), ALL),
        ]
        for status in statuses:
            option = literal(f"{status.bot.name} ({status.id}) ")
            option.append_text(state_text(status.state))
            options.append((option, status.id))
        return options

    def _on_bots_changed(self, _bot_ids: frozenset[str]) -> None:
        states = {s.id: s.state for s in self.linda.fleet.statuses()}
        select = self.query_one("#from", Select)
        # Not while the list is open under the operator's cursor: when it closes.
        if states != self._from_states and not select.expanded:
            chosen = select.value
            select.set_options(self._from_options())  # resets the choice: put it back
            select.value = chosen

    def _from_list_toggled(self, expanded: bool) -> None:
        if not expanded:
            self._on_bots_changed(frozenset())

    # --- the two modes: one message, a broadcast -------------------------------------
    async def switch_to(self, mode: str) -> None:
        """Show one mode of Compose (the broadcast form is made the first time)."""
        if mode == BROADCAST and self.broadcast_form is None:
            from linda_tui.tui.widgets.broadcast_form import BroadcastForm

            self.broadcast_form = BroadcastForm(id=BROADCAST)
            await self.query_one(ContentSwitcher).add_content(self.broadcast_form)
        self._show_mode(mode)

    def _show_mode(self, mode: str) -> None:
        self.mode = mode
        self.query_one(ContentSwitcher).current = mode
        self.query_one(ComposeModeLine).show_mode(mode)
        if mode == BROADCAST and self.broadcast_form is not None:
            self.broadcast_form.focus_first()
        else:
            # At once, not later (Widget.focus): see the ctrl+t bindings.
            self.set_focus(self.query_one("#to", Input))
        self.refresh_bindings()

    async def action_switch_to(self, mode: str) -> None:
        await self.switch_to(mode)

    def action_create_campaign(self) -> None:
        if self.broadcast_form is not None:
            self.broadcast_form.create()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Each key does what the mode on show means by it (one binding each is shown).
        if action == "send":
            return self.mode == ONE_MESSAGE
        if action == "create_campaign":
            return self.mode == BROADCAST
        if action == "switch_to":
            return bool(parameters) and parameters[0] != self.mode
        return True

    def unsent_work(self) -> str | None:
        """What leaving now would lose: a send under way, or a draft not sent."""
        if self.broadcast_form is not None:
            broadcast = self.broadcast_form.unsent_work()
            if broadcast is not None:
                return broadcast
        if any(
            worker.group == "compose-send" and not worker.is_finished for worker in self.app.workers
        ):
            return "A message is being sent from Compose"
        draft = self.query_one("#text", TextArea).text
        if draft.strip():
            return f"Compose holds a draft of {len(draft):,} characters, not sent"
        return None

    def drafts(self) -> str | None:
        """The text typed and not sent (a message with its recipient, a broadcast's name
        and template), as plain text to keep when the console must leave; None if none."""
        kept = []
        message = self.query_one("#text", TextArea).text
        if message.strip():
            to = self.query_one("#to", Input).value.strip()
            kept.append(f"Message to {to or '(no recipient)'}:\n{message}")
        if self.broadcast_form is not None:
            template = self.broadcast_form.query_one("#bc-template", TextArea).text
            if template.strip():
                name = self.broadcast_form.query_one("#bc-name", Input).value.strip()
                kept.append(f"Broadcast {name or '(no name)'}, template:\n{template}")
        return "\n\n".join(kept) + "\n" if kept else None

    def on_screen_suspend(self) -> None:
        # Still this pane's mode: a dialog (e.g. "Quit Linda?") is covering it.
        self._under_dialog = self.app.current_mode == self.MODE

    def on_screen_resume(self) -> None:
        # Arriving on the pane (2, the palette) lands on the recipient, so that a number
        # typed next goes into it instead of switching panes digit by digit. Back from a
        # dialog, the focus stays as the operator left it.
        if not self._under_dialog and self.focused is None:
            if self.mode == BROADCAST and self.broadcast_form is not None:
                self.broadcast_form.focus_first()
            else:
                self.query_one("#to", Input).focus()
        self._under_dialog = False

    def preselect(self, bot_id: str) -> None:
        """Open with a bot chosen as the sender (the dashboard's "send from")."""
        if self.mode != ONE_MESSAGE:
            self._show_mode(ONE_MESSAGE)
        self.query_one("#from", Select).value = bot_id
        self.query_one("#to", Input).focus()

    def prefill_to(self, phone: str) -> None:
        """Open with this number in To (the Contacts pane's "send to"), ready for the text:
        in the one-message mode, whichever mode Compose was left in."""
        if self.mode != ONE_MESSAGE:
            self._show_mode(ONE_MESSAGE)
        to = self.query_one("#to", Input)
        to.value = phone
        to.cursor_position = len(phone)
        self._check_to()
        self.query_one("#text", TextArea).focus()

    # --- the To field, validated as you type ---------------------------------------
    @on(Input.Changed, "#to")
    def _to_changed(self) -> None:
        self._check_to()

    def _check_to(self) -> None:
        """Check what the To field holds now (not what a queued Changed message says:
        a send may come before the messages of the last keys)."""
        value = self.query_one("#to", Input).value.strip()
        if value == self._checked_to:
            return
        self._checked_to = value
        self._recipient = None
        if not value:
            self._show_to(None, TO_HINT)
            return
        try:
            phone = self.linda.fleet.normalise_phone(value)
        except FleetCommandError as exc:
            if any(ch.isalpha() for ch in value):
                self._to_problem = f"still looking {value!r} up in the contacts"
                self._find_contact(value)
            else:
                self._show_to(None, str(exc))
            return
        self._show_to(phone, f"✓ {phone}")

    @work(exclusive=True, group="compose-contact", exit_on_error=False)
    async def _find_contact(self, query: str) -> None:
        try:
            hits = await self.linda.services.search_hits(query, limit=20)
        except Exception as exc:
            hits = None
            problem = f"cannot search contacts: {exc}"
        if query != self._checked_to:
            return  # the field has changed since: its own check speaks for it
        if hits is None:
            self._show_to(None, problem)
            return
        reachable = [hit for hit in hits if hit.contact.phones]
        # The best matches only: "qzaq" is the contact called that, even if a typo away
        # there are others (the search forgives typos; choosing a recipient must not).
        best = [hit for hit in reachable if hit.kind == reachable[0].kind] if reachable else []
        with_phone = [hit.contact for hit in best]
        if len(with_phone) == 1:
            contact = with_phone[0]
            self._show_to(contact.phones[0], f"✓ {contact.display_name} — {contact.phones[0]}")
        elif with_phone:
            names = ", ".join(c.display_name for c in with_phone[:3])
            self._show_to(None, f"{len(with_phone):,} contacts match ({names}) — type more")
        else:
            self._show_to(None, f"no contact matches {query!r} — {TO_HINT}")

    def _show_to(self, phone: str | None, message: str) -> None:
        self._recipient = phone
        self._to_problem = message
        reason = self.query_one("#to-reason", Static)
        # The message quotes what was typed, a contact's name or an error: never markup.
        if phone is not None:
            reason.update(literal(message, style="green"))
        elif message == TO_HINT:
            reason.update(literal(message, style="dim"))
        else:
            reason.update(literal(f"✖ {message}", style="bold red"))

    # --- the text -----------------------------------------------------------------
    @on(TextArea.Changed, "#text")
    def _show_count(self) -> None:
        length = len(self.query_one("#text", TextArea).text)
        count = self.query_one("#char-count", Static)
        if length > MAX_TEXT:
            over = length - MAX_TEXT
            count.update(
                Text(
                    f"✖ {length:,} / {MAX_TEXT:,} characters — too long: cut {over:,}",
                    style="bold red",
                )
            )
        else:
            count.update(Text(f"{length:,} / {MAX_TEXT:,} characters", style="dim"))

    # --- sending ------------------------------------------------------------------
    @on(Button.Pressed, "#send")
    def _send_pressed(self) -> None:
        self.action_send()

    def action_leave_field(self) -> None:
        # With no field focused, the number keys switch panes again.
        self.set_focus(None)

    def action_send(self) -> None:
        text = self.query_one("#text", TextArea).text
        self._check_to()
        if self._recipient is None:
            self._refuse(f"cannot send: {self._to_problem}")
            self.query_one("#to", Input).focus()
            return
        try:
            self.linda.fleet.check_text(text)
        except FleetCommandError as exc:
            self._refuse(str(exc))
            self.query_one("#text", TextArea).focus()
            return
        bot = self.query_one("#from", Select).value
        self._send(self._recipient, text, str(bot))

    def _refuse(self, reason: str) -> None:
        self.notify(reason, title="Not sent", severity="error")
        self.linda.record(Kind.ERROR, f"not sent: {reason}")

    @work(group="compose-send", exit_on_error=False)
    async def _send(self, to: str, text: str, bot: str) -> None:
        try:
            results = await self.linda.fleet.send(to, text, bot)
        except FleetCommandError as exc:
            self._refuse(str(exc))
            return
        except Exception as exc:
            self._refuse(f"unexpected error: {exc}")
            return
        self.query_one("#text", TextArea).clear()
        for result in results:
            self._add_row(result)
        sent = [r for r in results if r.ok]
        if sent:
            bots = ", ".join(r.bot_id for r in sent)
            self.notify(f"Sent to {to} from {bots}", title="Sent")
        for unsure in (r for r in results if r.uncertain):
            # Neither sent nor failed: pressing send again could message them twice.
            self.notify(
                f"{unsure.bot_id}: the message may have been delivered ({unsure.error}) — "
                "check with the contact before sending it again",
                title="Not confirmed",
                severity="warning",
                markup=False,
            )
        for failed in (r for r in results if not r.ok and not r.uncertain):
            self.notify(
                f"{failed.bot_id} could not send: {failed.error}",
                title="Not sent",
                severity="error",
                markup=False,
            )

    def _add_row(self, result: SendResult) -> None:
        message = result.message
        if message is None:
            return
        key = (result.bot_id, result.wa_id or f"failed-{message.id}")
        latest = self._latest.get(key)
        if latest is not None and STATUS_RANK[latest.status] > STATUS_RANK[message.status]:
            message = latest
        row_key = f"{key[0]}:{key[1]}"
        if row_key in self.query_one("#sent", DataTable).rows:
            return
        self._rows[key] = row_key
        table = self.query_one("#sent", DataTable)
        when = message.created_at.astimezone(self.linda.timezone).strftime("%H:%M:%S")
        table.add_row(
            when,
            literal(result.bot_id),
            literal(result.to),
            status_text(message.status, message.error),
            key=row_key,
        )
        table.move_cursor(row=table.row_count - 1)

    def _on_message_updated(self, message: models.Message) -> None:
        if message.direction is not Direction.OUT or not message.wa_id:
            return
        key = (message.bot_id, message.wa_id)
        known = self._latest.get(key)
        if known is not None and STATUS_RANK[known.status] > STATUS_RANK[message.status]:
            return
        self._latest[key] = message
        self._latest.move_to_end(key)
        while len(self._latest) > 1000:
            self._latest.popitem(last=False)
        row_key = self._rows.get(key)
        if row_key is not None:
            self.query_one("#sent", DataTable).update_cell(
                row_key, "status", status_text(message.status, message.error), update_width=True
            )
