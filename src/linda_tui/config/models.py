"""The fleet as an operator writes it in bots.yaml, validated."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import phonenumbers
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from linda_tui.phones import InvalidPhoneError, to_e164

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


class Pacing(BaseModel):
    """How fast a bot may send. Defaults follow public guidance on avoiding bans."""

    model_config = ConfigDict(extra="forbid")

    min_delay_seconds: float = Field(30.0, ge=0)
    max_delay_seconds: float = Field(60.0, ge=0)
    per_minute: int = Field(5, ge=1, le=30)
    per_hour: int = Field(80, ge=1)
    per_day: int = Field(500, ge=1)

    @model_validator(mode="after")
    def _delays_ordered(self) -> Pacing:
        if self.max_delay_seconds < self.min_delay_seconds:
            raise ValueError(
                f"max_delay_seconds ({self.max_delay_seconds:g}) is smaller than "
                f"min_delay_seconds ({self.min_delay_seconds:g}) — "
                "make max_delay_seconds at least min_delay_seconds"
            )
        return self


class PacingOverride(BaseModel):
    """Per-bot pacing: any key left out falls back to the fleet's pacing."""

    model_config = ConfigDict(extra="forbid")

    min_delay_seconds: float | None = Field(None, ge=0)
    max_delay_seconds: float | None = Field(None, ge=0)
    per_minute: int | None = Field(None, ge=1, le=30)
    per_hour: int | None = Field(None, ge=1)
    per_day: int | None = Field(None, ge=1)


@dataclass(frozen=True)
class _UnusablePhone:
    """A phone the fleet could not parse in its default_region; BotConfig reports it."""

    reason: str


class _UncheckedPhone(str):
    """A local-form phone left alone because default_region itself is invalid (reported there)."""


def _phone_in_region(value: object, region: str | None) -> object:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return value  # pydantic reports the wrong type
    text = str(value)
    if region is None and not text.strip().startswith(("+", "00")):
        return _UncheckedPhone(text)
    try:
        return to_e164(text, region or DEFAULT_REGION)
    except InvalidPhoneError as exc:
        return _UnusablePhone(str(exc))


class BotConfig(BaseModel):
    """One WhatsApp account."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = Field(min_length=1)
    phone: str  # E.164 once validated
    role: Role = Role.SECONDARY
    enabled: bool = True
    pacing: PacingOverride | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not BOT_ID_RE.match(value):
            raise ValueError(
                f"bot id {value!r} must be a slug of lowercase letters, digits and '-' "
                "(it becomes a file name) — write it like main-office"
            )
        return value

    @field_validator("phone", mode="before")
    @classmethod
    def _e164(cls, value: object, info: ValidationInfo) -> object:
        # Inside a fleet the number was already parsed in the fleet's default_region;
        # a bot validated on its own uses the context's region (or AE).
        if isinstance(value, _UnusablePhone):
            raise ValueError(value.reason)
        if isinstance(value, _UncheckedPhone):
            return str(value)
        region = (info.context or {}).get("default_region", DEFAULT_REGION)
        converted = _phone_in_region(value, region)
        if isinstance(converted, _UnusablePhone):
            raise ValueError(converted.reason)
        return converted

    @property
    def is_primary(self) -> bool:
        return self.role is Role.PRIMARY


def _rule_error(
    kind: str, loc: tuple[str | int, ...], message: str, first_index: int | None = None
) -> InitErrorDetails:
    # The message is rendered here: pydantic only substitutes plain {key} placeholders.
    ctx: dict[str, Any] = {} if first_index is None else {"first_index": first_index}
    return InitErrorDetails(
        type=PydanticCustomError(kind, message.replace("{", "(").replace("}", ")"), ctx or None),
        loc=loc,
        input=None,
        ctx=ctx,
    )


def fleet_rule_errors(
    bots: list[BotConfig], pacing: Pacing | None = None
) -> list[InitErrorDetails]:
    """Rules across bots: unique ids and phones, exactly one enabled primary, sane pacing.

    Each error carries the location of the offending value (``("bots", 2, "id")``) and,
    for duplicates, ``first_index`` in its ctx: the index of the bot that had it first.
    """
    errors: list[InitErrorDetails] = []
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
            merged = pacing.model_copy(update=bot.pacing.model_dump(exclude_none=True))
            if merged.max_delay_seconds < merged.min_delay_seconds:
                errors.append(
                    _rule_error(
                        "pacing_order",
                        ("bots", index, "pacing"),
                        f"with this override max_delay_seconds ({merged.max_delay_seconds:g}) "
                        f"is smaller than min_delay_seconds ({merged.min_delay_seconds:g}) — "
                        "make max_delay_seconds at least min_delay_seconds",
                    )
                )
    return errors


class FleetConfig(BaseModel):
    """The whole of bots.yaml."""

    model_config = ConfigDict(extra="forbid")

    # Declaration order matters: `bots` reads the validated default_region.
    default_region: str = DEFAULT_REGION
    pacing: Pacing = Field(default_factory=Pacing)
    bots: list[BotConfig]

    @field_validator("default_region", mode="before")
    @classmethod
    def _region(cls, value: object) -> str:
        return check_region(value)

    @field_validator("bots", mode="before")
    @classmethod
    def _phones_in_region(cls, value: object, info: ValidationInfo) -> object:
        # Numbers written without + are read in the fleet's default_region. The input is
        # copied, never mutated. A missing region means default_region was invalid.
        if not isinstance(value, list):
            return value
        region = info.data.get("default_region")
        out: list[object] = []
        for bot in value:
            if isinstance(bot, dict) and "phone" in bot:
                bot = {**bot, "phone": _phone_in_region(bot["phone"], region)}
            out.append(bot)
        return out

    @model_validator(mode="after")
    def _fleet_rules(self) -> FleetConfig:
        errors = fleet_rule_errors(self.bots, self.pacing)
        if errors:
            # A ValidationError keeps each error's own location (bots.2.id), which the
            # loader maps back to a line of bots.yaml.
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

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
        overrides = bot.pacing.model_dump(exclude_none=True)
        return self.pacing.model_copy(update=overrides)
