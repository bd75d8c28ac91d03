"""Opt-out replies: a contact who writes STOP (or its equivalents, Arabic included) is
never messaged by a broadcast again.

The words are Linda's list (``OPT_OUT_PHRASES``) plus bots.yaml's
``broadcasts.opt_out_words``; ``broadcasts.opt_out_defaults: false`` keeps only the
latter (``OptOutWords.from_config``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linda_tui.config.models import BroadcastsConfig

# Whole-message matches only: "stop" inside "don't stop the offer" is not an opt-out.
OPT_OUT_PHRASES = frozenset(
    {
        "stop",
        "stop please",
        "please stop",
        "stop all",
        "stopall",
        "unsubscribe",
        "unsubscribe me",
        "cancel",
        "end",
        "quit",
        "opt out",
        "optout",
        "opt-out",
        "remove me",
        "توقف",
        "قف",
        "الغاء",
        "إلغاء",
        "الغاء الاشتراك",
        "إلغاء الاشتراك",
        "ايقاف",
        "إيقاف",
        "لا ترسل",
    }
)

_PUNCT = re.compile(r"[\s\.\!\?،,؛;:\-_\"'()]+")


def normalise(text: str) -> str:
    """Lower-case, strip punctuation and Arabic diacritics, collapse spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return _PUNCT.sub(" ", text).strip()


class OptOutWords:
    """The replies that opt a number out, compared as whole messages, normalised."""

    def __init__(self, words: Iterable[str] = (), *, defaults: bool = True) -> None:
        chosen = [*OPT_OUT_PHRASES, *words] if defaults else list(words)
        self._normalised = frozenset(w for w in map(normalise, chosen) if w)

    @classmethod
    def from_config(cls, config: BroadcastsConfig) -> OptOutWords:
        """The words bots.yaml's ``broadcasts:`` section asks for."""
        return cls(config.opt_out_words, defaults=config.opt_out_defaults)

    def matches(self, text: str) -> bool:
        """True when the whole message asks to stop receiving messages."""
        return normalise(text) in self._normalised


DEFAULT_OPT_OUT_WORDS = OptOutWords()


def is_opt_out(text: str, words: OptOutWords = DEFAULT_OPT_OUT_WORDS) -> bool:
    """True when the whole message asks to stop receiving messages (Linda's own list of
    words unless the fleet's are given)."""
    return words.matches(text)
