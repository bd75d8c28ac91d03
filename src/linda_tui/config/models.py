"""The fleet as an operator writes it in bots.yaml, validated."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from linda_tui.phones import InvalidPhoneError, to_e164

BOT_ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class Role(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


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
            raise ValueError("max_delay_seconds must be >= min_delay_seconds")
        return self


class PacingOverride(BaseModel):
    """Per-bot pacing: any key left out falls back to the fleet's pacing."""

    model_config = ConfigDict(extra="forbid")

    min_delay_seconds: float | None = Field(None, ge=0)
    max_delay_seconds: float | None = Field(None, ge=0)
    per_minute: int | None = Field(None, ge=1, le=30)
    per_hour: int | None = Field(None, ge=1)
    per_day: int | None = Field(None, ge=1)


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
                "(it becomes a file name), e.g. main-office"
            )
        return value

    @property
    def is_primary(self) -> bool:
        return self.role is Role.PRIMARY


class FleetConfig(BaseModel):
    """The whole of bots.yaml."""

    model_config = ConfigDict(extra="forbid")

    default_region: str = "AE"
    pacing: Pacing = Field(default_factory=Pacing)
    bots: list[BotConfig]

    @model_validator(mode="before")
    @classmethod
    def _normalise_phones(cls, data: object) -> object:
        # Phones are parsed with the file's default_region, so this runs before field validation.
        if isinstance(data, dict) and isinstance(data.get("bots"), list):
            region = data.get("default_region") or "AE"
            for bot in data["bots"]:
                if isinstance(bot, dict) and isinstance(bot.get("phone"), str | int):
                    try:
                        bot["phone"] = to_e164(str(bot["phone"]), str(region))
                    except InvalidPhoneError as exc:
                        raise ValueError(str(exc)) from None
        return data

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
