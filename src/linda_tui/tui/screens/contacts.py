"""Contacts: find anyone in the synced Google Contacts as you type, see everything Linda
knows of them, send to them, and sync now.

Every keystroke searches the whole store (the running Linda's in-memory index: a few
milliseconds at 100,000 contacts); an empty search lists everyone in name order, a page
at a time. At most one search is under way: keys typed meanwhile make one more search,
for the text as it then is. The results table keeps its rows and rewrites only the cells
that changed. The selected contact's details (every number, as written too, emails,
labels, the bot that owns each number and its reference's sync status, the last
messages) load from the store once the cursor rests. After a sync the searchable
contacts reload, and the results are asked for again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message as UIMessage
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from linda_tui.models import Contact, ContactRef, Direction, Message
from linda_tui.plain_text import count_of
from linda_tui.tui.literal import literal, printable
from linda_tui.tui.screens.pane import PaneScreen
from linda_tui.tui.widgets.line_table import CELL_PADDING, LineTable, cursor_bindings
from linda_tui.tui.widgets.sync_progress import SyncProgressBar
from linda_tui.tui.widgets.text_fields import TextField

if TYPE_CHECKING:
    from linda_tui.contacts.search import SearchHit
    from linda_tui.store.base import Store

log = logging.getLogger("linda.tui")

# A search shows its best this many; an empty search lists everyone this many at a time.
RESULTS = 100
# Browsing in name order: the next page loads when the cursor is this close to the end.
PAGE_AHEAD = 10
# The selected contact's details load once the cursor has rested this long (typing or
# holding an arrow key does not ask the store for each contact passed).
DETAIL_DELAY = 0.08
LAST_MESSAGES = 5
# From this many columns the details sit beside the results; below, under them.
WIDE = 120
FIND_HINT = "a name, a number, an email or label:NAME"

# (key, title) of the results table's columns; their widths follow the table's.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("numbers", "Numbers"),
    ("why", "Matched"),
    ("bot", "Bot"),
)
# Widths of the columns after the name: roomy, and when the name would get too little.
ROOMY = (16, 12, 12)
TIGHT = (14, 8, 9)
MIN_NAME = 16
Cells = tuple[str, str, str, str]
# A search's rows (contact, why it matched) and whether more follow (browsing everyone).
Found = tuple[list[tuple[Contact, str]], bool]


def _browsing(contacts: list[Contact]) -> Found:
    return [(contact, "") for contact in contacts], len(contacts) == RESULTS


def _matches(hits: Sequence[SearchHit]) -> Found:
    return [(hit.contact, hit.kind.reason) for hit in hits], False


def column_widths(width: int, padding: int = 1) -> tuple[int, ...]:
    """The columns' widths in a table ``width`` cells wide: the name takes what the
    others leave (tighter others when that is too little)."""
    room = width - 2 * padding * len(COLUMNS)
    for others in (ROOMY, TIGHT):
        name = room - sum(others)
        if name >= MIN_NAME:
            return (name, *others)
    return (max(8, name), *TIGHT)


class ResultsTable(LineTable):
    """The results, one row per contact (keyed by position); its columns follow its
    width (the name takes what the others leave), so nothing scrolls sideways. A
    LineTable: typing a query changes most rows, and a DataTable redrew each visible
    cell through Rich for it (tens of milliseconds a keystroke at 100,000 contacts)."""

    HEADER: ClassVar[Mapping[str, Text | str]] = dict(COLUMNS)
    BINDINGS: ClassVar[list[BindingType]] = [
        *cursor_bindings("linda.contacts", "contact"),
        Binding("enter", "select", "Send to", show=False, id="linda.contacts.select"),
    ]

    class Selected(UIMessage):
        """Enter on a row."""

        def __init__(self, table: ResultsTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> ResultsTable:
            return self.table

    def fit(self, room: int) -> Mapping[str, int]:
        # A vertical scrollbar's room is kept whether it shows or not: rows coming and
        # going must not reflow the columns.
        width = self.size.width - self.styles.scrollbar_size_vertical
        widths = column_widths(max(width, 0), CELL_PADDING)
        return {key: w for (key, _title), w in zip(COLUMNS, widths, strict=True)}

    def action_select(self) -> None:
        if self.row_count:
            self.post_message(self.Selected(self))


class ContactsScreen(PaneScreen):
    """Search, results, the selected contact's details, the sync's line and progress."""

    CSS_PATH = ["pane.tcss", "contacts.tcss"]

    MODE = "contacts"
    # Focus is placed by on_screen_resume (Textual's auto focus would pick the field
    # anyway, but not back from a dialog as the operator left it).
    AUTO_FOCUS = ""
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012 (typed by Screen)
        (0, "-narrow"),
        (WIDE, "-wide"),
    ]
    BINDINGS = [
        # Not priority bindings: keys typed before them reach the search field first.
        Binding("ctrl+s", "send_to", "Send to", id="linda.contacts.send"),
        Binding("ctrl+r", "sync_now", "Sync now", id="linda.contacts.sync"),
        Binding("escape", "leave_field", "Leave field", id="linda.contacts.leave"),
        Binding("down", "to_results", "Results", id="linda.contacts.results", show=False),
        Binding("slash", "find", "Find", id="linda.contacts.find", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._wanted = ""  # the search field's text, to search for
        self._generation = 0  # counts the times the contacts changed under the results
        self._searching = False  # a search is under way (see _ask)
        self._query: str | None = None  # the query the table shows results of
        self._shown_text: str | None = None  # the same, not forgotten when asked again
        self._contacts: list[Contact] = []  # by row
        self._cells: list[Cells] = []  # by row, as shown
        self._more = False  # browsing: more contacts after the last row
        self._loading_more = False
        self._total: int | None = None  # searchable contacts, once known
        self._owners: dict[str, str | None] = {}  # phone -> owning bot, as last read
        self._detail_timer: Timer | None = None
        self._detail_of: Contact | None = None  # whose details are shown
        self._under_dialog = False

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="contacts-find"):
            yield Label("Find", classes="field-label")
            yield TextField(placeholder=FIND_HINT, id="contacts-query", compact=True)
            yield Static(id="contacts-count")
        yield Static(id="contacts-sync")
        yield SyncProgressBar(id="contacts-progress")
        with Horizontal(id="contacts-main"):
            yield ResultsTable(id="contact-results")
            with VerticalScroll(id="contact-detail"):
                yield Static(id="contact-detail-text")

    def on_mount(self) -> None:
        field = self.query_one("#contacts-query", Input)
        field.cursor_blink = self.linda.cursor_blink
        # Searched for as the field's value changes, in the key's own handler: its
        # Changed message reached the screen only after the field's repaint had, and the
        # screen drew a frame for the key alone first; the results then waited for the
        # frame after (a frame's time later).
        self.watch(field, "value", self._query_changed, init=False)
        self._show_sync_line()
        linda = self.linda
        linda.sync_status_changed.subscribe(self, lambda _line: self._sync_status_changed())
        linda.contacts_reloaded.subscribe(self, self._on_contacts_reloaded)
        linda.message_updates.subscribe(self, self._message_seen)
        self._ask("", again=True)
        self._count_contacts()

    @work(group="contacts-count", exit_on_error=False)
    async def _count_contacts(self) -> None:
        store = self._store()
        if store is None or self._total is not None:
            return
        try:
            total = await store.count_contacts()
        except Exception:
            log.exception("could not count the contacts")
            return
        if self._total is None:  # a reload may have said first
            self._total = total
            self._show_count()

    def on_screen_suspend(self) -> None:
        # Still this pane's mode: a dialog is covering it.
        self._under_dialog = self.app.current_mode == self.MODE

    def on_screen_resume(self) -> None:
        # Arriving on the pane lands in the search field, so typing searches at once;
        # back from a dialog, the focus stays as the operator left it.
        if not self._under_dialog and self.focused is None:
            self.query_one("#contacts-query", Input).focus()
        self._under_dialog = False

    # --- searching ------------------------------------------------------------------
    def _query_changed(self, query: str) -> None:
        self._ask(query)

    def _ask(self, query: str, *, again: bool = False) -> None:
        """Search for query (again: even if its results are on show).

        At once when the index is in memory (a few milliseconds at 100,000 contacts): in
        the handler of the key that changed the text, so that the key and its results
        are drawn in the same frame. Otherwise (the index still loading, or an attached
        console's search going to the host) at most one search is under way: the one
        running then searches for the newest text."""
        self._wanted = query
        if again:
            self._query = None
            # A search already under way may have read the contacts before they changed:
            # its results are stale even for the same text (see _search).
            self._generation += 1
        if self._searching or query == self._query:
            return
        try:
            found = self._find_now(query)
        except Exception as exc:
            log.exception("contact search failed")
            self._show_problem(f"cannot search the contacts: {exc}")
            self._query = query
            return
        if found is None:
            self._searching = True
            self._search()
        else:
            self._show_results(query, *found)

    @work(group="contacts-search", exit_on_error=False)
    async def _search(self) -> None:
        try:
            while True:
                query = self._wanted
                if query == self._query:
                    return
                generation = self._generation
                try:
                    rows, more = await self._find(query)
                except Exception as exc:
                    log.exception("contact search failed")
                    if query == self._wanted:
                        self._show_problem(f"cannot search the contacts: {exc}")
                        self._query = query
                    continue
                if query != self._wanted or generation != self._generation:
                    continue  # typed on, or the contacts changed, meanwhile: again
                self._show_results(query, rows, more)
        finally:
            self._searching = False

    async def _find(self, query: str) -> Found:
        """(contact, why it matched) of the best matches, and whether there are more
        (browsing). An empty query lists everyone in name order."""
        services: Any = self.linda.services
        if not query.strip():
            return _browsing(await services.sorted_contacts(limit=RESULTS, offset=0))
        return _matches(await services.search_hits(query, limit=RESULTS))

    def _find_now(self, query: str) -> Found | None:
        """What _find finds, from the index in memory; None when that takes waiting."""
        services: Any = self.linda.services
        if not query.strip():
            contacts = services.sorted_now(limit=RESULTS, offset=0)
            return None if contacts is None else _browsing(contacts)
        hits = services.search_now(query, limit=RESULTS)
        return None if hits is None else _matches(hits)

    def _show_results(self, query: str, rows: list[tuple[Contact, str]], more: bool) -> None:
        # The same text searched again (the contacts reloaded after a sync): the cursor
        # stays on the contact it was on, never on another one under the operator's eyes.
        new_query = query != self._shown_text
        before = None if new_query else self.selected_contact
        self._query = query
        self._shown_text = query
        self._more = more
        self._set_rows(rows)
        table = self.query_one("#contact-results", ResultsTable)
        if new_query and table.row_count:
            table.cursor_row = 0
            table.scroll_cursor_into_view()
        elif before is not None:
            names = [contact.resource_name for contact in self._contacts]
            if before.resource_name in names:
                table.cursor_row = names.index(before.resource_name)
                table.scroll_cursor_into_view()
        self._show_count()
        self._detail_soon()
        self._read_owners()

    def _set_rows(self, rows: Sequence[tuple[Contact, str]], start: int = 0) -> None:
        """Rows from ``start`` on become these; cells that did not change are left alone,
        rows past the end are removed."""
        table = self.query_one("#contact-results", ResultsTable)
        cells = [self._cells_of(contact, why) for contact, why in rows]
        shown = self._cells
        added = []
        changed = []
        for offset, row in enumerate(cells):
            position = start + offset
            if position < len(shown):
                before = shown[position]
                if before != row:
                    for (key, _title), old, new in zip(COLUMNS, before, row, strict=True):
                        if old != new:
                            changed.append((str(position), key, _cell(key, new)))
            else:
                added.append(
                    (
                        str(position),
                        {k: _cell(k, v) for (k, _t), v in zip(COLUMNS, row, strict=True)},
                    )
                )
        table.update_cells(changed)
        table.add_rows(added)
        table.remove_rows_from(start + len(cells))
        self._cells = shown[:start] + cells
        self._contacts = self._contacts[:start] + [contact for contact, _why in rows]

    def _cells_of(self, contact: Contact, why: str) -> Cells:
        phones = contact.phones
        numbers = list(phones) + list(contact.raw_phones)
        shown = numbers[0] if numbers else "—"
        if len(numbers) > 1:
            shown += f" +{len(numbers) - 1}"
        owner = next((self._owners[p] for p in phones if self._owners.get(p)), None)
        return (contact.display_name or "(no name)", shown, why, owner or "")

    def _show_count(self) -> None:
        count = self.query_one("#contacts-count", Static)
        rows = len(self._contacts)
        query = self._query or ""
        if not query.strip():
            total = self._total
            if total is None:
                text = f"{rows:,}{'+' if self._more else ''} contacts"
            else:
                text = f"{total:,} contacts"
        elif rows >= RESULTS:
            text = f"best {RESULTS} — type more"
        else:
            text = count_of(rows, "match", "matches")
        # Its width is fixed (contacts.tcss): never a layout of the screen for it.
        count.update(Text(text), layout=False)
        if not rows:
            self._show_empty(query)

    def _show_problem(self, problem: str) -> None:
        self.query_one("#contacts-count", Static).update(Text("search failed"), layout=False)
        self.query_one("#contact-detail-text", Static).update(literal(f"✖ {problem}", "bold red"))

    def _show_empty(self, query: str) -> None:
        text = Text()
        if query.strip():
            text.append("No contact matches ")
            text.append(printable(repr(query.strip())), style="bold")
            text.append(
                ".\n\nSearch forgives case, accents, Arabic spellings and a typo; "
                "numbers match in any form or by their last digits."
            )
        else:
            text.append("No contacts yet.\n\n")
            text.append(printable(self.linda.sync_status), style="italic")
            text.append("\n\nctrl+r syncs Google Contacts now.")
        self._detail_of = None
        self.query_one("#contact-detail-text", Static).update(text)

    # --- browsing: the next page of everyone ------------------------------------------
    @on(ResultsTable.Highlighted, "#contact-results")
    def _row_highlighted(self, event: ResultsTable.Highlighted) -> None:
        self._detail_soon()
        cursor = self.query_one("#contact-results", ResultsTable).cursor_row
        if self._more and not self._loading_more and cursor >= len(self._contacts) - PAGE_AHEAD:
            self._loading_more = True
            self._next_page(self._query or "", len(self._contacts))

    @work(group="contacts-page", exit_on_error=False)
    async def _next_page(self, query: str, offset: int) -> None:
        try:
            services: Any = self.linda.services
            contacts = await services.sorted_contacts(limit=RESULTS, offset=offset)
        except Exception:
            log.exception("could not list more contacts")
            return
        finally:
            self._loading_more = False
        if query != self._query or offset != len(self._contacts):
            return  # the results changed meanwhile
        self._more = len(contacts) == RESULTS
        self._set_rows([(c, "") for c in contacts], start=offset)
        self._show_count()
        self._read_owners()

    # --- owners (the Bot column) -------------------------------------------------------
    @work(exclusive=True, group="contacts-owners", exit_on_error=False)
    async def _read_owners(self) -> None:
        store = self._store()
        if store is None:
            return
        unknown = [p for c in self._contacts for p in c.phones if p not in self._owners]
        if not unknown:
            return
        try:
            owners = await store.owners_of(unknown)
        except Exception:
            log.exception("could not read the contacts' owners")
            return
        for phone in unknown:
            self._owners[phone] = owners.get(phone)
        table = self.query_one("#contact-results", ResultsTable)
        for position, contact in enumerate(self._contacts):
            owner = next((o for p in contact.phones if (o := self._owners.get(p))), "")
            cells = self._cells[position]
            if cells[3] != owner:
                self._cells[position] = (*cells[:3], owner)
                table.update_cell(str(position), "bot", _cell("bot", owner))

    def _message_seen(self, message: Message) -> None:
        # A first message from (or to) a number can make a bot its owner.
        self._owners.pop(message.peer, None)
        shown = self._detail_of
        if shown is not None and message.peer in shown.phones:
            self._detail_soon(force=True)

    def _on_contacts_reloaded(self, count: int) -> None:
        self._total = count
        self._owners.clear()
        self._ask(self._wanted, again=True)

    # --- the selected contact's details -------------------------------------------------
    @property
    def selected_contact(self) -> Contact | None:
        """The contact under the results' cursor."""
        table = self.query_one("#contact-results", ResultsTable)
        row = table.cursor_row
        if not table.row_count or not 0 <= row < len(self._contacts):
            return None
        return self._contacts[row]

    def _detail_soon(self, *, force: bool = False) -> None:
        contact = self.selected_contact
        if contact is self._detail_of and not force:
            return
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY, self._load_detail, name="contact-detail")

    def _load_detail(self) -> None:
        self._detail_timer = None
        contact = self.selected_contact
        if contact is None:
            return
        self._detail_of = contact
        self._read_detail(contact)

    @work(exclusive=True, group="contact-detail", exit_on_error=False)
    async def _read_detail(self, contact: Contact) -> None:
        refs: dict[str, ContactRef | None] = {}
        messages: list[Message] = []
        problem = None
        store = self._store()
        if store is not None:
            try:
                for phone in contact.phones:
                    refs[phone] = await store.owner_of(phone)
                for phone in contact.phones:
                    messages += await store.list_messages(peer=phone, limit=LAST_MESSAGES)
            except Exception as exc:
                log.exception("could not read a contact's details")
                problem = f"cannot read the store: {exc}"
        messages.sort(key=lambda m: m.created_at, reverse=True)
        if contact is not self.selected_contact:
            # The rows changed meanwhile: the details follow the cursor's contact now.
            self._detail_of = None
            self._detail_soon()
            return
        text = describe_contact(contact, refs, messages[:LAST_MESSAGES], self.linda.timezone)
        if problem:
            text.append(f"\n✖ {printable(problem)}", style="bold red")
        self.query_one("#contact-detail-text", Static).update(text)

    def _store(self) -> Store | None:
        return getattr(self.linda.services, "store", None)

    # --- actions ---------------------------------------------------------------------------
    def action_to_results(self) -> None:
        table = self.query_one("#contact-results", ResultsTable)
        if table.row_count:
            table.focus()

    @on(Input.Submitted, "#contacts-query")
    def _query_submitted(self) -> None:
        self.action_to_results()

    @on(ResultsTable.Selected, "#contact-results")
    async def _row_selected(self) -> None:
        await self.action_send_to()

    def action_find(self) -> None:
        self.query_one("#contacts-query", Input).focus()

    def action_leave_field(self) -> None:
        # With no field focused, the number keys switch panes again.
        self.set_focus(None)

    async def action_send_to(self) -> None:
        """Open Compose with the selected contact's number in To."""
        contact = self.selected_contact
        if contact is None:
            self.notify("no contact selected — find one first", severity="warning")
            return
        phone = number_to_send_to(contact, self._query or "")
        if phone is None:
            written = (
                f" (only {', '.join(contact.raw_phones)} as written)" if contact.raw_phones else ""
            )
            self.notify(
                f"{contact.display_name or 'this contact'} has no number WhatsApp can reach"
                f"{written} — correct it in Google Contacts, then sync",
                severity="warning",
            )
            return
        from linda_tui.tui.screens.compose import ComposeScreen

        await self.app.switch_mode("compose")
        screen = self.app.screen
        if isinstance(screen, ComposeScreen):
            screen.prefill_to(phone)

    def action_sync_now(self) -> None:
        from linda_tui.tui.sync_now import sync_now

        sync_now(self.linda)

    def on_resize(self, _event: events.Resize) -> None:
        self._show_sync_line()  # its fullest form that fits the new width

    def _sync_status_changed(self) -> None:
        self._show_sync_line()
        if self._query is not None and not self._query.strip() and not self._contacts:
            self._show_empty("")  # "No contacts yet" quotes the sync's line

    def _show_sync_line(self) -> None:
        line = self.linda.sync_line(self.app.size.width - 2)  # the line's padding aside
        self.query_one("#contacts-sync", Static).update(
            literal(line, no_wrap=True, overflow="ellipsis"), layout=False
        )


