"""Opt-out replies: a contact who writes STOP (or its equivalents, Arabic included) is
never messaged by a broadcast again."""

from __future__ import annotations

import re
import unicodedata

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


_NORMALISED = frozenset(normalise(p) for p in OPT_OUT_PHRASES)


def is_opt_out(text: str) -> bool:
    """True when the whole message asks to stop receiving messages."""
    return normalise(text) in _NORMALISED
