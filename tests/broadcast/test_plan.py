"""The dry run and create building blocks: counts by outcome, the plan per bot, the
estimated finish, the first messages; nothing saved until save_plan, all at once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from linda_tui.broadcast.audience import audience_from_csv, audience_from_numbers
from linda_tui.broadcast.pacing import QuietHours, pace_profile
from linda_tui.broadcast.plan import PlanError, plan_broadcast, save_plan
from linda_tui.broadcast.template import TemplateError
from linda_tui.clock import FixedClock
from linda_tui.config.models import Pacing
from linda_tui.models import (
    PAIR_SUCCESS,
    AuditEntry,
    CampaignStatus,
    Direction,
    Message,
    MessageStatus,
    OptOut,
    RecipientStatus,
)
from linda_tui.store import SQLiteStore

T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
PHONES = [f"+97150123{n:04d}" for n in range(1, 13)]
SLOW = Pacing(min_delay_seconds=60, max_delay_seconds=60)
FLEET = {"main": SLOW, "agent-1": SLOW, "agent-2": SLOW}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    async with SQLiteStore(tmp_path / "linda.db") as opened:
        yield opened


def csv_file(tmp_path: Path, rows: list[str], header: str = "Phone,First Name,City") -> Path:
    path = tmp_path / "clients.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


async def plan_for(store: SQLiteStore, path: Path, template: str, **kwargs: object):  # type: ignore[no-untyped-def]
    audience = audience_from_csv(path, region="AE")
    options: dict[str, object] = {
        "name": "January offer",
        "template": template,
        "audience": audience,
        "store": store,
        "bots": "all",
        "pacing": FLEET,
        "now": T0,
    }
    options.update(kwargs)
    return await plan_broadcast(**options)  # type: ignore[arg-type]


async def test_a_dry_run_counts_every_outcome_and_saves_nothing(
    store: SQLiteStore, tmp_path: Path
) -> None:
    rows = [f"{phone},Name{n},Dubai" for n, phone in enumerate(PHONES[:8])]
    rows += ["not-a-phone,Bad,Dubai", f"{PHONES[0]},Again,Dubai", "12,Short,Dubai"]
    path = csv_file(tmp_path, rows)
    await store.add_opt_out(OptOut(phone=PHONES[1], created_at=T0))
    # PHONES[2] got exactly this text an hour ago; PHONES[3] another text.
    await store.add_message(
        Message(
            bot_id="main",
            direction=Direction.OUT,
            peer=PHONES[2],
            text="Hi Name2, new units in Dubai",
            status=MessageStatus.SENT,
            created_at=T0 - timedelta(hours=1),
        )
    )
    await store.add_message(
        Message(
            bot_id="main",
            direction=Direction.OUT,
            peer=PHONES[3],
            text="something else",
            status=MessageStatus.SENT,
            created_at=T0 - timedelta(hours=1),
        )
    )
    plan = await plan_for(store, path, "Hi {first_name}, new units in {city}")

    assert plan.to_send == 6
    assert plan.skipped == {
        "invalid": 2,
        "duplicate": 1,
        "opted out": 1,
        "same text in the last 24 h": 1,
    }
    assert sum(plan.per_bot.values()) == 6 and set(plan.per_bot) == {"main", "agent-1", "agent-2"}
    assert [(r.phone, r.text) for r in plan.preview] == [
        (PHONES[0], "Hi Name0, new units in Dubai"),
        (PHONES[3], "Hi Name3, new units in Dubai"),
        (PHONES[4], "Hi Name4, new units in Dubai"),
        (PHONES[5], "Hi Name5, new units in Dubai"),
        (PHONES[6], "Hi Name6, new units in Dubai"),
    ]
    # Two messages per bot, a minute apart (the opted-out one's pause does not count).
    assert plan.finish_at == T0 + timedelta(minutes=1)
    summary = plan.summary()
    json.dumps(summary)  # ready for --json
    assert summary["to_send"] == 6 and summary["finish_at"] == plan.finish_at.isoformat()
    assert [i["line"] for i in summary["invalid"]] == [10, 12]
    assert summary["duplicates"] == [{"line": 11, "first_line": 2}]
    assert await store.list_campaigns() == []


async def test_recipients_keep_the_bot_that_owns_them_and_the_rest_is_even(
    store: SQLiteStore, tmp_path: Path
) -> None:
    for phone in PHONES[:4]:
        await store.ensure_contact_ref(phone, "agent-2", T0 - timedelta(days=3))
    await store.ensure_contact_ref(PHONES[4], "retired-bot", T0 - timedelta(days=3))
    path = csv_file(tmp_path, [f"{p},N,Dubai" for p in PHONES])
    plan = await plan_for(store, path, "Hello")
    bots = {r.phone: r.preferred_bot for r in plan.recipients}
    assert all(bots[p] == "agent-2" for p in PHONES[:4])
    assert plan.per_bot == {"main": 4, "agent-1": 4, "agent-2": 4}
    # A bot outside the campaign does not keep its contact.
    assert bots[PHONES[4]] in ("main", "agent-1")


async def test_skipped_recipients_keep_their_owner_and_the_others_take_turns(
    store: SQLiteStore, tmp_path: Path
) -> None:
    """Left-out recipients take no bot's turn: the ones sent to are spread evenly over
    the bots, in order; one left out keeps the bot that owns it (shown in the export)."""
    await store.ensure_contact_ref(PHONES[1], "agent-2", T0 - timedelta(days=3))
    await store.add_opt_out(OptOut(phone=PHONES[1], created_at=T0))
    await store.add_opt_out(OptOut(phone=PHONES[2], created_at=T0))
    path = csv_file(tmp_path, [f"{p},N,Dubai" for p in PHONES[:8]])
    plan = await plan_for(store, path, "Hello")
    assert [(r.phone, r.preferred_bot, r.skip_reason) for r in plan.recipients] == [
        (PHONES[0], "main", None),
        (PHONES[1], "agent-2", "opted out"),
        (PHONES[2], None, "opted out"),
        (PHONES[3], "agent-1", None),
        (PHONES[4], "agent-2", None),
        (PHONES[5], "main", None),
        (PHONES[6], "agent-1", None),
        (PHONES[7], "agent-2", None),
    ]
    assert plan.per_bot == {"main": 2, "agent-1": 2, "agent-2": 2}


async def test_the_chosen_bots_only(store: SQLiteStore, tmp_path: Path) -> None:
    path = csv_file(tmp_path, [f"{p},N,Dubai" for p in PHONES[:4]])
    plan = await plan_for(store, path, "Hello", bots=("agent-1",))
    assert plan.per_bot == {"agent-1": 4}
    assert plan.bot_ids == ("agent-1",)
    with pytest.raises(PlanError, match="unknown bot 'agent-9' — choose among"):
        await plan_for(store, path, "Hello", bots=("agent-9",))
    with pytest.raises(PlanError, match="no bot to send from"):
        await plan_for(store, path, "Hello", pacing={})


async def test_template_problems_stop_the_plan_before_anything_is_saved(
    store: SQLiteStore, tmp_path: Path
) -> None:
    path = csv_file(tmp_path, [f"{PHONES[0]},Ali,Dubai", f"{PHONES[1]},,Sharjah"])
    with pytest.raises(TemplateError, match=r"\{frist_name\}, which .*clients.csv does not have"):
        await plan_for(store, path, "Hi {frist_name}")
    with pytest.raises(TemplateError, match=r"empty for 1 of 2 recipients .*\(first on line 3\)"):
        await plan_for(store, path, "Hi {First Name}")
    with pytest.raises(TemplateError, match="column 4"):
        await plan_for(store, path, "Hi {name")
    with pytest.raises(TemplateError, match="empty message for 1 recipient "):
        await plan_for(store, path, "{first_name|}")
    with pytest.raises(TemplateError, match="is 65,537 characters"):
        await plan_for(store, path, "x" * 65_537)
    long_row = csv_file(tmp_path, [f"{PHONES[0]},Ali,Dubai", f"{PHONES[1]},{'A' * 65_534},Sharjah"])
    with pytest.raises(TemplateError, match="message for line 3 is 65,537 characters"):
        await plan_for(store, long_row, "Hi {first_name}")
    path = csv_file(tmp_path, [f"{PHONES[0]},Ali,Dubai", f"{PHONES[1]},,Sharjah"])
    # With a fallback it plans.
    plan = await plan_for(store, path, "Hi {first_name|there}")
    assert [r.text for r in plan.recipients] == ["Hi Ali", "Hi there"]
    assert await store.list_campaigns() == []


async def test_numbers_without_names_need_fallbacks(store: SQLiteStore) -> None:
    audience = audience_from_numbers([PHONES[0], PHONES[1]], region="AE")
    with pytest.raises(TemplateError, match=r"\{name\|there\}"):
        await plan_broadcast(
            name="x",
            template="Hi {name}",
            audience=audience,
            store=store,
            bots="all",
            pacing=FLEET,
            now=T0,
        )
    plan = await plan_broadcast(
        name="x",
        template="Hi {name|there}",
        audience=audience,
        store=store,
        bots="all",
        pacing=FLEET,
        now=T0,
    )
    assert plan.to_send == 2


async def test_the_same_campaign_renders_the_same_texts_every_time(
    store: SQLiteStore, tmp_path: Path
) -> None:
    path = csv_file(tmp_path, [f"{p},N{n},Dubai" for n, p in enumerate(PHONES)])
    template = "[[Hi|Hello|Good morning]] {first_name}"
    first = await plan_for(store, path, template)
    again = await plan_for(store, path, template)
    assert [r.text for r in first.recipients] == [r.text for r in again.recipients]
    assert len({r.text.split()[0] for r in first.recipients}) > 1
    other = await plan_for(store, path, template, name="February offer")
    assert [r.text for r in other.recipients] != [r.text for r in first.recipients]


async def test_the_estimate_counts_what_the_bots_sent_before(
    store: SQLiteStore, tmp_path: Path
) -> None:
    """A bot at its daily cap (from earlier sends, read from the store) waits a day."""
    capped = Pacing(min_delay_seconds=0, max_delay_seconds=0, per_minute=30, per_day=10)
    for minute in range(10):
        await store.add_message(
            Message(
                bot_id="main",
                direction=Direction.OUT,
                peer=f"+9715012399{minute:02d}",
                text=f"earlier {minute}",
                status=MessageStatus.SENT,
                created_at=T0 - timedelta(hours=2, minutes=-minute),
            )
        )
    path = csv_file(tmp_path, [f"{PHONES[0]},N,Dubai"])
    plan = await plan_for(store, path, "Hello", bots=("main",), pacing={"main": capped})
    assert plan.finish_at == T0 + timedelta(hours=22)


async def test_the_estimate_waits_for_quiet_hours_and_the_start_time(
    store: SQLiteStore, tmp_path: Path
) -> None:
    path = csv_file(tmp_path, [f"{p},N,Dubai" for p in PHONES[:3]])
    evening = datetime(2026, 1, 15, 20, 59, tzinfo=UTC)
    quiet = QuietHours(time(21, 0), time(9, 0), UTC)
    plan = await plan_for(
        store, path, "Hello", bots=("main",), pacing={"main": SLOW}, now=evening, quiet_hours=quiet
    )
    assert plan.finish_at == datetime(2026, 1, 16, 9, 1, tzinfo=UTC)
    later = T0 + timedelta(days=2)
    plan = await plan_for(
        store, path, "Hello", bots=("main",), pacing={"main": SLOW}, start_at=later
    )
    assert plan.finish_at == later + timedelta(minutes=2)
    assert plan.summary()["start_at"] == later.isoformat()


async def test_the_plan_says_when_its_first_message_goes_and_what_holds_it(
    store: SQLiteStore, tmp_path: Path
) -> None:
    """Started at 02:00 inside quiet hours, the first message goes at 09:00, and the
    question before a start says so instead of "starts sending now"."""
    from linda_tui.tui.widgets.broadcast_form import _first_send_words

    path = csv_file(tmp_path, [f"{p},N,Dubai" for p in PHONES[:3]])
    quiet = QuietHours(time(21, 0), time(9, 0), UTC)
    night = datetime(2026, 1, 15, 2, 0, tzinfo=UTC)
    plan = await plan_for(
        store, path, "Hello", bots=("main",), pacing={"main": SLOW}, now=night, quiet_hours=quiet
    )
    assert plan.first_send is not None
    assert plan.first_send.at == datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    assert plan.first_send.reason == "quiet hours (21:00-09:00)"
    assert _first_send_words(plan, night, UTC) == (
        "starts sending 09:00 (in 7h00m), held until then: quiet hours (21:00-09:00)"
    )
    day = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    plan = await plan_for(
        store, path, "Hello", bots=("main",), pacing={"main": SLOW}, now=day, quiet_hours=quiet
    )
    assert plan.first_send is not None and plan.first_send.at == day
    assert _first_send_words(plan, day, UTC) == "starts sending now"


async def test_demo_fast_finishes_at_once(store: SQLiteStore, tmp_path: Path) -> None:
    path = csv_file(tmp_path, [f"{p},N,Dubai" for p in PHONES])
    plan = await plan_for(store, path, "Hello", profile=pace_profile("demo-fast", demo=True))
    assert plan.finish_at == T0
    assert plan.summary()["pace"] == "demo-fast"


async def test_save_plan_stores_the_campaign_and_every_recipient_at_once(
    store: SQLiteStore, tmp_path: Path
) -> None:
    rows = [f"{p},N{n},Dubai" for n, p in enumerate(PHONES[:4])] + ["bad,X,Y"]
    await store.add_opt_out(OptOut(phone=PHONES[2], created_at=T0))
    plan = await plan_for(store, csv_file(tmp_path, rows), "Hi {first_name}")
    clock = FixedClock(T0)
    campaign = await save_plan(store, plan, created_by="ops", now=clock.now())
    assert campaign.id is not None
    assert (campaign.status, campaign.template, campaign.bots, campaign.created_by) == (
        CampaignStatus.DRAFT,
        "Hi {first_name}",
        "all",
        "ops",
    )
    assert campaign.skipped == {"invalid": 1, "opted out": 1}
    assert await store.get_campaign(campaign.id) == campaign
    stored = await store.list_recipients(campaign.id)
    assert [(r.phone, r.text, r.status) for r in stored] == [
        (PHONES[0], "Hi N0", RecipientStatus.PENDING),
        (PHONES[1], "Hi N1", RecipientStatus.PENDING),
        (PHONES[2], "Hi N2", RecipientStatus.SKIPPED),
        (PHONES[3], "Hi N3", RecipientStatus.PENDING),
    ]
    assert stored[2].reason == "opted out"
    assert {r.preferred_bot for r in stored if r.status is RecipientStatus.PENDING} <= set(FLEET)


async def test_the_store_keeps_each_message_and_nothing_else_of_the_row(
    store: SQLiteStore, tmp_path: Path
) -> None:
    """A recipient is stored with the text it gets; a column the template never names
    (a private note) is nowhere in the store's file."""
    path = tmp_path / "clients.csv"
    path.write_text(
        "Phone,First Name,City,Notes\n"
        f"{PHONES[0]},Sara,Dubai,private note\n"
        f"{PHONES[1]},,Ajman,another note\n",
        encoding="utf-8",
    )
    plan = await plan_for(store, path, "[[Hi {first_name|there}|Hello]], units in {city}")
    campaign = await save_plan(store, plan, created_by="ops", now=T0)
    assert campaign.id is not None
    stored = await store.list_recipients(campaign.id)
    assert [r.text.split(", ")[1] for r in stored] == ["units in Dubai", "units in Ajman"]
    await store.close()
    database = store.path.read_bytes()
    for wal in store.path.parent.glob(store.path.name + "-wal"):
        database += wal.read_bytes()
    assert b"Dubai" in database
    assert b"private note" not in database and b"another note" not in database


