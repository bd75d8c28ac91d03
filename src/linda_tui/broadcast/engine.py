"""The broadcast engine: runs campaigns, paced per bot, durable across a kill -9.

One runner per running campaign, one worker per bot of it. A worker waits for its
bot's pacing (the random pause, the caps over every message the bot sent, warm-up,
quiet hours), takes the next recipient (its own share first; the share of a bot that
is offline, banned or logged out when there is one), claims it in the store — the
recipient becomes ``sending`` with its pending message in one transaction BEFORE the
message is handed to WhatsApp — sends it through the fleet, and the outcome lands with
its message and audit entry in one transaction. A recipient found ``sending`` when Linda
starts was in flight when it stopped: it becomes ``uncertain`` and is never sent again
on its own. A campaign that was running when Linda stopped resumes when it starts.

Pause, cancel and stop take effect before the next message (the claim itself checks,
inside its transaction, that the campaign still runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from linda_tui.broadcast.events import CampaignProgress
from linda_tui.broadcast.pacing import (
    BotPacer,
    PacingError,
    estimate_finish,
    load_pacers,
    pace_profile,
)
from linda_tui.broadcast.settings import BroadcastSettings
from linda_tui.fleet.events import BotStatusChanged, FleetEvent, MessageRecorded
from linda_tui.fleet.manager import REPEAT_WINDOW, FleetCommandError
from linda_tui.fleet.status import SENDABLE
from linda_tui.models import (
    ALL_BOTS,
    AuditEntry,
    BotState,
    Campaign,
    CampaignStatus,
    ClaimOutcome,
    Direction,
    Message,
    MessageStatus,
    Recipient,
    RecipientStatus,
    UncertainAction,
)
from linda_tui.plain_text import one_line
from linda_tui.store.records import unconfirmed_reason

if TYPE_CHECKING:
    from linda_tui.fleet.manager import Fleet
    from linda_tui.store.base import Store

log = logging.getLogger("linda.broadcast")

# A reply within this long after a campaign's message counts as that campaign's reply.
REPLY_WINDOW = timedelta(days=7)
# Progress is published at most this often per campaign (and at once on a change of state).
PROGRESS_SECONDS = 0.5
# The estimated finish is worked out again at most this often while the same bots can
# send (it plays the remaining messages through every bot's pacing: milliseconds of the
# event loop for a thousand, which the console's keystrokes would wait behind).
FINISH_SECONDS = 5.0
# How long stopping waits for a message already handed to a bot.
STOP_SECONDS = 10.0
# A worker with nothing it may take looks again at least this often.
IDLE_SECONDS = 1.0


class BroadcastError(FleetCommandError):
    """An operation on a campaign cannot be done; the message says why."""


def check_resolvable(campaign: Campaign, action: UncertainAction) -> None:
    """Raise BroadcastError when a campaign's uncertain recipients cannot be resolved
    so: a cancelled campaign sends nothing more, so none of them is resent."""
    if action is UncertainAction.RESEND and campaign.status is CampaignStatus.CANCELLED:
        raise BroadcastError(
            f"campaign {campaign.id} was cancelled and sends nothing more — mark them "
            "sent if they got the message, or put them in a new campaign"
        )


class _CampaignOutcome:
    """How a broadcast message's end is stored: the recipient with its message."""

    def __init__(self, store: Store, campaign_id: int | str, phone: str) -> None:
        self._store = store
        self._campaign = campaign_id
        self._phone = phone

    async def sent(self, message: Message, audit: AuditEntry) -> Message:
        assert message.id is not None and message.wa_id is not None
        stored = await self._store.complete_recipient(
            self._campaign,
            self._phone,
            message.id,
            message.wa_id,
            message.sent_at or message.created_at,
            audit,
        )
        return stored or message

    async def not_sent(
        self, message: Message, audit: AuditEntry | None, *, retryable: bool
    ) -> Message:
        at = message.failed_at or message.created_at
        reason = one_line(message.error or "not sent", 300)
        if retryable:
            await self._store.release_recipient(self._campaign, self._phone, reason, at)
        else:
            await self._store.fail_recipient(self._campaign, self._phone, reason, at)
        if audit is not None:
            with contextlib.suppress(Exception):
                await self._store.add_audit(audit)
        return message

    async def uncertain(self, message: Message, audit: AuditEntry) -> Message:
        at = audit.at  # when the fleet gave up waiting for WhatsApp's answer
        reason = one_line(unconfirmed_reason(message.error or "no answer from WhatsApp"), 300)
        # As after a crash mid-send: uncertain, never sent again on its own.
        await self._store.hold_uncertain(self._campaign, self._phone, reason, at)
        with contextlib.suppress(Exception):
            await self._store.add_audit(audit)
        return message


