"""Compose's broadcast mode: one template, many recipients.

The operator names the campaign, picks who gets it (a CSV file, with its phone column
found or named; a contact search; a label; every synced contact), writes the template,
and chooses the bots and the pace. Every change brings a new dry run, a moment after the
last key: how many get it and who is left out (invalid, duplicate, opted out, the same
text in 24 h), the plan per bot, the estimated finish, the invalid lines, and the first
messages as their recipients will read them. A template that cannot be used says why on
one line, with its position. ``ctrl+s`` plans once more from a fresh read of the source,
asks, then saves the campaign and starts it.

The dry run is the broadcast package's own (``plan_broadcast``), run in a thread: a
100,000-row CSV is read, checked and planned while the console goes on drawing and
taking keys (the store is still used on the loop, through ``OnLoop``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from linda_tui.fleet.status import describe_duration
from linda_tui.models import ALL_BOTS, BotChoice
from linda_tui.plain_text import count_of
from linda_tui.tui.activity import Kind
from linda_tui.tui.literal import literal, printable
from linda_tui.tui.off_loop import OnLoop, in_thread
from linda_tui.tui.widgets.text_fields import TextBox, TextField

if TYPE_CHECKING:
    from linda_tui.broadcast.audience import Audience
    from linda_tui.broadcast.plan import BroadcastPlan
    from linda_tui.models import Campaign
    from linda_tui.tui.app import LindaApp

# A dry run starts this long after the last change (a key, a choice).
DEBOUNCE_SECONDS = 0.35
# The create button, and what it says while a campaign is being created.
CREATE = "Create & start (ctrl+s)"
CREATING = "Creating…"
NARROW_FORM = 80  # cells: below this the audience row gives the path the room
# Invalid lines listed in the dry run before "and N more".
INVALID_SHOWN = 3

# Where the recipients come from: (value, what the list shows, the source field's hint).
CSV, QUERY, LABEL, EVERYONE = "csv", "query", "label", "all"
SOURCES: tuple[tuple[str, str, str], ...] = (
    (CSV, "CSV file", "path of a CSV file, e.g. ~/clients.csv"),
    (QUERY, "Contact search", "a search, as in Contacts: a name, a number, label:VIP"),
    (LABEL, "Label", "a Google Contacts label, e.g. VIP"),
    (EVERYONE, "Every contact", "every synced contact with a number"),
)
_HINT = {value: hint for value, _title, hint in SOURCES}


@dataclass(frozen=True)
class Draft:
    """What the form holds: everything a dry run or a create needs."""

    name: str
    source: str  # CSV, QUERY, LABEL or EVERYONE
    where: str  # the CSV path, the search or the label
    phone_column: str
    template: str
    bots: str  # "all", or ids separated by commas
    pace: str

    @property
    def bot_choice(self) -> BotChoice:
        text = self.bots.strip()
        if text in ("", ALL_BOTS):
            return ALL_BOTS
        return tuple(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))

    def audience_key(self) -> tuple[str, ...]:
        """What the audience depends on (the template, the bots and the pace do not)."""
        if self.source == CSV:
            return (CSV, self.where.strip(), self.phone_column.strip())
        return (self.source, self.where.strip())


class DraftProblem(Exception):
    """The draft cannot be planned: ``field`` says where to show it (one line)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class DryRun:
    """A dry run's outcome: the plan, or the problem and where it belongs."""

    draft: Draft
    audience: Audience | None = None
    plan: BroadcastPlan | None = None
    problem: DraftProblem | None = None


