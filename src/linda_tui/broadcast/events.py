"""What the broadcast engine tells listeners, on the same stream as the fleet's events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from linda_tui.fleet.events import FleetEvent
from linda_tui.models import Campaign


@dataclass
class CampaignProgress(FleetEvent):
    """Where a campaign stands: its record, how many recipients are in each state
    (every RecipientStatus value a key), the messages each bot sent in this run, the
    estimated finish (None when unknown: nothing left, or no bot to send), why it
    waits (quiet hours, a cap, no bot online) and a note for the operator when
    something happened ("resumed after a restart: 2 uncertain")."""

    campaign: Campaign
    counts: dict[str, int]
    per_bot: dict[str, int] = field(default_factory=dict)
    finish_at: datetime | None = None
    waiting: str | None = None
    note: str | None = None

    @property
    def campaign_id(self) -> int | str | None:
        return self.campaign.id
