"""The fleet as an operator writes it in bots.yaml, validated.

Plain frozen dataclasses checked by ``linda_tui.config.validation``: building one
directly (``BotConfig(id=..., name=..., phone=...)``) validates and normalises it just
as loading bots.yaml does, and refuses bad values with a ConfigValueError (a
ValueError) whose lines read as the loader's. Use ``dataclasses.replace`` for a
changed copy; it is validated too.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import time
from enum import StrEnum
from typing import Any

import phonenumbers

from linda_tui.config.explain import explain
from linda_tui.config.validation import (
    ConfigValueError,
    ErrorDetails,
    Refused,
    checked,
    error,
    field_names,
    to_bool,
    to_float,
    to_int,
    to_list_of,
    to_member,
    to_model,
    to_text,
    validate,
)
from linda_tui.phones import InvalidPhoneError, to_e164
from linda_tui.terminal_text import INVISIBLE_CHARACTERS, control_character, describe_character

BOT_ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
DEFAULT_REGION = "AE"


class Role(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


def check_region(value: object) -> str:
    """A phone region code (ISO 3166 alpha-2, as phonenumbers knows it), upper-cased."""
    if not isinstance(value, str):
        raise ValueError(
            f"default_region must be a two-letter country code, not {value!r} — "
            "write e.g. default_region: AE"
        )
    region = value.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(
            f"default_region {value!r} is not a country code known to phonenumbers — "
            "use a two-letter code such as AE, GB or US"
        )
    return region


def _order_error(
    min_delay: float, max_delay: float, loc: tuple[str | int, ...], prefix: str
) -> ErrorDetails:
    return error(
        loc,
        "value_error",
        None,
        f"{prefix}max_delay_seconds ({max_delay:g}) is smaller than "
        f"min_delay_seconds ({min_delay:g}) — make max_delay_seconds at least min_delay_seconds",
    )


# The longest pause between two messages of a bot: a day (per_day says the rest).
MAX_DELAY_SECONDS = 86_400.0


@dataclass(frozen=True, kw_only=True)
class Pacing:
    """How fast a bot may send. Defaults follow public guidance on avoiding bans."""

    min_delay_seconds: float = checked(30.0, to_float, ge=0.0, le=MAX_DELAY_SECONDS)
    max_delay_seconds: float = checked(60.0, to_float, ge=0.0, le=MAX_DELAY_SECONDS)
    per_minute: int = checked(5, to_int, ge=1, le=30)
    per_hour: int = checked(80, to_int, ge=1)
    per_day: int = checked(500, to_int, ge=1)

    def __post_init__(self) -> None:
        validate(self, explain)
        if self.max_delay_seconds < self.min_delay_seconds:
            raise ConfigValueError(
                [_order_error(self.min_delay_seconds, self.max_delay_seconds, (), "")], explain
            )

    def as_dict(self) -> dict[str, Any]:
        """Every limit by name, ready for JSON."""
        return {name: getattr(self, name) for name in field_names(Pacing)}


@dataclass(frozen=True, kw_only=True)
class PacingOverride:
    """Per-bot pacing: any key left out falls back to the fleet's pacing."""

    min_delay_seconds: float | None = checked(
        None, to_float, optional=True, ge=0.0, le=MAX_DELAY_SECONDS
    )
    max_delay_seconds: float | None = checked(
        None, to_float, optional=True, ge=0.0, le=MAX_DELAY_SECONDS
    )
    per_minute: int | None = checked(None, to_int, optional=True, ge=1, le=30)
    per_hour: int | None = checked(None, to_int, optional=True, ge=1)
    per_day: int | None = checked(None, to_int, optional=True, ge=1)

    def __post_init__(self) -> None:
        validate(self, explain)

    def as_dict(self) -> dict[str, Any]:
        """The limits this override sets, by name (the ones left out are not listed)."""
        values = {name: getattr(self, name) for name in field_names(PacingOverride)}
        return {name: value for name, value in values.items() if value is not None}


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])", re.I)
_DURATION_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_OFF_WORDS = frozenset({"off", "false", "no", "never", "manual"})
MIN_SYNC_INTERVAL = 5 * 60.0
MAX_SYNC_INTERVAL = 31 * 86400.0
DEFAULT_SYNC_INTERVAL = 6 * 3600.0