class BroadcastForm(Vertical):
    """The broadcast mode of Compose (see the module's docstring)."""

    DEFAULT_CSS = """
    BroadcastForm {
        height: 1fr;
        padding: 0 1;
    }
    BroadcastForm .bc-row {
        height: 1;
    }
    BroadcastForm .bc-label {
        width: 10;
        text-style: bold;
    }
    BroadcastForm .bc-label-inline {
        width: auto;
        padding: 0 1;
        text-style: bold;
    }
    #bc-source {
        width: 20;
    }
    #bc-where, #bc-name, #bc-bots {
        width: 1fr;
    }
    #bc-column {
        width: 16;
    }
    /* Narrow (60 columns): the path keeps the room, the column field and the source
       list give theirs ("found by name" still says what the column field is). */
    BroadcastForm.-narrow #bc-source {
        width: 14;
    }
    BroadcastForm.-narrow #bc-column {
        width: 9;
    }
    BroadcastForm.-narrow #bc-pace {
        width: 20;
    }
    #bc-pace {
        width: 28;
    }
    .bc-status {
        height: auto;  /* a problem and its fix wrap under their field, never cut */
        padding-left: 10;
    }
    #bc-template {
        height: 6;
        min-height: 4;
    }
    #bc-summary-box {
        height: 1fr;
        min-height: 3;
        border-top: solid $primary-muted;
        border-title-align: left;
    }
    #bc-actions {
        height: 1;
        align-horizontal: right;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._debounce: Timer | None = None
        self._planning = False  # a dry run is under way (one at a time)
        self._again = False  # something changed meanwhile: run again when it is done
        self._audiences: dict[tuple[str, ...], tuple[object, Audience]] = {}
        self.latest: DryRun | None = None
        self._creating = False

    @property
    def creating(self) -> bool:
        """A campaign is being created: its source read again and planned (a few
        seconds for 100,000 rows), asked about, saved. The button says so meanwhile."""
        return self._creating

    @creating.setter
    def creating(self, value: bool) -> None:
        self._creating = value
        if self.is_attached:
            self.query_one("#bc-create", Button).label = CREATING if value else CREATE

    @property
    def linda(self) -> LindaApp:
        return cast("LindaApp", self.app)

    # --- the form ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(classes="bc-row"):
            yield Label("Name", classes="bc-label")
            yield TextField(placeholder="what to call the campaign", id="bc-name", compact=True)
        with Horizontal(classes="bc-row"):
            yield Label("Audience", classes="bc-label")
            yield Select(
                [(Text(title), value) for value, title, _hint in SOURCES],
                value=CSV,
                allow_blank=False,
                id="bc-source",
                compact=True,
            )
            yield TextField(placeholder=_HINT[CSV], id="bc-where", compact=True)
            yield Label("Column", classes="bc-label-inline", id="bc-column-label")
            yield TextField(placeholder="found by name", id="bc-column", compact=True)
        yield Static(id="bc-audience", classes="bc-status")
        yield TextBox(id="bc-template", soft_wrap=True, show_line_numbers=False)
        yield Static(id="bc-template-status", classes="bc-status")
        with Horizontal(classes="bc-row"):
            yield Label("Bots", classes="bc-label")
            yield TextField(value=ALL_BOTS, placeholder="all, or ids: main,agent-1", id="bc-bots")
            yield Label("Pace", classes="bc-label-inline")
            yield Select(self._paces(), value="standard", allow_blank=False, id="bc-pace")
        with VerticalScroll(id="bc-summary-box") as box:
            box.border_title = "Dry run"
            yield Static(id="bc-summary")
        with Horizontal(id="bc-actions"):
            yield Button(CREATE, id="bc-create", variant="primary", compact=True)

    def _paces(self) -> list[tuple[Text, str]]:
        from linda_tui.broadcast.pacing import PACE_PROFILES

        return [
            (Text(f"{p.name} — {p.description}", no_wrap=True, overflow="ellipsis"), p.name)
            for p in PACE_PROFILES.values()
            if not p.demo_only or self.linda.demo
        ]

    def on_mount(self) -> None:
        blink = self.linda.cursor_blink
        for field in self.query(Input):
            field.cursor_blink = blink
            field.compact = True
        self.query_one("#bc-pace", Select).compact = True
        template = self.query_one("#bc-template", TextArea)
        template.cursor_blink = blink
        template.border_title = "Template: {first_name|there}, {city}, [[Hi|Hello]]"
        self._show_status("#bc-audience", None, "pick who gets it")
        self._show_status("#bc-template-status", None, "write the message")
        self.query_one("#bc-summary", Static).update(
            Text("The dry run shows here as you type.", style="dim")
        )

    def draft(self) -> Draft:
        """The form's content now (not what queued Changed messages say)."""
        return Draft(
            name=self.query_one("#bc-name", Input).value,
            source=str(self.query_one("#bc-source", Select).value),
            where=self.query_one("#bc-where", Input).value,
            phone_column=self.query_one("#bc-column", Input).value,
            template=self.query_one("#bc-template", TextArea).text,
            bots=self.query_one("#bc-bots", Input).value,
            pace=str(self.query_one("#bc-pace", Select).value),
        )

    def focus_first(self) -> None:
        """Arriving in the mode: the first field left empty, else the template. Focused
        at once (not later, as Widget.focus does), so that keys typed with the switch to
        this mode land here."""
        for selector in ("#bc-name", "#bc-where"):
            field = self.query_one(selector, Input)
            if not field.value.strip() and field.display:
                self.screen.set_focus(field)
                return
        self.screen.set_focus(self.query_one("#bc-template", TextArea))

    def unsent_work(self) -> str | None:
        """What leaving would lose: a campaign being created, or a template not sent."""
        if self.creating:
            return "A campaign is being created in Compose"
        template = self.query_one("#bc-template", TextArea).text
        if template.strip():
            return f"Compose holds a broadcast template of {len(template):,} characters, not sent"
        return None

    # --- changes bring a dry run ----------------------------------------------------------
    @on(Select.Changed, "#bc-source")
    def _source_changed(self) -> None:
        source = str(self.query_one("#bc-source", Select).value)
        where = self.query_one("#bc-where", Input)
        where.placeholder = _HINT.get(source, "")
        where.display = source != EVERYONE
        self._show_column_field()
        self._changed()

    def _show_column_field(self) -> None:
        """The phone-column field for a CSV; its label only where there is room."""
        is_csv = str(self.query_one("#bc-source", Select).value) == CSV
        self.query_one("#bc-column", Input).display = is_csv
        self.query_one("#bc-column-label").display = is_csv and not self.has_class("-narrow")

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW_FORM
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            self._show_column_field()

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed, "#bc-pace")
    def _changed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self.refresh_dry_run, name="dry-run")

    def refresh_dry_run(self) -> None:
        """Plan the draft now (after the one under way, if any)."""
        self._debounce = None
        if self._planning:
            self._again = True
            return
        self._planning = True
        self._dry_run(self.draft())

    @work(group="broadcast-dry-run", exit_on_error=False)
    async def _dry_run(self, draft: Draft) -> None:
        try:
            result = await self.plan(draft, fresh=False)
            if self.is_attached:
                self._show(result)
        finally:
            self._planning = False
            if self._again and self.is_attached:
                self._again = False
                self.refresh_dry_run()

    async def plan(self, draft: Draft, *, fresh: bool) -> DryRun:
        """A dry run of draft, off the loop. fresh reads the source again (a create);
        otherwise an audience read for an earlier dry run serves while its file is
        unchanged."""
        app = self.linda
        services = app.services
        loop = asyncio.get_running_loop()
        store = OnLoop(services.store, loop)
        # Who a contacts audience is: resolved by whichever Linda runs the fleet (this
        # one, or the host this console is attached to), so both plan the same people.
        entries = OnLoop(services, loop).contact_entries
        from linda_tui.broadcast.plan import unusable_bots

        config = app.fleet.config
        region = config.default_region
        cached = None if fresh else self._audiences.get(draft.audience_key())
        context = _PlanContext(
            fleet_pacing={b.id: config.pacing_for(b.id) for b in config.enabled_bots},
            now=app.clock.now(),
            demo=app.demo,
            timezone=app.timezone,
            rules=_broadcast_rules(app),
            unusable=unusable_bots(app.fleet.statuses()),
        )

        def work() -> DryRun:
            return asyncio.run(_plan_draft(draft, store, entries, region, context, cached))

        try:
            result = await in_thread(work, name="linda-broadcast-dry-run")
        except Exception as exc:  # a bug or the store: say so, in one line
            problem = DraftProblem("summary", f"the dry run failed: {exc}")
            return DryRun(draft, problem=problem)
        if result.audience is not None:
            # Kept for the next dry run (only the latest source: a CSV can be large).
            stamp = _file_stamp(draft) if draft.source == CSV else None
            self._audiences = {draft.audience_key(): (stamp, result.audience)}
        return result

    # --- showing a dry run ----------------------------------------------------------------
    def _show(self, result: DryRun) -> None:
        self.latest = result
        problem = result.problem
        audience = result.audience
        # Every field's line follows this dry run: none keeps a verdict from an earlier one.
        if problem is not None and problem.field == "audience":
            self._show_status("#bc-audience", False, _short_source(result.draft, str(problem)))
        elif audience is not None:
            self._show_status("#bc-audience", True, _describe_audience(audience, result.draft))
        else:
            self._show_status("#bc-audience", None, "pick who gets it")
        if problem is not None and problem.field == "template":
            self._show_status("#bc-template-status", False, str(problem))
        elif result.plan is not None:
            self._show_status("#bc-template-status", True, _describe_template(result.plan))
        elif result.draft.template.strip():
            self._show_status("#bc-template-status", None, "checked once the ✖ line is fixed")
        else:
            self._show_status("#bc-template-status", None, "write the message")
        summary = self.query_one("#bc-summary", Static)
        if result.plan is not None:
            summary.update(describe_plan(result.plan, self.linda.clock.now(), self.linda.timezone))
        elif problem is not None and problem.field in ("summary", "bots", "name"):
            summary.update(literal(f"✖ {problem}", style="bold red"))
        else:
            summary.update(Text("Nothing to plan yet: fix the line marked ✖.", style="dim"))

    def _show_status(self, selector: str, ok: bool | None, message: str) -> None:
        """A field's line: a hint or a ✓ on one line (the counts come first, the file
        name may be cut), a ✖ whole: what is wrong, then how to fix it, wrapped."""
        line = self.query_one(selector, Static)
        if ok is None:
            line.update(literal(message, style="dim", no_wrap=True, overflow="ellipsis"))
        elif ok:
            line.update(literal(f"✓ {message}", style="green", no_wrap=True, overflow="ellipsis"))
        else:
            line.update(literal(f"✖ {message}", style="bold red"))

    # --- create & start -----------------------------------------------------------------
    @on(Button.Pressed, "#bc-create")
    def _create_pressed(self) -> None:
        self.create()

    def create(self) -> None:
        """Plan from a fresh read of the source; ask; then save the campaign and start it."""
        if self.creating:
            self.app.notify("A campaign is being created already", severity="warning")
            return
        self.creating = True
        self._create(self.draft())

    @work(group="broadcast-create", exit_on_error=False)
    async def _create(self, draft: Draft) -> None:
        try:
            result = await self.plan(draft, fresh=True)
        except Exception as exc:
            result = DryRun(draft, problem=DraftProblem("summary", str(exc)))
        if self.is_attached:
            self._show(result)
        plan = result.plan
        if plan is None or result.problem is not None:
            self.creating = False
            reason = str(result.problem) if result.problem else "nothing to plan"
            self._refuse(reason)
            return
        if plan.to_send == 0:
            self.creating = False
            self._refuse("nobody left to message — check the audience and the dry run")
            return
        if self._changed_since(draft):
            return
        from linda_tui.tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes and not self._changed_since(draft):
                self._save_and_start(plan, draft)
            else:
                self.creating = False

        bots = ", ".join(f"{bot} {count:,}" for bot, count in plan.per_bot.items() if count)
        now, zone = self.linda.clock.now(), self.linda.timezone
        self.app.push_screen(
            ConfirmScreen(
                f"Start {plan.name!r}?",
                f"{count_of(plan.to_send, 'message')} ({bots}) at pace {plan.pace.name}"
                f"{_finish_words(plan.finish_at, now, zone)}. The campaign is saved and "
                f"{_first_send_words(plan, now, zone)}. The Broadcasts pane (3) pauses or "
                "cancels it.",
                "Create & start",
            ),
            answered,
        )

    def _changed_since(self, draft: Draft) -> bool:
        """Whether the form changed since the create began (keys typed while it was
        planning): then nothing is created — what is saved is always what the form
        shows — and the operator is told so. Ends the create when it did."""
        if self.draft() == draft:
            return False
        self.creating = False
        self._refuse(
            "the form changed while the campaign was being planned — nothing was created; "
            "check the dry run and press ctrl+s again"
        )
        return True

    @work(group="broadcast-create", exit_on_error=False)
    async def _save_and_start(self, plan: BroadcastPlan, draft: Draft) -> None:
        from linda_tui.broadcast.plan import PlanError, save_plan
        from linda_tui.fleet.actor import current_actor
        from linda_tui.fleet.manager import FleetCommandError

        app = self.linda
        store = app.services.store
        try:
            if store is None:
                raise PlanError("the store is not open — restart Linda")
            campaign = await save_plan(
                store, plan, created_by=current_actor().os_user, now=app.clock.now()
            )
        except PlanError as exc:
            self.creating = False
            self._refuse(str(exc))
            return
        except Exception as exc:
            self.creating = False
            self._refuse(f"the campaign could not be saved: {exc}")
            return
        if self.draft() == draft:  # edits typed during the save are the operator's
            self._forget_draft()
        engine = await app.broadcast_engine()
        try:
            if engine is None:
                raise FleetCommandError("this Linda runs no broadcasts")
            await engine.start_campaign(campaign.id)  # type: ignore[arg-type]
        except Exception as exc:
            self.creating = False
            message = f"campaign {campaign.id} was saved but did not start: {exc}"
            app.notify(message, title="Not started", severity="error")
            app.record(Kind.ERROR, message)
            await self._open_in_broadcasts(campaign)
            return
        self.creating = False
        senders = ", ".join(plan.senders)
        app.notify(
            f"{count_of(plan.to_send, 'message')} to send from {senders}"
            if senders
            else f"{count_of(plan.to_send, 'message')} to send once a chosen bot can send",
            title=f"Campaign {campaign.id} started: {plan.name}",
        )
        app.record(Kind.INFO, f"campaign {campaign.id} ({plan.name}) created and started")
        await self._open_in_broadcasts(campaign)

    def _forget_draft(self) -> None:
        """The campaign is saved: the form is ready for the next one."""
        self.query_one("#bc-name", Input).value = ""
        self.query_one("#bc-template", TextArea).clear()

    async def _open_in_broadcasts(self, campaign: Campaign) -> None:
        app = self.linda
        await app.switch_mode("broadcasts")
        select = getattr(app.screen, "select_campaign", None)
        if select is not None:
            select(campaign.id)

    def _refuse(self, reason: str) -> None:
        self.app.notify(reason, title="Not created", severity="error")
        self.linda.record(Kind.ERROR, f"broadcast not created: {reason}")


