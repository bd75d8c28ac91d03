"""The built-in fleet `linda --demo` runs: three simulated bots, no bots.yaml needed."""

from __future__ import annotations

from linda_tui.config.models import BotConfig, FleetConfig, Role

DEMO_DATA_DIR = ".linda-demo"


def demo_fleet() -> FleetConfig:
    """A fresh demo fleet: demo-main (primary), demo-sales and demo-support."""
    return FleetConfig(
        default_region="AE",
        bots=[
            BotConfig(id="demo-main", name="Demo main", phone="+971501234561", role=Role.PRIMARY),
            BotConfig(id="demo-sales", name="Demo sales", phone="+971501234562"),
            BotConfig(id="demo-support", name="Demo support", phone="+971501234563"),
        ],
    )
