from __future__ import annotations

import pytest

from linda_tui.config.models import BroadcastsConfig
from linda_tui.fleet.optout import OptOutWords, is_opt_out


@pytest.mark.parametrize(
    "text", ["STOP", "Stop please!", " unsubscribe. ", "توقف", "إلغاء الاشتراك", "opt-out"]
)
def test_opt_out_words(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["stop by the office tomorrow?", "hello", "", "don't stop"])
def test_ordinary_messages_are_not_opt_outs(text: str) -> None:
    assert not is_opt_out(text)


def test_bots_yaml_words_are_added_to_linda_s_own() -> None:
    words = OptOutWords.from_config(BroadcastsConfig(opt_out_words=("basta", "No more")))
    assert is_opt_out("Basta!", words) and is_opt_out("no  more.", words)
    assert is_opt_out("STOP", words) and is_opt_out("توقف", words)
    assert not is_opt_out("basta pasta", words)


def test_without_the_defaults_only_bots_yaml_words_count() -> None:
    words = OptOutWords.from_config(
        BroadcastsConfig(opt_out_words=("unsubscribe",), opt_out_defaults=False)
    )
    assert is_opt_out("Unsubscribe", words)
    # "cancel" is Linda's: a client cancelling a viewing is not opting out here.
    assert not is_opt_out("cancel", words) and not is_opt_out("stop", words)