# --- planning, in the dry run's thread ----------------------------------------------------
@dataclass(frozen=True)
class _PlanContext:
    fleet_pacing: dict[str, Any]
    now: datetime
    demo: bool
    timezone: tzinfo
    rules: Any  # the BroadcastSettings the engine runs campaigns with
    unusable: dict[str, str]  # bots that cannot send now, with why: nobody planned on them


async def _plan_draft(
    draft: Draft,
    store: Any,
    entries: Callable[..., Any],
    region: str,
    context: _PlanContext,
    cached: tuple[object, Audience] | None,
) -> DryRun:
    from linda_tui.broadcast.audience import AudienceError
    from linda_tui.broadcast.audience_contacts import contacts_audience
    from linda_tui.broadcast.pacing import PacingError, pace_profile
    from linda_tui.broadcast.plan import PlanError, plan_broadcast
    from linda_tui.broadcast.template import TemplateError

    # Who: the source, read unless an unchanged one was read already.
    where = draft.where.strip()
    try:
        if draft.source == CSV:
            if not where:
                raise DraftProblem("audience", "give the path of a CSV file")
            stamp = _file_stamp(draft)
            if cached is not None and cached[0] == stamp and stamp is not None:
                audience = cached[1]
            else:
                audience = _read_csv(draft, region)
        elif cached is not None:
            audience = cached[1]
        elif draft.source == QUERY:
            if not where:
                raise DraftProblem("audience", "type a search, e.g. a name or label:VIP")
            audience = await contacts_audience(store, region, query=where, entries=entries)
        elif draft.source == LABEL:
            if not where:
                raise DraftProblem("audience", "type a label, e.g. VIP")
            audience = await contacts_audience(store, region, label=where, entries=entries)
        else:
            audience = await contacts_audience(store, region, entries=entries)
    except DraftProblem as problem:
        return DryRun(draft, problem=problem)
    except AudienceError as exc:
        return DryRun(draft, problem=DraftProblem("audience", str(exc)))
    result = DryRun(draft, audience=audience)
    # What, from whom, how fast.
    if not draft.template.strip():
        result.problem = DraftProblem("template", "write the message")
        return result
    if not draft.name.strip():
        result.problem = DraftProblem("name", "name the campaign (first line)")
        return result
    try:
        profile = pace_profile(draft.pace, demo=context.demo)
    except PacingError as exc:
        result.problem = DraftProblem("summary", str(exc))
        return result
    try:
        result.plan = await plan_broadcast(
            name=draft.name,
            template=draft.template,
            audience=audience,
            store=store,
            bots=draft.bot_choice,
            pacing=context.fleet_pacing,
            now=context.now,
            profile=profile,  # demo-fast leaves quiet hours and the warm-up out
            quiet_hours=context.rules.quiet_hours,
            warm_up=context.rules.warm_up,  # from each bot's last pairing in the store
            unusable=context.unusable,
        )
    except TemplateError as exc:
        result.problem = DraftProblem("template", str(exc))
    except PlanError as exc:
        field = "bots" if "bot" in str(exc) else "summary"
        result.problem = DraftProblem(field, str(exc))
    return result