@lru_cache(maxsize=4096)
def _cell(key: str, value: str) -> Text:
    """A results cell: outside text, shown as written, cut to its column. Kept for the
    next keystrokes (most of their results are the same people); never changed after."""
    style = "dim" if key == "why" else ""
    return literal(value, style, no_wrap=True, overflow="ellipsis")


def number_to_send_to(contact: Contact, query: str) -> str | None:
    """The number "send to" uses: the one the query's digits found, else the first.
    None when the contact has no number WhatsApp can reach."""
    phones = contact.phones
    if not phones:
        return None
    # int() reads every script's decimal digits (Arabic-Indic too); a leading 0 or 00 is
    # a local or international prefix, not part of the number.
    wanted = "".join(str(int(ch)) for ch in query if ch.isdecimal()).lstrip("0")
    if len(wanted) >= 3:
        for phone in phones:
            if wanted in phone:
                return phone
    return phones[0]


def describe_contact(
    contact: Contact,
    refs: dict[str, ContactRef | None],
    messages: Sequence[Message],
    timezone: Any,
) -> Text:
    """The details of one contact, compact enough for 80x24: every number (with the bot
    that owns it and its reference's sync status), the numbers kept as written, emails,
    labels, and the last messages with them. Every value from outside is shown literally."""
    text = Text(overflow="fold")
    text.append(printable(contact.display_name or "(no name)"), style="bold")
    for other in contact.names[1:]:
        text.append(f" (also {printable(other)})", style="dim")
    if not contact.phones and not contact.raw_phones:
        text.append("\nno number", style="dim")
    for phone in contact.phones:
        text.append(f"\n{printable(phone)}")
        ref = refs.get(phone)
        if ref is None:
            text.append("  no bot yet", style="dim")
        else:
            text.append(f"  {printable(ref.bot_id)}", style="bold")
            text.append(f" · {_ref_status(ref, timezone)}", style="dim")
    for raw in contact.raw_phones:
        text.append(f"\n{printable(raw)}")
        text.append("  as written, not a number WhatsApp can reach", style="italic dim")
    for email in contact.emails:
        text.append(f"\n{printable(email)}")
    if contact.labels:
        text.append("\nLabels ", style="bold")
        text.append(" · ".join(printable(label) for label in contact.labels))
    text.append("\nLast messages", style="bold")
    if not messages:
        text.append(" none yet", style="dim")
    for message in messages:
        when = message.created_at.astimezone(timezone).strftime("%d %b %H:%M")
        arrow = "→" if message.direction is Direction.OUT else "←"
        text.append(f"\n{when} ", style="dim")
        text.append(f"{printable(message.bot_id)} {arrow} ")
        text.append(printable(_one_line(message.text, 60)))
    return text


def _ref_status(ref: ContactRef, timezone: Any) -> str:
    status = str(ref.sync_status)
    if ref.last_sync is not None:
        status += f" {_when(ref.last_sync, timezone)}"
    if ref.error:
        status += f" ({ref.error})"
    return printable(status)


def _when(at: datetime, timezone: Any) -> str:
    return at.astimezone(timezone).strftime("%d %b %H:%M")


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