async def test_nobody_left_to_message_is_not_saved(store: SQLiteStore, tmp_path: Path) -> None:
    await store.add_opt_out(OptOut(phone=PHONES[0], created_at=T0))
    plan = await plan_for(store, csv_file(tmp_path, [f"{PHONES[0]},N,Dubai", "bad,X,Y"]), "Hi")
    assert plan.to_send == 0 and plan.finish_at is None
    with pytest.raises(PlanError, match="nobody left to message .*1 invalid, 1 opted out"):
        await save_plan(store, plan, created_by="ops", now=T0)
    assert await store.list_campaigns() == []


async def test_a_campaign_needs_a_name(store: SQLiteStore, tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="no name"):
        await plan_for(store, csv_file(tmp_path, [f"{PHONES[0]},N,D"]), "Hi", name="  ")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("E\x1b]52;c;YQ==\x07", r"has a control character \(U\+001B\)"),
        ("\u202eRTL", r"has a control character \(U\+202E\)"),
        ("zero\u200bwidth", r"has a control character \(U\+200B\)"),
        ("x" * 201, "201 characters — keep it to 200 at most"),
    ],
)
async def test_a_campaign_name_is_plain_text_of_one_line(
    store: SQLiteStore, tmp_path: Path, name: str, problem: str
) -> None:
    """As the console's fields and bots.yaml's names: no terminal control, no bidi
    override, a length every listing can show."""
    path = csv_file(tmp_path, [f"{PHONES[0]},N,D"])
    with pytest.raises(PlanError, match=problem):
        await plan_for(store, path, "Hi", name=name)
    assert (await plan_for(store, path, "Hi", name="مرحبا 👋 " + "x" * 190)).to_send == 1