def _broadcast_rules(app: LindaApp) -> Any:
    """The rules the engine runs campaigns with: the local engine's own, else (a console
    attached to another Linda) bots.yaml's, read the same way the host reads them."""
    engine = getattr(app.services, "broadcasts", None)
    settings = getattr(engine, "settings", None)
    if settings is not None:
        return settings
    from linda_tui.broadcast.settings import broadcast_settings

    return broadcast_settings(app.fleet.config, app.timezone, demo=app.demo)


def _read_csv(draft: Draft, region: str) -> Audience:
    """The CSV's audience (this runs in the dry run's thread: blocking is fine here)."""
    from linda_tui.broadcast.audience import ColumnSetting, audience_from_csv

    path = Path(os.path.expanduser(draft.where.strip()))
    return audience_from_csv(
        path,
        region=region,
        phone_column=draft.phone_column.strip() or None,
        # The fix an error names is the form's field, not the CLI's flag, and where it
        # is: at 60 columns it has no label beside it.
        setting=ColumnSetting(
            "in the Column field (after the path)", "the Column field (after the path)"
        ),
    )


def _file_stamp(draft: Draft) -> object:
    """What tells a CSV file changed since it was read (None: cannot tell)."""
    try:
        info = os.stat(os.path.expanduser(draft.where.strip()))
    except OSError:
        return None
    return (draft.audience_key(), info.st_ino, info.st_size, info.st_mtime_ns)


