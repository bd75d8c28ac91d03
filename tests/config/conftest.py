"""Configuration tests run in a clean environment and a private working folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated(clean_env: Path, restore_logging: None) -> None:
    """No LINDA_* from the developer's shell, cwd in a fresh folder, logging restored."""
