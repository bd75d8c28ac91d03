"""End-to-end tests drive the real `linda` command in a real terminal (tmux)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from .terminal import TmuxTerminal


@pytest.fixture
def terminal() -> Iterator[TmuxTerminal]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    term = TmuxTerminal(size=(100, 32))
    try:
        yield term
    finally:
        term.close()