# --- how a dry run reads ------------------------------------------------------------------
def _describe_audience(audience: Audience, draft: Draft) -> str:
    """``3 numbers · 1 invalid · 1 duplicate · column 'Phone' · clients.csv``: the counts
    first, so that they show however narrow the terminal (the field shows the path)."""
    parts = [count_of(len(audience.members), "number")]
    if audience.invalid:
        parts.append(f"{len(audience.invalid):,} invalid")
    if audience.duplicates:
        parts.append(count_of(len(audience.duplicates), "duplicate"))
    if audience.phone_column:
        parts.append(f"column {audience.phone_column!r}")
    parts.append(_short_source(draft, audience.source))
    return " · ".join(parts)


def _short_source(draft: Draft, text: str) -> str:
    """text with the CSV's path written as its file name: the field above shows the
    path, and a long one would push out of the line what is said about it."""
    if draft.source != CSV or not draft.where.strip():
        return text
    typed = draft.where.strip()
    path = Path(os.path.expanduser(typed))
    for written in {printable(str(path)), printable(typed)}:
        if written and written in text:
            text = text.replace(written, printable(path.name) or written)
    return text


def _describe_template(plan: BroadcastPlan) -> str:
    template = plan.template
    names = sorted({p.name for p in template.placeholders})
    variables = f"variables {', '.join(names)}" if names else "no variables"
    count = template.variation_count
    variations = f" · {count:,} variations" if count > 1 else ""
    return f"{variables}{variations}"


