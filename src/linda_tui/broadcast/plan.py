"""A broadcast before it is saved: who gets what text from which bot, who is left
out and why, and when it would finish. The dry run prints a plan; creating the
campaign saves it (``save_plan``) in one atomic write.

``plan_broadcast`` renders the template for every member of the audience, checks
it first (a variable some recipients lack is an error before anything is saved),
leaves out numbers that opted out or were sent the same text in the last 24 h
(the fleet's own repeat rule), spreads the rest over the chosen bots (the bot
that already owns the contact first, so a person keeps hearing from the same
number; the others to the least loaded bot), and estimates the finish under each
bot's pacing.

Only bots that can send are given recipients: one that is not paired, logged out,
banned or broken (``unusable_bots``) would only have its share moved at send time,
and its pace would make the estimated finish a lie. One that is merely offline but
paired (stopped, connecting, reconnecting) is planned: it comes back. When none of
the chosen bots can send, the plan says so (``waiting``) and the campaign, if
created, waits until one can.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import islice
from typing import Any

from linda_tui.broadcast.audience import Audience
from linda_tui.broadcast.pacing import (
    DEFAULT_WARM_UP,
    STANDARD,
    NextSend,
    PaceProfile,
    QuietHours,
    WarmUp,
    estimate_finish,
    load_pacers,
)
from linda_tui.broadcast.template import (
    MissingVariable,
    Template,
    TemplateError,
    check_variables,
    compile_template,
)
from linda_tui.bulk import collector_paused
from linda_tui.config.models import Pacing
from linda_tui.fleet.manager import MAX_TEXT, REPEAT_WINDOW
from linda_tui.fleet.status import BotStatus
from linda_tui.models import (
    ALL_BOTS,
    BotChoice,
    BotState,
    Campaign,
    CampaignStatus,
    NewRecipient,
)
from linda_tui.plain_text import count_of
from linda_tui.store.base import Store
from linda_tui.store.records import OPTED_OUT_REASON, REPEAT_REASON
from linda_tui.terminal_text import control_character, describe_character

__all__ = [
    "DUPLICATE",
    "INVALID",
    "PREVIEW_COUNT",
    "BroadcastPlan",
    "PlanError",
    "plan_broadcast",
    "save_plan",
    "unusable_bots",
]

INVALID = "invalid"
DUPLICATE = "duplicate"
PREVIEW_COUNT = 5
MAX_NAME = 200  # characters in a campaign's name: it is shown in one line everywhere


class PlanError(ValueError):
    """A broadcast that cannot be planned; the message is one line with the fix."""


# Bots in these states cannot send until someone acts (pairs the bot with its phone,
# waits out a ban, fixes its session): a plan gives them nobody.
_CANNOT_SEND: dict[BotState, str] = {
    BotState.NOT_PAIRED: "not paired",
    BotState.LOGGED_OUT: "logged out",
    BotState.BANNED: "banned",
    BotState.ERROR: "broken",
    BotState.WAITING_FOR_PHONE: "being paired",
    BotState.PAIRING: "being paired",
}


def unusable_bots(statuses: Iterable[BotStatus]) -> dict[str, str]:
    """The bots that cannot send now, with why ("not paired", "banned: temporary ban
    until 17:40"), from the fleet's statuses. Offline but paired is usable."""
    found: dict[str, str] = {}
    for status in statuses:
        word = _CANNOT_SEND.get(status.state)
        if word is None:
            continue
        detail = status.detail if status.state in (BotState.BANNED, BotState.ERROR) else None
        found[status.id] = f"{word}: {detail}" if detail else word
    return found


@dataclass
class BroadcastPlan:
    """Everything a dry run shows and a create saves."""

    name: str
    template: Template
    audience: Audience
    bots: BotChoice  # as chosen: ids, or "all"
    bot_ids: tuple[str, ...]  # the bots it sends from
    pace: PaceProfile
    start_at: datetime | None
    # Every valid, distinct number in audience order, with its text and bot; those
    # with a skip_reason are saved skipped (so the export shows why).
    recipients: list[NewRecipient]
    per_bot: dict[str, int]  # messages to send per bot that can send
    finish_at: datetime | None  # None: nothing to send, or no bot to send it
    skipped: dict[str, int] = field(default_factory=dict)  # by reason, numbers only
    unusable: dict[str, str] = field(default_factory=dict)  # chosen bots that cannot send
    # When the first message may go, and what holds it until then (quiet hours, a
    # cap, the start time); None: nothing to send, or no bot to send it.
    first_send: NextSend | None = None

    @property
    def waiting(self) -> str | None:
        """Why nothing can go yet when no chosen bot can send (one line), else None."""
        if not self.unusable or len(self.unusable) < len(self.bot_ids):
            return None
        why = ", ".join(f"{bot} {reason}" for bot, reason in self.unusable.items())
        return (
            f"no chosen bot can send ({why}) — the campaign waits until one is paired "
            "or back; pair one, or choose others"
        )

    @property
    def senders(self) -> tuple[str, ...]:
        """The bots that will send: those given a share (a chosen bot that cannot send,
        or one left with nobody, sends nothing and is not named as a sender)."""
        return tuple(bot for bot, count in self.per_bot.items() if count)

    @cached_property
    def to_send(self) -> int:
        """How many will be sent to (counted once: a plan is not changed once made)."""
        return sum(1 for r in self.recipients if r.skip_reason is None)

    @property
    def preview(self) -> list[NewRecipient]:
        """The first messages that will go, as their recipients will read them."""
        return list(islice((r for r in self.recipients if r.skip_reason is None), PREVIEW_COUNT))

    def campaign(self, *, created_by: str, now: datetime) -> Campaign:
        """The campaign record to save for this plan (a draft until it is started)."""
        return Campaign(
            name=self.name,
            template=self.template.source,
            bots=self.bots,
            pace=self.pace.name,
            start_at=self.start_at,
            status=CampaignStatus.DRAFT,
            created_at=now,
            updated_at=now,
            created_by=created_by,
            skipped={reason: count for reason, count in self.skipped.items() if count},
        )

    def summary(self) -> dict[str, Any]:
        """The dry run, ready for JSON: counts by outcome, the plan per bot, the
        estimated finish and the first messages. Outside text stays data (the caller
        escapes it for a terminal)."""
        return {
            "name": self.name,
            "source": self.audience.source,
            "to_send": self.to_send,
            "skipped": {reason: count for reason, count in self.skipped.items() if count},
            "per_bot": dict(self.per_bot),
            "unusable": dict(self.unusable),
            "waiting": self.waiting,
            "pace": self.pace.name,
            "start_at": self.start_at.isoformat() if self.start_at else None,
            "finish_at": self.finish_at.isoformat() if self.finish_at else None,
            # When the first message may go, and what holds it until then (None: now).
            "first_send_at": self.first_send.at.isoformat() if self.first_send else None,
            "first_send_held_by": self.first_send.reason if self.first_send else None,
            "preview": [
                {"phone": r.phone, "bot": r.preferred_bot, "text": r.text} for r in self.preview
            ],
            "invalid": [
                # where: how to name it ("line 4", "--to number 2", "contact 'Ann'")
                {
                    "line": r.line,
                    "where": self.audience.where(r.line),
                    "value": r.raw,
                    "reason": r.reason,
                }
                for r in self.audience.invalid
            ],
            "duplicates": [
                {"line": r.line, "first_line": r.duplicate_of} for r in self.audience.duplicates
            ],
        }


def _chosen_bots(bots: BotChoice, available: Mapping[str, Pacing]) -> tuple[str, ...]:
    if bots == ALL_BOTS:
        chosen = tuple(available)
    else:
        unknown = [b for b in bots if b not in available]
        if unknown:
            known = ", ".join(available) or "none"
            raise PlanError(
                f"unknown bot {unknown[0]!r} — choose among the fleet's bots: {known}, or 'all'"
            )
        chosen = tuple(dict.fromkeys(bots))
    if not chosen:
        raise PlanError("no bot to send from — enable a bot in bots.yaml, or choose one")
    return chosen


def _render(template: Template, audience: Audience, phones: Sequence[str]) -> list[str]:
    """Every member's text (phones: theirs, in order); TemplateError when one is empty
    or too long for WhatsApp."""
    members = audience.members
    try:
        texts = template.render_all([m.variables for m in members], phones)
    except MissingVariable:  # check_variables ran first: cannot happen
        for member in members:
            try:
                template.render(member.variables, member.phone)
            except MissingVariable as exc:
                raise TemplateError(f"{audience.where(member.line)}: {exc}") from None
        raise
    # Checked over the whole list at C speed; the offenders are looked for only when
    # there is one.
    if not all(map(str.strip, texts)):
        blank = [m.line for m, text in zip(members, texts, strict=True) if not text.strip()]
        raise TemplateError(
            f"the template gives an empty message for {count_of(len(blank), 'recipient')} "
            f"(first on {audience.where(blank[0])}) — give its variables fallbacks, add text "
            "around them, or fill its empty variations"
        )
    if max(map(len, texts), default=0) > MAX_TEXT:
        line, length = next(
            (m.line, len(text))
            for m, text in zip(members, texts, strict=True)
            if len(text) > MAX_TEXT
        )
        raise TemplateError(
            f"the message for {audience.where(line)} is {length:,} characters; WhatsApp "
            f"allows at most {MAX_TEXT:,} — shorten the template or that row's values"
        )
    return texts


def _skip_reasons(
    phones: Sequence[str],
    texts: Sequence[str],
    opted_out: Set[str],
    recent: Set[tuple[str, str]],
) -> list[str | None]:
    """Why each recipient is left out (opted out, or sent the same text in the last
    24 h), or None: it is sent to."""
    if not opted_out and not recent:
        return [None] * len(phones)
    recent_phones = {phone for phone, _ in recent}
    return [
        OPTED_OUT_REASON
        if phone in opted_out
        else REPEAT_REASON
        if phone in recent_phones and (phone, text) in recent
        else None
        for phone, text in zip(phones, texts, strict=True)
    ]


def _spread(phones: Sequence[str], owners: Mapping[str, str], bots: Sequence[str]) -> list[str]:
    """A bot per phone: its owner when the owner is one of bots, else the least loaded
    bot so far (the first of them on a tie), so the load ends up even."""
    if not any(owner in bots for owner in owners.values()):
        # No one owned by a chosen bot: the least loaded, first on a tie, is each bot
        # in turn.
        return (list(bots) * (len(phones) // len(bots) + 1))[: len(phones)]
    load = dict.fromkeys(bots, 0)
    chosen = []
    for phone in phones:
        owner = owners.get(phone)
        bot = owner if owner in load else min(load, key=load.__getitem__)
        load[bot] += 1
        chosen.append(bot)
    return chosen


async def plan_broadcast(
    *,
    name: str,
    template: str,
    audience: Audience,
    store: Store,
    bots: BotChoice,
    pacing: Mapping[str, Pacing],
    now: datetime,
    profile: PaceProfile = STANDARD,
    quiet_hours: QuietHours | None = None,
    warm_up: WarmUp | None = DEFAULT_WARM_UP,
    paired_at: Mapping[str, datetime | None] | None = None,
    start_at: datetime | None = None,
    seed: str | None = None,
    unusable: Mapping[str, str] | None = None,
) -> BroadcastPlan:
    """Plan a broadcast to audience (see the module's docstring). Saves nothing.

    pacing gives every bot of the fleet that may send, with its pacing; bots chooses
    among them. unusable names the bots that cannot send now, with why
    (``unusable_bots``): nobody is planned on them. seed picks the variations (the
    campaign's name by default, so the same campaign renders the same texts on every
    dry run). Raises TemplateError, PlanError (one line each).
    """
    name = name.strip()
    if not name:
        raise PlanError("the campaign has no name — give it one, e.g. --name 'January offer'")
    if len(name) > MAX_NAME:
        raise PlanError(
            f"the campaign's name is {len(name):,} characters — keep it to {MAX_NAME} at most"
        )
    if (character := control_character(name)) is not None:
        raise PlanError(
            f"the campaign's name has a control character ({describe_character(character)}) "
            "— write it in plain text"
        )
    compiled = compile_template(template, seed=name if seed is None else seed)
    check_variables(
        compiled,
        ((m.variables, m.line) for m in audience.members),
        known=audience.known_variables,
        source=audience.source,
    )
    bot_ids = _chosen_bots(bots, pacing)
    cannot = {bot: why for bot, why in (unusable or {}).items() if bot in bot_ids}
    senders = tuple(bot for bot in bot_ids if bot not in cannot)
    with collector_paused():  # 100,000 texts: see linda_tui.bulk
        phones = [m.phone for m in audience.members]
        texts = _render(compiled, audience, phones)
    opted_out = await store.opted_out_among(phones)
    recent = await store.recent_outbound(now - REPEAT_WINDOW)
    owners = await store.owners_of(phones)

    with collector_paused():
        skip_reasons = _skip_reasons(phones, texts, opted_out, recent)
        sending = (
            [p for p, reason in zip(phones, skip_reasons, strict=True) if reason is None]
            if any(skip_reasons)
            else phones
        )
        # With no bot able to send, nobody is assigned: the first bot back takes them all.
        spread = _spread(sending, owners, senders) if senders else []
        # A skipped recipient keeps its owner, if any; the others their bot in turn.
        preferred: list[str | None]
        if not senders:
            preferred = [owners.get(phone) for phone in phones]
        elif len(spread) == len(phones):
            preferred = list(spread)
        else:
            turns = iter(spread)
            preferred = [
                next(turns) if reason is None else owners.get(phone)
                for phone, reason in zip(phones, skip_reasons, strict=True)
            ]
        # A recipient keeps its message, not the row it was made from (notes,
        # addresses...): the store holds no more of a customer list than a campaign
        # sends.
        recipients = list(map(NewRecipient, phones, texts, preferred, skip_reasons))
        per_bot = dict.fromkeys(senders, 0)
        per_bot.update(Counter(spread))
    pacers = await load_pacers(
        store,
        {bot: pacing[bot] for bot in senders},
        now=now,
        profile=profile,
        quiet_hours=quiet_hours,
        warm_up=warm_up,
        paired_at=paired_at,
        not_before=start_at,
    )
    begin = max(now, start_at) if start_at is not None else now
    finish_at = estimate_finish(list(pacers.values()), per_bot, begin) if spread else None
    first_send = (
        min(
            # From now: the pacers hold every send until start_at themselves, and say so
            # ("the campaign's start time"); asked from start_at, nothing held it.
            (pacers[bot].next_send(now) for bot, count in per_bot.items() if count),
            key=lambda next_send: next_send.at,
        )
        if spread
        else None
    )
    skipped = {
        INVALID: len(audience.invalid),
        DUPLICATE: len(audience.duplicates),
        OPTED_OUT_REASON: sum(1 for r in skip_reasons if r == OPTED_OUT_REASON),
        REPEAT_REASON: sum(1 for r in skip_reasons if r == REPEAT_REASON),
    }
    return BroadcastPlan(
        name=name,
        template=compiled,
        audience=audience,
        bots=bots,
        bot_ids=bot_ids,
        pace=profile,
        start_at=start_at,
        recipients=recipients,
        per_bot=per_bot,
        finish_at=finish_at,
        skipped=skipped,
        unusable=cannot,
        first_send=first_send,
    )


async def save_plan(
    store: Store, plan: BroadcastPlan, *, created_by: str, now: datetime
) -> Campaign:
    """Save the planned campaign (a draft) and all its recipients in one atomic write;
    the campaign with its id."""
    if plan.to_send == 0:
        raise PlanError(
            f"nobody left to message in {plan.audience.source} "
            f"({', '.join(f'{n:,} {reason}' for reason, n in plan.skipped.items() if n)}) — "
            "check the audience"
        )
    return await store.create_campaign(
        plan.campaign(created_by=created_by, now=now), plan.recipients
    )