def parse_duration(value: object) -> float | None:
    """Seconds between syncs from text such as 6h, 30m, 1d, 1h30m or 90s; 0 for off.

    bots.yaml values are read as text, and text needs a unit. A number (from code, or a
    value already checked) is seconds. None stays None (not written).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        if value:
            raise ValueError("sync_every: true is not a duration — write e.g. sync_every: 6h")
        return 0.0
    if isinstance(value, int | float):
        seconds = float(value)
        if seconds == 0:
            return 0.0
    elif isinstance(value, str):
        text = value.strip().lower()
        if text in _OFF_WORDS:
            return 0.0
        compact = text.replace(" ", "")
        parts = _DURATION.findall(compact)
        if compact.replace(".", "", 1).isdigit():
            raise ValueError(
                f"sync_every {value!r} has no unit — write e.g. 6h, 30m or 1d "
                "(d, h, m or s), or off to sync only on demand"
            )
        if not parts or "".join(n + u for n, u in parts) != compact:
            raise ValueError(
                f"sync_every {value!r} is not a duration — write e.g. 6h, 30m, 1d or 1h30m "
                "(or off to sync only on demand)"
            )
        seconds = sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)
    else:
        return value  # type: ignore[return-value]  # the number check reports the type
    if not MIN_SYNC_INTERVAL <= seconds <= MAX_SYNC_INTERVAL:
        raise ValueError(
            f"sync_every {value!r} is out of range — sync at most every 5m and at least "
            "every 31d (Google's sync tokens expire after 7 days)"
        )
    return seconds


def _crontab(value: str) -> str:
    text = " ".join(value.split())
    try:
        # Imported here: only a fleet that writes sync_cron pays for APScheduler.
        from apscheduler.triggers.cron import CronTrigger

        CronTrigger.from_crontab(text)
    except ValueError as exc:
        raise ValueError(
            f"sync_cron {value!r} is not a cron expression ({' '.join(str(exc).split())}) — "
            'write five fields: minute hour day month weekday, e.g. "0 */6 * * *"'
        ) from None
    return text


@dataclass(frozen=True, kw_only=True)
class ContactsConfig:
    """The Google Contacts sync: how often, and whether new WhatsApp numbers go to Google.

    ``sync_every`` is in seconds once validated: None when not written (every 6 hours
    unless ``sync_cron`` is set), 0 for off (only on demand).
    """

    create_from_whatsapp: bool = checked(False, to_bool)
    sync_every: float | None = checked(None, to_float, optional=True, before=parse_duration)
    sync_cron: str | None = checked(None, to_text, optional=True, after=_crontab)

    def __post_init__(self) -> None:
        validate(self, explain)
        if self.sync_cron is not None and self.sync_every is not None:
            raise ConfigValueError(
                [
                    error(
                        ("sync_cron",),
                        "value_error",
                        self.sync_cron,
                        "sync_every and sync_cron are both set — keep one: an interval "
                        "(sync_every: 6h) or a cron expression (sync_cron)",
                    )
                ],
                explain,
            )

    @property
    def interval_seconds(self) -> float | None:
        """Seconds between scheduled syncs; None when a cron expression or nothing schedules."""
        if self.sync_cron is not None:
            return None
        if self.sync_every is None:
            return DEFAULT_SYNC_INTERVAL
        return self.sync_every or None

    @property
    def scheduled(self) -> bool:
        """False when syncs run only on demand (sync_every: off)."""
        return self.sync_cron is not None or self.interval_seconds is not None

    def as_dict(self) -> dict[str, Any]:
        """The settings as `linda config check` prints them."""
        return {
            "create_from_whatsapp": self.create_from_whatsapp,
            "sync_every": self.interval_seconds,
            "sync_cron": self.sync_cron,
        }


# --- broadcasts: quiet hours, warm-up, opt-out words -----------------------------------------

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_OFF = frozenset({"", "off", "none", "no", "false"})
DEFAULT_QUIET_HOURS = "21:00-09:00"
# A newly paired bot's caps, day by day (first day, last day, per hour, per day): about
# 20 an hour on days 1-2 rising to about 80 (PRODUCT.md's guidance), with low daily caps.
DEFAULT_WARM_UP_STEPS: tuple[tuple[int, int, int, int], ...] = (
    (1, 2, 20, 50),
    (3, 4, 40, 100),
    (5, 7, 60, 200),
)
MAX_WARM_UP_DAYS = 90
MAX_OPT_OUT_WORDS = 200
MAX_OPT_OUT_WORD_LENGTH = 60


def _clock_time(text: str, setting: str) -> time:
    match = _CLOCK.match(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour < 24 and minute < 60:
            return time(hour, minute)
        if hour == 24 and minute == 0:
            return time(0, 0)
    raise ValueError(
        f"{setting}: {text.strip()!r} is not a time of day — write it as HH:MM, e.g. 21:00"
    )


def parse_hours_range(text: str, setting: str = "quiet_hours") -> tuple[time, time] | None:
    """(start, end) from hours written "21:00-09:00" (start after end spans midnight);
    None for off, none, no or nothing. ValueError (one line, with the fix) otherwise."""
    cleaned = text.strip().lower()
    if cleaned in _OFF:
        return None
    start, dash, end = cleaned.replace("–", "-").partition("-")
    if not dash:
        raise ValueError(
            f"{setting}: {text.strip()!r} is not a range of hours — write it as "
            "21:00-09:00, or off for none"
        )
    begin, finish = _clock_time(start, setting), _clock_time(end, setting)
    if begin == finish:
        raise ValueError(
            f"{setting}: {begin:%H:%M}-{finish:%H:%M} start and end at the same time — "
            "write e.g. 21:00-09:00, or off for none"
        )
    return begin, finish


def _quiet_hours(value: object) -> object:
    if value is None or value is False:
        return None  # off
    if not isinstance(value, str):
        return value  # the text check reports the type
    hours = parse_hours_range(value)
    return None if hours is None else f"{hours[0]:%H:%M}-{hours[1]:%H:%M}"


def _day_range(value: object) -> object:
    if isinstance(value, bool):
        return value  # the text check reports it
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return value
    text = value.strip().replace("–", "-").replace(" ", "")
    first, dash, last = text.partition("-")
    if not first.isdigit() or (dash and not last.isdigit()):
        raise ValueError(
            f"warm_up days {value!r} is not a day or a range of days — write e.g. days: 1-2 "
            "(day 1 is the first 24 hours after pairing) or days: 3"
        )
    low, high = int(first), int(last) if dash else int(first)
    if not 1 <= low <= high <= MAX_WARM_UP_DAYS:
        raise ValueError(
            f"warm_up days {value!r} is out of order or range — write days from 1 to "
            f"{MAX_WARM_UP_DAYS}, the first no later than the last, e.g. days: 3-4"
        )
    return f"{low}-{high}" if high != low else str(low)


@dataclass(frozen=True, kw_only=True)
class WarmUpDays:
    """One step of the warm-up: the caps on these days after pairing (``days: 1-2``)."""

    days: str = checked(coerce=to_text, before=_day_range)
    per_hour: int = checked(coerce=to_int, ge=1)
    per_day: int = checked(coerce=to_int, ge=1)

    def __post_init__(self) -> None:
        validate(self, explain)

    @property
    def first_day(self) -> int:
        return int(self.days.partition("-")[0])

    @property
    def last_day(self) -> int:
        return int(self.days.rpartition("-")[2])

    def as_dict(self) -> dict[str, Any]:
        return {"days": self.days, "per_hour": self.per_hour, "per_day": self.per_day}


DEFAULT_WARM_UP_DAYS: tuple[WarmUpDays, ...] = tuple(
    WarmUpDays(days=f"{first}-{last}", per_hour=hour, per_day=day)
    for first, last, hour, day in DEFAULT_WARM_UP_STEPS
)
_WARM_UP_STEPS = to_list_of(to_model(WarmUpDays))


def _to_warm_up(value: Any) -> tuple[WarmUpDays, ...] | None:
    if (
        value is None
        or value is False
        or (isinstance(value, str) and value.strip().lower() in _OFF)
    ):
        return None
    if isinstance(value, str):
        raise Refused(
            "value_error",
            f"warm_up {value!r} is not a list of steps — write off, or steps such as "
            "'- days: 1-2' with per_hour and per_day under each",
        )
    steps = tuple(_WARM_UP_STEPS(value))
    if not steps:
        raise Refused(
            "value_error",
            "warm_up is an empty list — list its steps ('- days: 1-2', per_hour, per_day), "
            "or write warm_up: off",
        )
    return steps


def _warm_up_errors(steps: tuple[WarmUpDays, ...]) -> list[ErrorDetails]:
    """The steps must follow each other from day 1 with no gap, and never lower a cap."""
    errors: list[ErrorDetails] = []
    expected = 1
    previous: WarmUpDays | None = None
    for index, step in enumerate(steps):
        if step.first_day != expected:
            errors.append(
                error(
                    ("warm_up", index, "days"),
                    "value_error",
                    step.days,
                    f"warm_up days {step.days} should start on day {expected} — list the "
                    "steps in order from day 1, each starting the day after the last ended",
                )
            )
        for cap in ("per_hour", "per_day"):
            if previous is not None and getattr(step, cap) < getattr(previous, cap):
                errors.append(
                    error(
                        ("warm_up", index, cap),
                        "value_error",
                        getattr(step, cap),
                        f"warm_up days {step.days} lowers {cap} to {getattr(step, cap)} "
                        f"(days {previous.days} allow {getattr(previous, cap)}) — a warm-up "
                        "only rises: make it at least the step before's",
                    )
                )
        expected = step.last_day + 1
        previous = step
    return errors


def _opt_out_word(value: str) -> str:
    word = " ".join(value.split())
    char = control_character(word)
    if char is not None:
        raise ValueError(
            f"opt-out word {value!r} contains the character {describe_character(char)} — "
            "write the word as plain text"
        )
    if not any(ch.isalnum() for ch in word):
        raise ValueError(
            f"opt-out word {value!r} has no letter or digit — write a word people reply "
            "with, e.g. stop"
        )
    if len(word) > MAX_OPT_OUT_WORD_LENGTH:
        raise ValueError(
            f"opt-out word {word[:20]!r}... is longer than {MAX_OPT_OUT_WORD_LENGTH} "
            "characters — a whole reply is matched: keep it short, e.g. stop"
        )
    return word


def _to_opt_out_words(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]  # one word written on its own
    words = to_list_of(to_text)(value)
    if len(words) > MAX_OPT_OUT_WORDS:
        raise Refused(
            "value_error",
            f"opt_out_words lists {len(words)} words — keep it to {MAX_OPT_OUT_WORDS} at most",
        )
    out: list[str] = []
    problems: list[ErrorDetails] = []
    for index, word in enumerate(words):
        try:
            out.append(_opt_out_word(word))
        except ValueError as exc:
            problems.append(error((index,), "value_error", word, str(exc)))
    if problems:
        raise ConfigValueError(problems)
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True, kw_only=True)
class BroadcastsConfig:
    """bots.yaml ``broadcasts:``: the rules every campaign follows.

    - ``quiet_hours``: "HH:MM-HH:MM" in the fleet's time zone (LINDA_TIMEZONE), or None
      (written ``off``) for none;
    - ``warm_up``: a newly paired bot's caps day by day, or None (``off``);
    - ``opt_out_words``: replies that opt a number out, added to Linda's own list
      (STOP and its equivalents, Arabic included) unless ``opt_out_defaults`` is false.
    """

    quiet_hours: str | None = checked(
        DEFAULT_QUIET_HOURS, to_text, optional=True, before=_quiet_hours
    )
    warm_up: tuple[WarmUpDays, ...] | None = checked(
        DEFAULT_WARM_UP_DAYS, _to_warm_up, optional=True
    )
    opt_out_words: tuple[str, ...] = checked((), _to_opt_out_words)
    opt_out_defaults: bool = checked(True, to_bool)

    def __post_init__(self) -> None:
        validate(self, explain)
        errors = _warm_up_errors(self.warm_up) if self.warm_up else []
        if not self.opt_out_defaults and not self.opt_out_words:
            errors.append(
                error(
                    ("opt_out_defaults",),
                    "value_error",
                    False,
                    "opt_out_defaults is false and opt_out_words lists nothing, so nobody "
                    "could opt out — list the words under opt_out_words, or remove "
                    "opt_out_defaults",
                )
            )
        if errors:
            raise ConfigValueError(errors, explain)

    @property
    def quiet_hours_range(self) -> tuple[time, time] | None:
        """(start, end) of the quiet hours, None when off."""
        return parse_hours_range(self.quiet_hours) if self.quiet_hours else None

    def as_dict(self) -> dict[str, Any]:
        """The settings as `linda config check` prints them."""
        return {
            "quiet_hours": self.quiet_hours or "off",
            "warm_up": [step.as_dict() for step in self.warm_up] if self.warm_up else "off",
            "opt_out_words": list(self.opt_out_words),
            "opt_out_defaults": self.opt_out_defaults,
        }


@dataclass(frozen=True)
class _UnusablePhone:
    """A phone the fleet could not parse in its default_region; BotConfig reports it."""

    reason: str


class _UncheckedPhone(str):
    """A local-form phone left alone because default_region itself is invalid (reported there)."""


def _phone_in_region(value: object, region: str | None) -> object:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return value  # the text check reports the wrong type
    text = str(value)
    if region is None and not text.strip().startswith(("+", "00")):
        return _UncheckedPhone(text)
    try:
        return to_e164(text, region or DEFAULT_REGION)
    except InvalidPhoneError as exc:
        return _UnusablePhone(str(exc))


def _slug(value: str) -> str:
    if not BOT_ID_RE.match(value):
        raise ValueError(
            f"bot id {value!r} must be a slug of lowercase letters, digits and '-' "
            "(it becomes a file name) — write it like main-office"
        )
    return value


def _plain_name(value: str) -> str:
    # A name is shown in the console, the commands and the log: a control character in it
    # would be an instruction to the operator's terminal (ESC ] 52 writes the clipboard).
    char = control_character(value)
    if char is not None:
        kind = "invisible" if char in INVISIBLE_CHARACTERS else "control"
        raise ValueError(
            f"bot name {value!r} contains the {kind} character {describe_character(char)} — "
            "write the name as plain text"
        )
    if value and not value.replace("\u2800", "").strip():  # spaces, braille blanks
        raise ValueError(f"bot name {value!r} is blank — write a name the console can show")
    return value


def _e164(value: object) -> object:
    # Inside a fleet the number was already parsed in the fleet's default_region;
    # a bot built on its own reads a local number in DEFAULT_REGION.
    if isinstance(value, _UncheckedPhone):
        return value  # still marked, so the check when the bot is made leaves it alone too
    converted = (
        value if isinstance(value, _UnusablePhone) else _phone_in_region(value, DEFAULT_REGION)
    )
    if isinstance(converted, _UnusablePhone):
        raise ValueError(converted.reason)
    return converted


@dataclass(frozen=True, kw_only=True)
class BotConfig:
    """One WhatsApp account."""

    id: str = checked(coerce=to_text, after=_slug)
    name: str = checked(coerce=to_text, min_length=1, after=_plain_name)
    phone: str = checked(coerce=to_text, before=_e164)  # E.164 once validated
    role: Role = checked(Role.SECONDARY, to_member(Role))
    enabled: bool = checked(True, to_bool)
    pacing: PacingOverride | None = checked(None, to_model(PacingOverride), optional=True)

    def __post_init__(self) -> None:
        validate(self, explain)

    @property
    def is_primary(self) -> bool:
        return self.role is Role.PRIMARY


def _rule_error(
    kind: str, loc: tuple[str | int, ...], message: str, first_index: int | None = None
) -> ErrorDetails:
    ctx = {} if first_index is None else {"first_index": first_index}
    return error(loc, kind, None, message, ctx)


def fleet_rule_errors(bots: list[BotConfig], pacing: Pacing | None = None) -> list[ErrorDetails]:
    """Rules across bots: unique ids and phones, exactly one enabled primary, sane pacing.

    Each error is a dict (loc, type, input, ctx, msg) carrying the location of the
    offending value (``("bots", 2, "id")``) and, for duplicates, ``first_index`` in its
    ctx: the index of the bot that had it first.
    """
    errors: list[ErrorDetails] = []
    first_id: dict[str, int] = {}
    first_phone: dict[str, int] = {}
    for index, bot in enumerate(bots):
        if bot.id in first_id:
            errors.append(
                _rule_error(
                    "duplicate_bot_id",
                    ("bots", index, "id"),
                    f"bot id {bot.id!r} is used twice — give every bot its own id",
                    first_index=first_id[bot.id],
                )
            )
        else:
            first_id[bot.id] = index
        if bot.phone in first_phone:
            other = bots[first_phone[bot.phone]].id
            errors.append(
                _rule_error(
                    "duplicate_bot_phone",
                    ("bots", index, "phone"),
                    f"phone {bot.phone} is already used by bot {other!r} — "
                    "every bot needs its own WhatsApp number",
                    first_index=first_phone[bot.phone],
                )
            )
        else:
            first_phone[bot.phone] = index

    if not bots:
        errors.append(
            _rule_error(
                "no_bots",
                ("bots",),
                "the bots list is empty — add at least one bot (id, name, phone, role: primary)",
            )
        )
    else:
        enabled = [(i, b) for i, b in enumerate(bots) if b.enabled]
        primaries = [(i, b) for i, b in enabled if b.is_primary]
        if not enabled:
            errors.append(
                _rule_error(
                    "no_enabled_bot",
                    ("bots",),
                    "no bot is enabled — set enabled: true on at least one bot "
                    "and make one of them role: primary",
                )
            )
        elif not primaries:
            errors.append(
                _rule_error(
                    "no_primary",
                    ("bots",),
                    "no enabled bot has role: primary — "
                    "set role: primary on exactly one enabled bot",
                )
            )
        for index, bot in primaries[1:]:
            first_index, first = primaries[0]
            errors.append(
                _rule_error(
                    "second_primary",
                    ("bots", index, "role"),
                    f"bot {bot.id!r} is a second primary — exactly one enabled bot may be "
                    f"primary ({first.id!r} is); make the others role: secondary",
                    first_index=first_index,
                )
            )

    if pacing is not None:
        for index, bot in enumerate(bots):
            if bot.pacing is None:
                continue
            merged = {**pacing.as_dict(), **bot.pacing.as_dict()}
            if merged["max_delay_seconds"] < merged["min_delay_seconds"]:
                errors.append(
                    _order_error(
                        merged["min_delay_seconds"],
                        merged["max_delay_seconds"],
                        ("bots", index, "pacing"),
                        "with this override ",
                    )
                )
    return errors


def _phones_in_region(value: object, checked_so_far: dict[str, Any]) -> object:
    # Numbers written without + are read in the fleet's default_region. The input is
    # copied, never mutated. A missing region means default_region was invalid.
    if not isinstance(value, list):
        return value
    region = checked_so_far.get("default_region")
    out: list[object] = []
    for bot in value:
        if isinstance(bot, dict) and "phone" in bot:
            bot = {**bot, "phone": _phone_in_region(bot["phone"], region)}
        out.append(bot)
    return out


# A binding's id as the console names them (``linda.quit``, ``linda.dashboard.pair``)...
_BINDING_ID = re.compile(r"^linda(?:\.[a-z0-9_]+)+$")
# ...and the keys it may be given: Textual key names, several separated by commas
# (``ctrl+q``, ``f2``, ``P``, ``question_mark``, ``ctrl+q,f10``).
_KEYS = re.compile(r"^[A-Za-z0-9_]+(?:\+[A-Za-z0-9_]+)*(?:,[A-Za-z0-9_]+(?:\+[A-Za-z0-9_]+)*)*$")
_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
# The keys Textual names that are not characters (a character is itself, or its Unicode
# name in lower case with underscores: question_mark, full_stop, plus_sign).
_NAMED_KEYS = frozenset(
    {
        "escape", "enter", "tab", "space", "backspace", "delete", "insert", "home", "end",
        "pageup", "pagedown", "up", "down", "left", "right",
        *(f"f{number}" for number in range(1, 25)),
    }
)  # fmt: skip


def _bad_key(key: str) -> str | None:
    """What is wrong with one key (``ctrl+q``, ``f2``, ``P``, ``question_mark``), or None."""
    *modifiers, name = key.split("+")
    for modifier in modifiers:
        if modifier not in _MODIFIERS:
            return f"{modifier!r} in {key!r} is not a modifier (ctrl, shift, alt, super, meta)"
    if len(set(modifiers)) != len(modifiers):
        return f"{key!r} repeats a modifier"
    if len(name) == 1 or name in _NAMED_KEYS:
        return None
    try:
        character = unicodedata.lookup(name.replace("_", " "))
    except KeyError:
        character = ""
    if len(character) == 1 and character.isprintable() and name == name.lower():
        return None
    return f"{name!r} is not a key"


def to_keymap(value: Any) -> dict[str, str]:
    """bots.yaml ``keys:``: binding id -> the keys for it (the console's ``?`` help lists
    the ids). Checked here for their shape; `linda config check` also names unknown ids."""
    if not isinstance(value, dict):
        raise Refused(
            "value_error",
            "keys must be a mapping of binding ids to keys, e.g. linda.quit: ctrl+q",
        )
    keymap: dict[str, str] = {}
    for binding, keys in value.items():
        if not isinstance(binding, str) or not _BINDING_ID.match(binding):
            raise Refused(
                "value_error",
                f"{binding!r} is not a binding id — ids look like linda.quit or "
                "linda.dashboard.pair (the console's ? help lists them)",
            )
        if not isinstance(keys, str) or not _KEYS.match(keys.replace(" ", "")):
            raise Refused(
                "value_error",
                f"{keys!r} for {binding} is not a key — write one such as ctrl+q, f2 or P "
                "(several separated by commas)",
            )
        keys = keys.replace(" ", "")
        for key in keys.split(","):
            problem = _bad_key(key)
            if problem is not None:
                raise Refused(
                    "value_error",
                    f"{problem} (for {binding}) — write keys such as ctrl+q, f2, P or "
                    "question_mark (escape, enter, tab, space, up, pagedown...)",
                )
        keymap[binding] = keys
    return keymap


@dataclass(frozen=True, kw_only=True)
class FleetConfig:
    """The whole of bots.yaml."""

    # Declaration order matters: `bots` reads the checked default_region.
    default_region: str = checked(DEFAULT_REGION, to_text, before=check_region)
    pacing: Pacing = checked(default_factory=Pacing, coerce=to_model(Pacing))
    contacts: ContactsConfig = checked(
        default_factory=ContactsConfig, coerce=to_model(ContactsConfig)
    )
    # The console's keys, remapped: binding id -> keys (see to_keymap).
    keys: dict[str, str] = checked(default_factory=dict, coerce=to_keymap)
    broadcasts: BroadcastsConfig = checked(
        default_factory=BroadcastsConfig, coerce=to_model(BroadcastsConfig)
    )
    bots: list[BotConfig] = checked(
        coerce=to_list_of(to_model(BotConfig)),
        before=_phones_in_region,
        before_sees_fields=True,
    )

    def __post_init__(self) -> None:
        validate(self, explain)
        errors = fleet_rule_errors(self.bots, self.pacing)
        if errors:
            # Each error keeps its own location (bots.2.id), which the loader maps back
            # to a line of bots.yaml.
            raise ConfigValueError(errors, explain)

    @property
    def enabled_bots(self) -> list[BotConfig]:
        return [b for b in self.bots if b.enabled]

    @property
    def primary(self) -> BotConfig | None:
        return next((b for b in self.enabled_bots if b.is_primary), None)

    def bot(self, bot_id: str) -> BotConfig | None:
        return next((b for b in self.bots if b.id == bot_id), None)

    def pacing_for(self, bot_id: str) -> Pacing:
        """The fleet's pacing with that bot's overrides applied."""
        bot = self.bot(bot_id)
        if bot is None or bot.pacing is None:
            return self.pacing
        return replace(self.pacing, **bot.pacing.as_dict())

    def narrowed_to(self, bot: BotConfig) -> FleetConfig:
        """This fleet with only ``bot``, for a command that runs one bot of a valid fleet.

        Not checked again: the rules across bots (one enabled primary) are about the
        whole fleet, and a lone secondary bot is a fine part of it.
        """
        narrowed = copy.copy(self)
        object.__setattr__(narrowed, "bots", [bot])
        return narrowed