async def test_bots_that_cannot_send_get_nobody_and_the_estimate_counts_without_them(
    store: SQLiteStore, tmp_path: Path
) -> None:
    # agent-2 owns four of them; it is not paired now.
    for phone in PHONES[:4]:
        await store.ensure_contact_ref(phone, "agent-2", T0 - timedelta(days=3))
    path = csv_file(tmp_path, [f"{p},N,Dubai" for p in PHONES])
    everyone = await plan_for(store, path, "Hello")
    plan = await plan_for(store, path, "Hello", unusable={"agent-2": "not paired"})
    assert plan.per_bot == {"main": 6, "agent-1": 6}
    assert plan.senders == ("main", "agent-1")  # what the start says it sends from
    assert {r.preferred_bot for r in plan.recipients} == {"main", "agent-1"}
    assert plan.unusable == {"agent-2": "not paired"} and plan.waiting is None
    # Two bots at a minute a message finish later than three would.
    assert everyone.finish_at is not None and plan.finish_at is not None
    assert plan.finish_at > everyone.finish_at
    summary = plan.summary()
    assert summary["per_bot"] == {"main": 6, "agent-1": 6}
    assert summary["unusable"] == {"agent-2": "not paired"} and summary["waiting"] is None
    # A bot the campaign does not use is no concern of its plan.
    only_main = await plan_for(store, path, "Hello", bots=("main",), unusable={"agent-2": "x"})
    assert only_main.unusable == {} and only_main.per_bot == {"main": 12}