def _first_send_words(plan: BroadcastPlan, now: datetime, zone: tzinfo) -> str:
    """When the first message goes, as the question before a start says it: quiet hours
    or a cap can hold a started campaign for hours."""
    first = plan.first_send
    if first is None:
        return "starts sending once a chosen bot can send"
    if (first.at - now).total_seconds() < 1:
        return "starts sending now"
    why = f", held until then: {first.reason}" if first.reason else ""
    return f"starts sending {when(first.at, now, zone)}{why}"


def _finish_words(finish: datetime | None, now: datetime, zone: tzinfo) -> str:
    if finish is None:
        return ""
    return f", estimated to finish {when(finish, now, zone)}"


def when(moment: datetime, now: datetime, zone: tzinfo) -> str:
    """A time to come as the operator reads it: "14:32 (in 2h10m)", with the date when
    it is not today; "now" when it has come."""
    seconds = (moment - now).total_seconds()
    if seconds < 1:
        # Under a minute is still to come (a bot's last message behind its 30-60 s
        # pause): only a moment that has come is "now".
        return "now"
    local, today = moment.astimezone(zone), now.astimezone(zone)
    clock = (
        local.strftime("%H:%M")
        if local.date() == today.date()
        else local.strftime("%Y-%m-%d %H:%M")
    )
    return f"{clock} (in {describe_duration(seconds)})"


