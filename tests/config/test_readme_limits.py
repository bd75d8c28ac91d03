"""README states the size limits of the files Linda reads: they are the code's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from linda_tui.config.loader import MAX_CONFIG_BYTES
from linda_tui.config.settings import MAX_ENV_FILE_BYTES
from linda_tui.contacts.credential_files import MAX_CREDENTIAL_BYTES
from linda_tui.whatsapp.simulated import MAX_FILE_BYTES

README = Path(__file__).resolve().parents[2] / "README.md"


def size(limit: int) -> str:
    return f"{limit // 1024**2} MiB" if limit % 1024**2 == 0 else f"{limit // 1024} KiB"


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("`bots.yaml`", MAX_CONFIG_BYTES),
        ("`.env`", MAX_ENV_FILE_BYTES),
        ("the Google files", MAX_CREDENTIAL_BYTES),
        ("demo files", MAX_FILE_BYTES),
    ],
)
def test_the_size_limits_in_readme_are_the_codes(name: str, limit: int) -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    [stated] = re.findall(r"must be a regular file of a sensible size \(([^)]*)\)", text)
    assert f"{name} {size(limit)}" in stated, stated
    # Every other mention of the Google files' limit says the same.
    for found in re.findall(r"at most (\d+ [KM]iB) \(a FIFO", text):
        assert found == size(MAX_CREDENTIAL_BYTES)