async def test_with_no_chosen_bot_able_to_send_the_plan_says_it_waits(
    store: SQLiteStore, tmp_path: Path
) -> None:
    path = csv_file(tmp_path, [f"{p},N,Dubai" for p in PHONES[:4]])
    plan = await plan_for(
        store,
        path,
        "Hello",
        bots=("agent-1", "agent-2"),
        unusable={"agent-1": "logged out", "agent-2": "banned: temporary ban until 17:40"},
    )
    assert plan.per_bot == {} and plan.finish_at is None and plan.to_send == 4
    assert plan.senders == ()
    assert all(r.preferred_bot is None for r in plan.recipients)
    assert plan.waiting is not None
    assert plan.waiting.startswith(
        "no chosen bot can send (agent-1 logged out, agent-2 banned: temporary ban until 17:40)"
    )
    assert "waits until one is paired or back" in plan.waiting
    # It can still be saved: it waits until a bot can send.
    campaign = await save_plan(store, plan, created_by="ops", now=T0)
    assert campaign.id is not None


def test_unusable_bots_are_those_that_need_someone_to_act() -> None:
    from linda_tui.broadcast.plan import unusable_bots
    from linda_tui.config.models import BotConfig
    from linda_tui.fleet.status import BotStatus
    from linda_tui.models import BotState

    def status(bot: str, state: BotState, detail: str | None = None) -> BotStatus:
        config = BotConfig(id=bot, name=bot, phone="+971501234567")
        return BotStatus(bot=config, state=state, since=T0, detail=detail)

    statuses = [
        status("online", BotState.ONLINE),
        status("back-soon", BotState.RECONNECTING, "reconnecting in 4 s"),
        status("starting", BotState.CONNECTING),
        status("stopped", BotState.STOPPED),
        status("new", BotState.NOT_PAIRED, "no WhatsApp session yet"),
        status("gone", BotState.LOGGED_OUT, "logged out: device removed"),
        status("barred", BotState.BANNED, "temporary ban (code 101) until 17:40 UTC"),
        status("damaged", BotState.ERROR, "session file damaged"),
        status("linking", BotState.WAITING_FOR_PHONE, "scan the QR code"),
    ]
    assert unusable_bots(statuses) == {
        "new": "not paired",
        "gone": "logged out",
        "barred": "banned: temporary ban (code 101) until 17:40 UTC",
        "damaged": "broken: session file damaged",
        "linking": "being paired",
    }


