from __future__ import annotations

import pytest

from linda_tui.fleet.optout import is_opt_out


@pytest.mark.parametrize(
    "text", ["STOP", "Stop please!", " unsubscribe. ", "توقف", "إلغاء الاشتراك", "opt-out"]
)
def test_opt_out_words(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["stop by the office tomorrow?", "hello", "", "don't stop"])
def test_ordinary_messages_are_not_opt_outs(text: str) -> None:
    assert not is_opt_out(text)
