"""Configuration: bots.yaml, LINDA_* settings, and the resolved Runtime of one run.

The core of Linda: never imports textual.
"""

from linda_tui.config.demo import DEMO_DATA_DIR, demo_fleet
from linda_tui.config.errors import ConfigError
from linda_tui.config.loader import MAX_CONFIG_BYTES, load_fleet, parse_fleet
from linda_tui.config.models import BotConfig, FleetConfig, Pacing, PacingOverride, Role
from linda_tui.config.runtime import (
    DEFAULT_CONFIG_PATH,
    Runtime,
    load_runtime,
    normalise_store_url,
    sqlite_url,
)
from linda_tui.config.settings import Settings, load_settings

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "DEMO_DATA_DIR",
    "MAX_CONFIG_BYTES",
    "BotConfig",
    "ConfigError",
    "FleetConfig",
    "Pacing",
    "PacingOverride",
    "Role",
    "Runtime",
    "Settings",
    "demo_fleet",
    "load_fleet",
    "load_runtime",
    "load_settings",
    "normalise_store_url",
    "parse_fleet",
    "sqlite_url",
]