def _spread_one_by_one(phones: list[str], owners: dict[str, str], bots: list[str]) -> list[str]:
    """The rule written out: the owner when it is one of the bots, else the least
    loaded bot so far, the first of them on a tie."""
    load = dict.fromkeys(bots, 0)
    chosen = []
    for phone in phones:
        owner = owners.get(phone)
        bot = owner if owner in load else min(load, key=load.__getitem__)
        load[bot] += 1
        chosen.append(bot)
    return chosen


@pytest.mark.parametrize(
    "owners",
    [
        {},  # no one owned: the bots in turn
        {"+971501230005": "retired-bot"},  # owned by a bot not chosen: the same
        {"+971501230000": "agent-2", "+971501230003": "agent-2", "+971501230007": "main"},
    ],
)
@pytest.mark.parametrize("count", [0, 1, 2, 3, 7, 100])
def test_spreading_follows_the_least_loaded_rule(owners: dict[str, str], count: int) -> None:
    from linda_tui.broadcast.plan import _spread

    phones = [f"+97150123{n:04d}" for n in range(count)]
    bots = ["main", "agent-1", "agent-2"]
    assert _spread(phones, owners, bots) == _spread_one_by_one(phones, owners, bots)


async def test_the_estimate_applies_the_warm_up_of_a_bot_paired_today(
    store: SQLiteStore, tmp_path: Path
) -> None:
    """The pairing is read from the store (the bot's last pair.success), however many
    entries came after it: 200 messages from a bot paired an hour ago take days 1-2 at
    50 a day, then days 3-4 at 100, not an afternoon."""
    fast = Pacing(min_delay_seconds=0, max_delay_seconds=0, per_minute=30, per_hour=1000)
    await store.add_audit(
        AuditEntry(action=PAIR_SUCCESS, os_user="ops", at=T0 - timedelta(hours=1), bot_id="main")
    )
    for second in range(600):
        await store.add_audit(
            AuditEntry(
                action="send", os_user="ops", at=T0 - timedelta(seconds=second), bot_id="main"
            )
        )
    phones = [f"+9715012{n:05d}" for n in range(200)]
    path = csv_file(tmp_path, [f"{p},N,Dubai" for p in phones])
    plan = await plan_for(store, path, "Hello", bots=("main",), pacing={"main": fast})
    assert plan.finish_at is not None and plan.finish_at > T0 + timedelta(days=2)
    unpaired = await plan_for(
        store, path, "Hello", bots=("main",), pacing={"main": fast}, warm_up=None
    )
    assert unpaired.finish_at is not None and unpaired.finish_at < T0 + timedelta(hours=1)