def describe_plan(plan: BroadcastPlan, now: datetime, zone: tzinfo) -> Text:
    """The dry run: counts by outcome, the plan per bot, the estimated finish, the
    invalid lines and the first messages. Outside text (numbers as written, names,
    rendered messages) stays literal."""
    text = Text()
    text.append(f"To send {plan.to_send:,}", style="bold")
    skipped = [(reason, n) for reason, n in plan.skipped.items() if n]
    text.append(" · left out: ")
    text.append(", ".join(f"{n:,} {reason}" for reason, n in skipped) or "none")
    text.append("\nPlan ")
    parts = [f"{printable(bot)} {n:,}" for bot, n in plan.per_bot.items()]
    parts += [f"{printable(bot)} none ({printable(why)})" for bot, why in plan.unusable.items()]
    text.append(" · ".join(parts))
    text.append(f" · pace {plan.pace.name}")
    if plan.waiting:
        text.append("\nWaiting: ", style="bold")
        text.append(printable(plan.waiting))
    text.append("\nEstimated finish ")
    text.append(when(plan.finish_at, now, zone) if plan.finish_at else "—")
    preview = plan.preview
    if preview:
        text.append("\nFirst messages", style="bold")
    for recipient in preview:
        bot = printable(recipient.preferred_bot or "")
        text.append(f"\n→ {recipient.phone} ({bot}): ", style="dim")
        text.append(printable(" ".join(recipient.text.split())))
    audience = plan.audience
    if audience.invalid:
        text.append("\nInvalid ", style="bold")
        shown = [
            f"{audience.where(r.line)}: {printable(r.reason)}"
            for r in audience.invalid[:INVALID_SHOWN]
        ]
        more = len(audience.invalid) - INVALID_SHOWN
        text.append("; ".join(shown) + (f"; and {more:,} more" if more > 0 else ""))
    return text


__all__ = ["BroadcastForm", "Draft", "DryRun", "describe_plan", "when"]