class BroadcastEngine:
    """The broadcasts service (plug it into Services): starts and resumes campaigns,
    and takes the operator's actions on them."""

    name = "broadcasts"

    def __init__(
        self,
        fleet: Fleet,
        store: Store,
        publish: Callable[[FleetEvent], None],
        subscribe: Callable[[Callable[[FleetEvent], None]], Callable[[], None]],
        *,
        settings: BroadcastSettings | None = None,
        network: object | None = None,
    ) -> None:
        self.fleet = fleet
        self.store = store
        self.settings = settings or BroadcastSettings()
        self._publish = publish
        self._subscribe = subscribe
        self._network = network
        self._runners: dict[int | str, _Runner] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        # Campaigns with no runner whose progress is to be published (see _progress_soon).
        self._progress_due: dict[str, asyncio.TimerHandle] = {}
        self._started = False

    # --- life ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Mark what was in flight uncertain, then resume every running campaign."""
        now = self.fleet.clock.now()
        uncertain = await self.store.mark_in_flight_uncertain(None, now)
        if uncertain:
            log.warning("%d broadcast recipients were in flight when Linda stopped", uncertain)
        self._unsubscribe = self._subscribe(self._on_event)
        self._started = True
        for campaign in await self.store.list_campaigns(limit=10_000):
            if campaign.status in (CampaignStatus.RUNNING, CampaignStatus.SCHEDULED):
                counts = await self.store.count_recipients(campaign.id)  # type: ignore[arg-type]
                stuck = counts.get(RecipientStatus.UNCERTAIN, 0)
                note = "resumed after Linda restarted" + (
                    f"; {stuck} uncertain recipients to resolve" if stuck else ""
                )
                log.info("campaign %s (%s): %s", campaign.id, campaign.name, note)
                self._launch(campaign, note=note)

    async def stop(self) -> None:
        """Stop every runner (campaigns stay running in the store, to resume at the next
        start); a message already handed to a bot gets STOP_SECONDS to finish."""
        self._started = False
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        runners = list(self._runners.values())
        for runner in runners:
            runner.halt()
        if runners:
            await asyncio.wait([r.task for r in runners if r.task], timeout=STOP_SECONDS)
        for runner in runners:
            if runner.task is not None and not runner.task.done():
                runner.task.cancel()
                with contextlib.suppress(BaseException):
                    await runner.task
        self._runners.clear()
        for handle in self._progress_due.values():
            handle.cancel()
        self._progress_due.clear()
        # Nothing may touch the store once this returns (it is closed next): background
        # work (progress due, a reply being recorded) is cancelled and waited for.
        background = list(self._background)
        for task in background:
            task.cancel()
        if background:
            await asyncio.gather(*background, return_exceptions=True)

    # --- the operator's actions -----------------------------------------------------------
    async def campaign(self, campaign_id: int | str) -> Campaign:
        found = await self.store.get_campaign(campaign_id)
        if found is None:
            raise BroadcastError(f"no campaign {campaign_id} — `linda broadcast list` shows them")
        return found

    async def start_campaign(self, campaign_id: int | str) -> Campaign:
        """Start a draft (or a scheduled one now), or resume a paused one."""
        campaign = await self.campaign(campaign_id)
        if campaign.status is CampaignStatus.RUNNING and campaign.id in self._runners:
            return campaign
        if campaign.status is CampaignStatus.CANCELLED:
            raise BroadcastError(f"campaign {campaign.id} was cancelled — create a new one")
        if campaign.status is CampaignStatus.DONE:
            counts = await self.store.count_recipients(campaign.id)  # type: ignore[arg-type]
            if not counts.get(RecipientStatus.PENDING, 0):
                raise BroadcastError(f"campaign {campaign.id} is done — nothing left to send")
        self._check_pace(campaign)
        moved = await self.store.set_campaign_status(
            campaign.id,  # type: ignore[arg-type]
            CampaignStatus.RUNNING,
            self.fleet.clock.now(),
        )
        if moved is None:
            raise BroadcastError(f"campaign {campaign.id} cannot start from {campaign.status}")
        # A note that replaces the last one (a console keeps the last note it got: a
        # resumed campaign must not go on saying "paused").
        note = (
            "resumed"
            if campaign.status in (CampaignStatus.PAUSED, CampaignStatus.DONE)
            else "started"
        )
        self._launch(moved, note=note)
        return moved

    async def pause(self, campaign_id: int | str) -> Campaign:
        """Pause before the next message (one already handed to a bot finishes)."""
        return await self._halt(campaign_id, CampaignStatus.PAUSED, "paused")

    async def resume(self, campaign_id: int | str) -> Campaign:
        """Resume a paused campaign; a draft is started (as the console's r does)."""
        campaign = await self.campaign(campaign_id)
        resumable = (CampaignStatus.PAUSED, CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)
        if campaign.status not in resumable and campaign.id not in self._runners:
            if campaign.status is CampaignStatus.RUNNING:
                self._launch(campaign, note="resumed")
                return campaign
            raise BroadcastError(
                f"campaign {campaign.id} is {campaign.status}; only a paused campaign resumes"
                + (" — create a new one" if campaign.status is CampaignStatus.CANCELLED else "")
            )
        return await self.start_campaign(campaign_id)

    async def cancel(self, campaign_id: int | str) -> Campaign:
        """Cancel for good: nothing more is sent; the store marks the recipients still
        pending skipped ("campaign cancelled"). One already handed to a bot finishes."""
        return await self._halt(campaign_id, CampaignStatus.CANCELLED, "cancelled")

    async def resolve(
        self,
        campaign_id: int | str,
        phones: Sequence[str] | None,
        action: UncertainAction,
        audit: AuditEntry | None = None,
    ) -> int:
        """The operator's decision for uncertain recipients (phones, or all of them).
        Resending puts them back in the queue of a campaign that then runs again."""
        campaign = await self.campaign(campaign_id)
        check_resolvable(campaign, action)
        changed = await self.store.resolve_uncertain(
            campaign.id,  # type: ignore[arg-type]
            phones,
            action,
            self.fleet.clock.now(),
            audit,
        )
        if action is UncertainAction.RESEND and changed:
            if campaign.status is CampaignStatus.DONE:
                await self.start_campaign(campaign.id)  # type: ignore[arg-type]
            elif (runner := self._runners.get(campaign.id)) is not None:  # type: ignore[arg-type]
                await runner.reload()
        await self.publish_progress(campaign.id, note=f"{changed:,} uncertain resolved: {action}")  # type: ignore[arg-type]
        return changed

    async def progress(self, campaign_id: int | str) -> CampaignProgress:
        """Where a campaign stands now."""
        campaign = await self.campaign(campaign_id)
        runner = self._runners.get(campaign.id)  # type: ignore[arg-type]
        if runner is not None:
            return await runner.progress()
        counts = await self.store.count_recipients(campaign.id)  # type: ignore[arg-type]
        return CampaignProgress(campaign=campaign, counts={str(k): v for k, v in counts.items()})

    async def publish_progress(self, campaign_id: int | str, note: str | None = None) -> None:
        event = await self.progress(campaign_id)
        event.note = note
        self._publish(event)

    def is_running(self, campaign_id: int | str) -> bool:
        return campaign_id in self._runners

    # --- inside ---------------------------------------------------------------------------
    def _check_pace(self, campaign: Campaign) -> None:
        try:
            pace_profile(campaign.pace, demo=self.settings.demo)
        except PacingError as exc:
            raise BroadcastError(str(exc)) from None

    async def _halt(self, campaign_id: int | str, status: CampaignStatus, word: str) -> Campaign:
        campaign = await self.campaign(campaign_id)
        moved = await self.store.set_campaign_status(
            campaign.id,  # type: ignore[arg-type]
            status,
            self.fleet.clock.now(),
        )
        if moved is None:
            raise BroadcastError(
                f"campaign {campaign.id} is {campaign.status}; it cannot be {word}"
            )
        runner = self._runners.get(campaign.id)  # type: ignore[arg-type]
        if runner is not None:
            runner.halt()
            if runner.task is not None:
                await asyncio.wait([runner.task], timeout=STOP_SECONDS)
        log.info("campaign %s (%s) %s", campaign.id, campaign.name, word)
        await self.publish_progress(campaign.id, note=word)  # type: ignore[arg-type]
        return moved

    def _launch(self, campaign: Campaign, note: str | None = None) -> None:
        if not self._started or campaign.id in self._runners:
            return
        runner = _Runner(self, campaign)
        self._runners[campaign.id] = runner  # type: ignore[index]
        runner.task = asyncio.ensure_future(runner.run(note))

        def ended(task: asyncio.Task[None]) -> None:
            if self._runners.get(campaign.id) is runner:  # type: ignore[arg-type]
                del self._runners[campaign.id]  # type: ignore[arg-type]
            if not task.cancelled() and task.exception() is not None:
                log.error("campaign %s stopped on an error", campaign.id, exc_info=task.exception())

        runner.task.add_done_callback(ended)

    def _on_event(self, event: FleetEvent) -> None:
        if isinstance(event, BotStatusChanged):
            for runner in self._runners.values():
                runner.wake()
        elif isinstance(event, MessageRecorded):
            message = event.message
            if message.direction is Direction.IN:
                self._background_task(self._take_reply(message))
            elif message.campaign_id is None and message.status is MessageStatus.SENT:
                # A manual send counts against the bot's broadcast caps too.
                for runner in self._runners.values():
                    runner.record_manual(message)
            elif message.campaign_id is not None:
                touched = self._runners.get(_same_id(message.campaign_id, self._runners))
                if touched is not None:
                    touched.changed()
                else:
                    # Receipts go on arriving once a campaign is done or paused.
                    self._progress_soon(message.campaign_id)

    def _background_task(self, coro: Any) -> None:
        if not self._started:
            coro.close()  # stopping or stopped: the store may be closed already
            return
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _take_reply(self, message: Message) -> None:
        try:
            campaign_id = await self.store.mark_replied(
                message.peer, message.created_at, message.created_at - REPLY_WINDOW
            )
        except Exception:
            log.exception("could not record a reply to a campaign")
            return
        if campaign_id is None:
            return
        runner = self._runners.get(_same_id(campaign_id, self._runners))
        if runner is not None:
            runner.changed()
        else:
            self._progress_soon(campaign_id)

    def _progress_soon(self, campaign_id: int | str) -> None:
        """Publish the progress of a campaign no runner runs, PROGRESS_SECONDS from now:
        a burst of receipts after its last message is one event, read after the last
        of them that came by then."""
        key = str(campaign_id)
        if key in self._progress_due or not self._started:
            return

        async def publish() -> None:
            with contextlib.suppress(Exception):
                await self.publish_progress(campaign_id)

        def due() -> None:
            del self._progress_due[key]
            if self._started:  # else the engine stopped: the store is closing
                self._background_task(publish())

        loop = asyncio.get_running_loop()
        self._progress_due[key] = loop.call_later(PROGRESS_SECONDS, due)


