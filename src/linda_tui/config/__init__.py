"""Configuration: bots.yaml, LINDA_* settings, and the resolved Runtime of one run.

The core of Linda: never imports textual.

Names are imported on first use (PEP 562): ``import linda_tui.config.models`` does
not also load the YAML loader and the settings, which the console's start-up does
not need once its fleet is built.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from linda_tui.config.validation import ConfigValueError

# Public name -> the submodule that defines it.
_WHERE = {
    "DEMO_DATA_DIR": "demo",
    "demo_fleet": "demo",
    "ConfigError": "errors",
    "MAX_CONFIG_BYTES": "loader",
    "load_fleet": "loader",
    "parse_fleet": "loader",
    "BotConfig": "models",
    "FleetConfig": "models",
    "Pacing": "models",
    "PacingOverride": "models",
    "Role": "models",
    "DEFAULT_CONFIG_PATH": "runtime",
    "Runtime": "runtime",
    "load_runtime": "runtime",
    "normalise_store_url": "runtime",
    "sqlite_url": "runtime",
    "Settings": "settings",
    "load_settings": "settings",
    "ConfigValueError": "validation",
}

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "DEMO_DATA_DIR",
    "MAX_CONFIG_BYTES",
    "BotConfig",
    "ConfigError",
    "ConfigValueError",
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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # once found, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
