"""Phone numbers: parsing to E.164 with a clear reason when a number is not valid.

What a number may be written with (everywhere: the command line, the console, bots.yaml,
files), checked before phonenumbers sees it:

- digits: ASCII 0-9, Arabic-Indic ٠-٩ and Eastern Arabic-Indic ۰-۹ (what Arabic and
  Persian keyboards type), or full-width ０-９, one kind per number. Digits of other scripts
  are refused: several look like another digit (Bengali ৪ is 4 and looks like 8).
- separators: spaces (any Unicode space), ``+`` at the start, ``. - ( ) /`` and the
  Unicode dashes.
- the left-to-right and right-to-left marks that phones put around numbers are ignored.

Anything else is refused with the reason, letters above all: phonenumbers reads
``+97150123ABCD`` as a keypad would (ABCD -> 2223), a message to a stranger. So is an
extension (``ext 12``, ``x12``, ``#12``): WhatsApp numbers have none, and phonenumbers
would drop it silently and send to the main number.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import phonenumbers

from linda_tui.phones_fast import e164_if_simple

_QUOTE_LIMIT = 40

# Every digit accepted, by family; ASCII and full-width are the same shapes.
_DIGIT_FAMILIES: dict[str, str] = {
    **{chr(0x30 + d): "latin" for d in range(10)},
    **{chr(0xFF10 + d): "latin" for d in range(10)},
    **{chr(0x660 + d): "arabic" for d in range(10)},
    **{chr(0x6F0 + d): "arabic" for d in range(10)},
}
_TO_ASCII = str.maketrans(
    {
        **{chr(0xFF10 + d): str(d) for d in range(10)},
        **{chr(0x660 + d): str(d) for d in range(10)},
        **{chr(0x6F0 + d): str(d) for d in range(10)},
        "\uff0b": "+",  # full-width plus
    }
)
_PLUS = frozenset("+\uff0b")
_SEPARATORS = frozenset(".()/-\u2212")
# Direction marks only say which way the text around runs; they change no digit.
_IGNORED = frozenset("\u200e\u200f\u061c")
# An extension as people write one after the number: "ext 12", "ext. 12", "x12", "#12", ";ext=12".
_EXTENSION = re.compile(r"(?i)(?:;?ext(?:ension)?\.?=?|x|#)\s*[0-9٠-٩۰-۹０-９]")


class InvalidPhoneError(ValueError):
    """A phone number that cannot be used; the message says why and how to fix it."""


def to_e164(raw: str, default_region: str = "AE") -> str:
    """Parse a phone number as an operator types it and return it in E.164 (+971501234567).

    Numbers written without a leading ``+`` (or ``00``) are read in ``default_region``.
    Letters, extensions and characters that are not part of a number are refused (see
    the module docstring). Raises InvalidPhoneError with a one-line reason.
    """
    if isinstance(raw, str) and isinstance(default_region, str):
        # Most numbers are written +971501234567, 00971... or 0501234567: read in a
        # few µs from phonenumbers' metadata (phones_fast), the same answer as below.
        simple = e164_if_simple(raw.strip(), default_region)
        if simple is not None:
            return simple
        # The same numbers come back all the time (the fleet's own at start-up, the
        # people it talks to): each is parsed once.
        return _cached_e164(raw, default_region)
    return _parse_e164(raw, default_region)


@functools.lru_cache(maxsize=4096)
def _cached_e164(raw: str, default_region: str) -> str:
    return _parse_e164(raw, default_region)


def _quoted(raw: object) -> str:
    """The number as the operator wrote it, quoted safely (controls escaped), cut short."""
    text = repr(str(raw))
    return text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 4] + "...'"


def _is_space(char: str) -> bool:
    return unicodedata.category(char) == "Zs"


def _is_dash(char: str) -> bool:
    return char in _SEPARATORS or unicodedata.category(char) == "Pd"


def _refusal(raw: object, text: str) -> str | None:
    """Why text (the number without its outer spaces) is not written as a number, or None."""
    families = set()
    for index, char in enumerate(text):
        if char in _DIGIT_FAMILIES:
            families.add(_DIGIT_FAMILIES[char])
        elif char in _PLUS:
            if text[:index].strip(" \u00a0" + "".join(_IGNORED)):
                return (
                    f"{_quoted(raw)} has a '+' inside it — '+' only goes first, e.g. +971501234567"
                )
        elif _is_space(char) or _is_dash(char) or char in _IGNORED:
            continue
        elif char.isalpha() or char in "#;":
            if index > 0 and _EXTENSION.match(text, index):
                return (
                    f"{_quoted(raw)} has an extension — WhatsApp numbers have none; "
                    "write the number without it"
                )
            if char.isalpha():
                return (
                    f"{_quoted(raw)} has letters in it — write the number in digits, "
                    "e.g. +971501234567 (spaces and + . - ( ) / may separate them)"
                )
            return _not_a_number_char(raw, char)
        elif unicodedata.category(char) == "Nd":
            return (
                f"{_quoted(raw)} has the digit {char!r} ({unicodedata.name(char, 'unnamed')}), "
                "which Linda does not read — write the number with 0-9 or ٠-٩"
            )
        else:
            return _not_a_number_char(raw, char)
    if len(families) > 1:
        return (
            f"{_quoted(raw)} mixes Latin (0-9) and Arabic (٠-٩) digits — "
            "write the number with one kind of digits"
        )
    return None


def _not_a_number_char(raw: object, char: str) -> str:
    shown = repr(char) if char.isprintable() else f"U+{ord(char):04X}"
    return (
        f"{_quoted(raw)} has {shown} in it, which is not part of a phone number — "
        "write digits only (spaces and + . - ( ) / may separate them)"
    )


_PARSE_PROBLEMS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "has no country code Linda knows",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "is not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "is too short to be a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "is too short to be a phone number",
    phonenumbers.NumberParseException.TOO_LONG: "is too long to be a phone number",
}


def _parse_e164(raw: str, default_region: str) -> str:
    text = str(raw).strip()
    if not text:
        raise InvalidPhoneError("phone number is empty — write it as +971501234567")
    refusal = _refusal(raw, text)
    if refusal is not None:
        raise InvalidPhoneError(refusal)
    # What phonenumbers sees: ASCII digits, plain spaces and '-', no direction marks.
    text = "".join(
        " " if _is_space(c) else "-" if _is_dash(c) and c not in "./()" else c
        for c in text.translate(_TO_ASCII)
        if c not in _IGNORED
    ).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else default_region)
    except phonenumbers.NumberParseException as exc:
        # Linda's words, not the library's ("The string supplied did not seem to be...").
        problem = _PARSE_PROBLEMS.get(exc.error_type, "is not a phone number")
        if exc.error_type == phonenumbers.NumberParseException.NOT_A_NUMBER and any(
            c.isdigit() for c in text
        ):  # digits, too few of them to be read as a number
            problem = "is too short to be a phone number"
        raise InvalidPhoneError(
            f"{_quoted(raw)} {problem} — write it in international form, e.g. +971501234567"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError(
            f"{_quoted(raw)} is not a valid phone number for its country — "
            "check the digits and the country code, e.g. +971501234567"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_e164(value: str) -> bool:
    """True when value is already a valid E.164 number."""
    try:
        return to_e164(value) == value
    except InvalidPhoneError:
        return False


def mask_phone(phone: str) -> str:
    """A number for the log: only its last four digits show (``…4567``), so the log
    tells sends apart without being a list of the business's contacts."""
    digits = [ch for ch in str(phone) if ch.isdigit()]
    return "…" + "".join(digits[-4:]) if digits else "…"


# A trailing extension as address books write it: "ext. 12", "x12", "#12", ";ext=12".
_TRAILING_EXTENSION = re.compile(
    r"\s*(?:;\s*ext=|,\s*|(?:ext|extn|extension|x|#)\.?\s*)\d{1,7}\s*$", re.IGNORECASE
)


def without_extension(raw: str) -> str:
    """An address book's number without its trailing extension (WhatsApp reaches the
    line, not the extension). Numbers an operator types keep theirs, and to_e164 refuses
    them: there, an extension means the operator meant someone else."""
    return _TRAILING_EXTENSION.sub("", raw)