def _same_id(value: int | str, known: Mapping[int | str, Any]) -> int | str:
    """A campaign id as the runners are keyed (a message may carry it as text)."""
    if value in known:
        return value
    text = str(value)
    return next((key for key in known if str(key) == text), value)


class _Runner:
    """One running campaign: a worker per bot, sharing the queue of pending recipients."""

    def __init__(self, engine: BroadcastEngine, campaign: Campaign) -> None:
        self.engine = engine
        self.campaign = campaign
        self.task: asyncio.Task[None] | None = None
        self._halted = asyncio.Event()
        self._changed = asyncio.Event()
        self._queues: dict[str | None, deque[Recipient]] = {}
        self._in_flight = 0
        self._pacers: dict[str, BotPacer] = {}
        self._per_bot: dict[str, int] = {}
        self._waiting: dict[str, str | None] = {}
        self._last_progress = 0.0
        self._progress_due: asyncio.TimerHandle | None = None
        # The last estimated finish: when it was worked out, for which bots (those that
        # could send), and the estimate.
        self._finish: tuple[datetime, tuple[str, ...], datetime | None] | None = None

    # --- control ------------------------------------------------------------------------
    def halt(self) -> None:
        self._halted.set()
        self._changed.set()
        if self._progress_due is not None:
            # The run publishes its last progress itself as it ends.
            self._progress_due.cancel()
            self._progress_due = None

    def wake(self) -> None:
        self._changed.set()

    def changed(self) -> None:
        """Receipts or replies moved a recipient: publish progress soon."""
        self._schedule_progress()

    def record_manual(self, message: Message) -> None:
        pacer = self._pacers.get(message.bot_id)
        if pacer is not None:
            pacer.record(message.created_at)

    # --- the run ----------------------------------------------------------------------------
    async def run(self, note: str | None) -> None:
        engine, campaign = self.engine, self.campaign
        fleet = engine.fleet
        bots = self._bots()
        if not bots:
            await engine.publish_progress(campaign.id, note="no bot of this campaign is enabled")  # type: ignore[arg-type]
            return
        profile = pace_profile(campaign.pace, demo=engine.settings.demo)
        if not profile.caps and engine.settings.demo:
            set_rate_ban = getattr(engine._network, "set_rate_ban", None)
            if set_rate_ban is not None:
                set_rate_ban(False)  # demo-fast: the simulated network lets it through
        now = fleet.clock.now()
        self._pacers = await load_pacers(
            engine.store,
            {bot: fleet.config.pacing_for(bot) for bot in bots},
            now=now,
            profile=profile,
            quiet_hours=engine.settings.quiet_hours,
            warm_up=engine.settings.warm_up,  # from the bots' last pairing in the store
            seed=engine.settings.seed,
            not_before=campaign.start_at,
        )
        self._per_bot = dict.fromkeys(bots, 0)
        await self.reload()
        await self._publish(note)
        workers = [asyncio.ensure_future(self._worker(bot, profile.caps)) for bot in bots]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()
        if self._halted.is_set():
            await self._publish(None)
            return
        counts = await engine.store.count_recipients(campaign.id)  # type: ignore[arg-type]
        if (
            counts.get(RecipientStatus.PENDING, 0) == 0
            and counts.get(RecipientStatus.SENDING, 0) == 0
        ):
            done = await engine.store.set_campaign_status(
                campaign.id,  # type: ignore[arg-type]
                CampaignStatus.DONE,
                fleet.clock.now(),
            )
            if done is not None:
                self.campaign = done
            uncertain = counts.get(RecipientStatus.UNCERTAIN, 0)
            log.info("campaign %s (%s) done", campaign.id, campaign.name)
            await self._publish(
                "done" + (f"; {uncertain} uncertain recipients to resolve" if uncertain else "")
            )

    def _bots(self) -> list[str]:
        fleet = self.engine.fleet
        if self.campaign.bots == ALL_BOTS:
            return list(fleet.bot_ids)
        return [bot for bot in self.campaign.bots if bot in fleet.bot_ids]

    async def reload(self) -> None:
        """Queue every pending recipient by its preferred bot, in sending order."""
        queues: dict[str | None, deque[Recipient]] = {}
        after: int | None = None
        while True:
            page = await self.engine.store.list_recipients(
                self.campaign.id,  # type: ignore[arg-type]
                status=RecipientStatus.PENDING,
                limit=5000,
                after_seq=after,
            )
            for recipient in page:
                queues.setdefault(recipient.preferred_bot, deque()).append(recipient)
            if len(page) < 5000:
                break
            after = page[-1].seq
        self._queues = queues
        self._changed.set()

    def _pending(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def _anyones(self, owner: str | None) -> bool:
        """Whether the share of owner may go from any bot: no owner, a bot not in the
        campaign, or one that dropped out (offline, banned, logged out)."""
        return owner is None or owner not in self._pacers or _dropped_out(self.engine.fleet, owner)

    def _queue_for(self, bot: str) -> deque[Recipient] | None:
        """Where bot's next recipient comes from: its own share first, else the share of
        a bot that cannot send now (offline, banned, logged out, or not in the
        campaign); None when nothing pending is one bot may send to."""
        own = self._queues.get(bot)
        if own:
            return own
        for owner, queue in self._queues.items():
            if queue and owner != bot and self._anyones(owner):
                return queue
        return None

    def _waits_for(self, bot: str) -> bool:
        """Whether a pending recipient waits for this bot, which cannot send now: its own
        share, which it keeps while it is starting up, or a share that no bot able to
        send may take. A bot nothing waits for (not paired and given no share, say) says
        nothing about the campaign."""
        fleet = self.engine.fleet
        if self._queues.get(bot) and not _dropped_out(fleet, bot):
            return True
        stranded = any(queue and self._anyones(owner) for owner, queue in self._queues.items())
        return stranded and not any(_can_send(fleet, other) for other in self._pacers)

    async def _worker(self, bot: str, fleet_caps: bool) -> None:
        fleet = self.engine.fleet
        pacer = self._pacers[bot]
        while not self._halted.is_set():
            if not self._pending() and not self._in_flight:
                # Nothing left for anyone: done now, not after this bot's next pause.
                self._not_waited_for(bot)
                return
            if not _can_send(fleet, bot):
                if self._waits_for(bot):
                    self._set_waiting(bot, "bot not online")
                else:
                    self._not_waited_for(bot)
                await self._idle()
                continue
            queue = self._queue_for(bot)
            if queue is None:
                # The rest is other bots' share, or in flight: wait for a change (a send
                # settling, a bot dropping out), not for this bot's next pause, so the
                # campaign ends as soon as its last recipient settles.
                self._not_waited_for(bot)
                await self._idle()
                continue
            now = fleet.clock.now()
            nxt = pacer.next_send(now)
            if nxt.at > now:
                self._set_waiting(bot, nxt.reason)
                await self._sleep_until(nxt.at)
                continue
            recipient = queue.popleft()  # nothing awaited since the queue was chosen
            self._set_waiting(bot, None)
            self._in_flight += 1
            try:
                await self._send_one(bot, recipient, pacer, fleet_caps)
            finally:
                self._in_flight -= 1
                self._changed.set()
            self._schedule_progress()

    async def _send_one(
        self, bot: str, recipient: Recipient, pacer: BotPacer, fleet_caps: bool
    ) -> None:
        engine = self.engine
        fleet, store = engine.fleet, engine.store
        now = fleet.clock.now()
        claim = await store.claim_recipient(
            self.campaign.id,  # type: ignore[arg-type]
            recipient.phone,
            bot,
            now,
            repeat_since=now - REPEAT_WINDOW,
        )
        if claim.outcome is ClaimOutcome.NOT_RUNNING:
            self._queues.setdefault(recipient.preferred_bot, deque()).appendleft(recipient)
            self.halt()
            return
        if claim.outcome is not ClaimOutcome.CLAIMED or claim.message is None:
            return  # skipped (opted out, repeat) or taken care of elsewhere
        outcome = _CampaignOutcome(store, self.campaign.id, recipient.phone)  # type: ignore[arg-type]
        # demo-fast has no caps anywhere; otherwise the fleet's caps apply as to any send.
        result = await fleet.send_claimed(claim.message, outcome, check_caps=fleet_caps)
        if result.retryable:
            # Certainly not sent (the bot dropped): back in the queue for any bot.
            self._queues.setdefault(recipient.preferred_bot, deque()).appendleft(recipient)
            return
        pacer.record(fleet.clock.now())
        self._per_bot[bot] = self._per_bot.get(bot, 0) + 1

    async def _idle(self) -> None:
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), IDLE_SECONDS)

    async def _sleep_until(self, at: datetime) -> None:
        seconds = (at - self.engine.fleet.clock.now()).total_seconds()
        if seconds <= 0:
            return
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            # Woken early by a change (a halt, a send settling, a bot's change): the
            # worker looks again, so a pause it no longer needs (its share went to
            # another bot, the campaign ended) does not hold the campaign. At most a
            # minute at a time so a clock that jumps is noticed.
            await asyncio.wait_for(self._changed.wait(), min(seconds, 60.0))

    def _set_waiting(self, bot: str, why: str | None) -> None:
        """What bot waits for before its next message (None: it is sending)."""
        if bot not in self._waiting or self._waiting[bot] != why:
            self._waiting[bot] = why
            self._schedule_progress()

    def _not_waited_for(self, bot: str) -> None:
        """Nothing pending waits for bot: it has no say in why the campaign waits."""
        if bot in self._waiting:
            del self._waiting[bot]
            self._schedule_progress()

    # --- progress ---------------------------------------------------------------------------
    def _schedule_progress(self) -> None:
        if self._progress_due is not None or self._halted.is_set():
            return
        loop = asyncio.get_running_loop()
        wait = max(0.0, self._last_progress + PROGRESS_SECONDS - loop.time())

        def due() -> None:
            self._progress_due = None
            if self.engine._started:  # else the engine stopped: the store is closing
                self.engine._background_task(self._publish(None))

        self._progress_due = loop.call_later(wait, due)

    async def progress(self) -> CampaignProgress:
        engine = self.engine
        counts = await engine.store.count_recipients(self.campaign.id)  # type: ignore[arg-type]
        campaign = await engine.store.get_campaign(self.campaign.id)  # type: ignore[arg-type]
        if campaign is not None:
            self.campaign = campaign
        finish = None
        left = self._left_by_bot()
        if left:
            finish = self._estimate_finish(left)
        reasons = sorted({why for why in self._waiting.values() if why})
        return CampaignProgress(
            campaign=self.campaign,
            counts={str(k): v for k, v in counts.items()},
            per_bot=dict(self._per_bot),
            finish_at=finish,
            waiting="; ".join(reasons)
            if reasons and not any(w is None for w in self._waiting.values())
            else None,
        )

    def _estimate_finish(self, left: dict[str | None, int]) -> datetime | None:
        """The estimated finish of the recipients ``left`` (see _left_by_bot), as the
        workers take them: each bot its own share (however its warm-up and quiet hours
        hold it back), the rest by whichever bot is free first. It is an instant, which
        holds while the pace does: worked out again at most every FINISH_SECONDS of the
        fleet's clock, and at once when the bots that can send or keep a share change."""
        fleet = self.engine.fleet
        live = tuple(b for b in self._pacers if _can_send(fleet, b))
        if not live:
            return None
        keeping = {b: p for b, p in self._pacers.items() if not _dropped_out(fleet, b)}
        now = fleet.clock.now()
        basis = (*live, "|", *keeping)
        last = self._finish
        if (
            last is not None
            and last[1] == basis
            and last[0] <= now < last[0] + timedelta(seconds=FINISH_SECONDS)
        ):
            return last[2]
        finish = estimate_finish(list(keeping.values()), left, now)
        self._finish = (now, basis, finish)
        return finish

    def _left_by_bot(self) -> dict[str | None, int]:
        """The pending recipients as the workers will take them (``_queue_for``): a
        bot of the campaign that has not dropped out keeps its own share; the others'
        (None: any bot's) go to whichever bot is free first."""
        fleet = self.engine.fleet
        left: dict[str | None, int] = {}
        for owner, queue in self._queues.items():
            if queue:
                keeps = (
                    owner is not None and owner in self._pacers and not _dropped_out(fleet, owner)
                )
                key = owner if keeps else None
                left[key] = left.get(key, 0) + len(queue)
        return left

    async def _publish(self, note: str | None) -> None:
        self._last_progress = asyncio.get_running_loop().time()
        try:
            event = await self.progress()
        except Exception:
            log.exception("could not read campaign %s's progress", self.campaign.id)
            return
        event.note = note
        self.engine._publish(event)


# A bot in one of these states has dropped out of a campaign: its share goes to the
# others. One still starting up (connecting) keeps its share a while.
DROPPED_OUT = frozenset(
    {
        BotState.RECONNECTING,
        BotState.NOT_PAIRED,
        BotState.LOGGED_OUT,
        BotState.BANNED,
        BotState.ERROR,
        BotState.WAITING_FOR_PHONE,
        BotState.PAIRING,
    }
)


def _dropped_out(fleet: Fleet, bot: str) -> bool:
    try:
        return fleet.status(bot).state in DROPPED_OUT
    except FleetCommandError:
        return True


def _can_send(fleet: Fleet, bot: str) -> bool:
    try:
        return fleet.status(bot).state in SENDABLE
    except FleetCommandError:
        return False


__all__ = ["BroadcastEngine", "BroadcastError", "BroadcastSettings"]  # settings: re-exported
