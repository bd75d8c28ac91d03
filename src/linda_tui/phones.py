"""Phone numbers: parsing to E.164 with a clear reason when a number is not valid."""

from __future__ import annotations

import functools
import re

import phonenumbers

# An extension as people write it after a number: "ext. 12", "x12", "#12", ";ext=12".
# E.164 has no extension: the number is the line's, the extension is dropped.
_EXTENSION = re.compile(r"\s*(?:;\s*ext=|,\s*|(?:ext|extn|extension|x|#)\.?\s*)\d{1,7}\s*$", re.I)


class InvalidPhoneError(ValueError):
    """A phone number that cannot be used; the message says why and how to fix it."""


def to_e164(raw: str, default_region: str = "AE") -> str:
    """Parse a phone number as an operator types it and return it in E.164 (+971501234567).

    Numbers written without a leading ``+`` (or ``00``) are read in ``default_region``.
    Raises InvalidPhoneError with a one-line reason.
    """
    if isinstance(raw, str) and isinstance(default_region, str):
        # The same numbers come back all the time (the fleet's own at start-up, the
        # people it talks to): each is parsed once.
        return _cached_e164(raw, default_region)
    return _parse_e164(raw, default_region)


@functools.lru_cache(maxsize=4096)
def _cached_e164(raw: str, default_region: str) -> str:
    return _parse_e164(raw, default_region)


def _parse_e164(raw: str, default_region: str) -> str:
    text = str(raw).strip()
    if not text:
        raise InvalidPhoneError("phone number is empty — write it as +971501234567")
    if text.startswith("00"):
        text = "+" + text[2:]
    number_part = _EXTENSION.sub("", text)
    if any(ch.isalpha() for ch in number_part) and any(ch.isdigit() for ch in number_part):
        # phonenumbers reads letters as keypad digits ("050-CALL-NOW"), which would
        # make up a number nobody wrote.
        raise InvalidPhoneError(
            f"{raw!r} is not a phone number (it has letters in it) — "
            "write it in digits, e.g. +971501234567"
        )
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneError(
            f"{raw!r} is not a phone number ({exc._msg.rstrip('.')}) — "
            "write it in international form, e.g. +971501234567"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError(
            f"{raw!r} is not a valid phone number for its country — "
            "check the digits and the country code, e.g. +971501234567"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_e164(value: str) -> bool:
    """True when value is already a valid E.164 number."""
    try:
        return to_e164(value) == value
    except InvalidPhoneError:
        return False
