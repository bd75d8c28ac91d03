"""Phone numbers in their everyday shapes, read without phonenumbers' parser.

Importing a 100,000-row CSV spent most of its time in ``phonenumbers.parse`` and
``is_valid_number`` (about 60 µs a number): a general parser that looks for a number
in free text, letters, extensions and RFC 3966 URIs included. Nearly every number a
business imports is written one of three ways: ``+971501234567``, ``00971501234567``
or ``0501234567`` (in the fleet's region), perhaps with spaces or ``-`` between the
digits. ``e164_if_simple`` reads those, and only those, in a few microseconds, with
phonenumbers' own metadata (the country's calling code, its national prefix, its
possible lengths and national-number patterns, compiled once per region), and answers
exactly what ``phonenumbers.parse`` + ``is_valid_number`` + E.164 formatting would.

It only ever *accepts*: for anything it is not sure of — another shape, a calling code
shared by several regions (+1, +7, +44 ...), a number phonenumbers would read with one
of its special rules (a national prefix after the calling code, a number starting with
the region's calling code or its international prefix, a leading zero kept, Italian
style), or an invalid number — it returns None and the caller asks phonenumbers, so
refusals and their reasons always come from the one full path (``phones.to_e164``).
``tests/test_phones_fast.py`` runs both side by side over many generated numbers.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    SUPPORTED_REGIONS,
    PhoneMetadata,
    PhoneNumberDesc,
)

__all__ = ["e164_if_simple"]

# A number written with ASCII digits, one optional '+' right before the first digit,
# and single spaces or '-' between digits: nothing phonenumbers could read as an
# extension, a letter or a second number, and nothing phones.to_e164 refuses.
_SIMPLE = re.compile(r"(\+)?([0-9](?:[ \-]?[0-9])*)")
_SEPARATORS = str.maketrans("", "", " -")
# phonenumbers' limits (phonenumberutil: _MAX_INPUT_STRING_LENGTH, _MIN_LENGTH_FOR_NSN,
# _MAX_LENGTH_FOR_NSN, _MAX_LENGTH_COUNTRY_CODE).
_MAX_INPUT = 250
_MIN_NSN = 2
_MAX_NSN = 17
_MAX_CALLING_CODE = 3


@dataclass(frozen=True)
class _Region:
    """One region's numbering plan, from phonenumbers' metadata, ready to match."""

    calling_code: int
    code_text: str  # the calling code as digits
    lengths: tuple[int, ...]  # the general description's possible lengths, as given
    local_only: tuple[int, ...]
    general: re.Pattern[str]  # the general national-number pattern
    # Per possible length, one pattern: the general one (a look-ahead) and then any of
    # the number types possible at that length, for _number_type_helper's answer.
    by_length: dict[int, re.Pattern[str]]
    national_prefix: re.Pattern[str] | None  # national_prefix_for_parsing
    # The national prefix when it is plain digits with no transform rule: stripped
    # here; any other form is left to phonenumbers.
    literal_prefix: str | None
    international_prefix: re.Pattern[str] | None

    def valid(self, nsn: str) -> bool:
        """phonenumbers' _number_type_helper(nsn) != UNKNOWN, for this region: the
        general description (length and pattern), then any number type's."""
        pattern = self.by_length.get(len(nsn))
        return pattern is not None and pattern.fullmatch(nsn) is not None

    def keeps_stripped(self, nsn: str) -> bool:
        """phonenumbers' parse keeps a number with its national prefix stripped unless
        _test_number_length says TOO_SHORT, IS_POSSIBLE_LOCAL_ONLY or INVALID_LENGTH."""
        lengths, length = self.lengths, len(nsn)
        if length in self.local_only:
            return False  # IS_POSSIBLE_LOCAL_ONLY
        if lengths[0] == length:
            return True  # IS_POSSIBLE
        if lengths[0] > length:
            return False  # TOO_SHORT
        if lengths[-1] < length:
            return True  # TOO_LONG
        return length in lengths[1:]  # IS_POSSIBLE, else INVALID_LENGTH


def _type_descs(metadata: PhoneMetadata) -> list[PhoneNumberDesc | None]:
    """The number types _number_type_helper tries, in its order."""
    descs = [
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
        metadata.fixed_line,
    ]
    # With the same pattern for both, phonenumbers only ever asks the fixed-line one.
    if not metadata.same_mobile_and_fixed_line_pattern:
        descs.append(metadata.mobile)
    return descs


def _build(region: str) -> _Region | None:
    """The plan of region, or None when phonenumbers has rules the fast path leaves
    to it (a calling code shared by several regions, a non-geographic one)."""
    metadata = PhoneMetadata.metadata_for_region(region, None)
    if metadata is None or metadata.country_code is None:
        return None
    if COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code) != (region,):
        return None
    general = metadata.general_desc
    if general is None or not general.national_number_pattern:
        return None
    lengths = tuple(general.possible_length or ())
    if not lengths:
        return None
    patterns: dict[int, list[str]] = {}
    possible = range(_MIN_NSN, _MAX_NSN + 1)
    for desc in _type_descs(metadata):
        if desc is None or not desc.national_number_pattern:
            continue  # matches nothing
        pattern = desc.national_number_pattern
        # An empty list of lengths means any length (_is_number_matching_desc).
        for length in desc.possible_length or possible:
            patterns.setdefault(length, []).append(f"(?:{pattern})")
    rule = metadata.national_prefix_transform_rule
    prefix = metadata.national_prefix_for_parsing or None
    literal = prefix if prefix is not None and prefix.isdigit() and prefix.isascii() else None
    return _Region(
        calling_code=metadata.country_code,
        code_text=str(metadata.country_code),
        lengths=lengths,
        local_only=tuple(general.possible_length_local_only or ()),
        general=re.compile(general.national_number_pattern),
        by_length={
            n: re.compile(rf"(?=(?:{general.national_number_pattern})\Z)(?:{'|'.join(p)})")
            for n, p in patterns.items()
            if n in lengths  # no other length matches the general description
        },
        national_prefix=re.compile(prefix) if prefix is not None else None,
        literal_prefix=None if rule else literal,
        international_prefix=(
            re.compile(metadata.international_prefix) if metadata.international_prefix else None
        ),
    )


_REGIONS: dict[str, _Region | None] = {}


def _region(region: str) -> _Region | None:
    try:
        return _REGIONS[region]
    except KeyError:
        plan = _REGIONS[region] = _build(region) if region in SUPPORTED_REGIONS else None
        return plan


def _calling_code(digits: str) -> tuple[int, int] | None:
    """phonenumbers' _extract_country_code: the first 1, 2 or 3 digits that are a calling
    code, and how many digits that is."""
    if not digits or digits[0] == "0":
        return None
    for size in range(1, min(len(digits), _MAX_CALLING_CODE) + 1):
        code = int(digits[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            return code, size
    return None


@functools.cache
def _regions_by_prefix() -> dict[str, tuple[int, str]]:
    """For every three digits (the numbers read here have at least three) that start
    with a calling code of one region only: how many digits the code has, and the
    region. Made on first use (not when the console starts)."""
    table = {}
    for n in range(1000):
        found = _calling_code(f"{n:03d}")
        if found is not None:
            regions = COUNTRY_CODE_TO_REGION_CODE[found[0]]
            if len(regions) == 1 and regions[0] in SUPPORTED_REGIONS:
                table[f"{n:03d}"] = (found[1], regions[0])
    return table


def _international(digits: str) -> str | None:
    """A number written after '+' (or 00): its calling code, then the national number."""
    if len(digits) <= _MIN_NSN:
        return None  # phonenumbers: too short after the IDD
    found = _regions_by_prefix().get(digits[:3])
    if found is None:
        return None  # a leading 0 (retried without the '+'), no such calling code, or
        # one shared by several regions
    size, region_code = found
    plan = _region(region_code)
    if plan is None:
        return None
    nsn = digits[size:]
    if plan.national_prefix is not None and plan.national_prefix.match(nsn):
        return None  # "+9710501234567": phonenumbers may strip the 0; let it decide
    return _checked(plan, nsn)


def _national(digits: str, region: str) -> str | None:
    """A number written without '+' or 00, read in region."""
    plan = _region(region)
    if plan is None:
        return None
    if plan.international_prefix is not None and plan.international_prefix.match(digits):
        return None  # phonenumbers may read it as dialled abroad
    if digits.startswith(plan.code_text):
        return None  # phonenumbers may read the region's calling code off its start
    nsn = digits
    if plan.national_prefix is not None and plan.national_prefix.match(nsn):
        prefix = plan.literal_prefix
        if prefix is None:
            return None  # a prefix with carrier codes or a transform rule
        stripped = nsn[len(prefix) :]
        # _maybe_strip_national_prefix_carrier_code does not strip when only the
        # original is viable; parse then keeps the stripped number if its length allows.
        viable = plan.general.fullmatch(nsn) is None or plan.general.fullmatch(stripped)
        if viable and plan.keeps_stripped(stripped):
            nsn = stripped
    return _checked(plan, nsn)


def _checked(plan: _Region, nsn: str) -> str | None:
    if not _MIN_NSN <= len(nsn) <= _MAX_NSN or nsn[0] == "0":
        return None  # too short or long, or a leading zero phonenumbers keeps apart
    if not plan.valid(nsn):
        return None  # invalid: phonenumbers says why
    return f"+{plan.code_text}{nsn}"


def e164_if_simple(text: str, region: str) -> str | None:
    """text (a number without its outer spaces) in E.164 when it is written in an
    everyday shape and valid, exactly as ``phones.to_e164`` would give it; None when
    the full path has to decide (another shape, a special rule, or not valid).

    A number starting with ``00`` is international (as ``to_e164`` reads it), one
    with neither ``+`` nor ``00`` is read in region.
    """
    if len(text) > _MAX_INPUT:
        return None
    plus = text[:1] == "+"
    digits = text[1:] if plus else text
    if not (digits.isdigit() and digits.isascii()):  # ASCII digits only: the usual case
        match = _SIMPLE.fullmatch(text)
        if match is None:
            return None
        digits = match[2].translate(_SEPARATORS)
    if len(digits) < 3:
        return None
    if plus:
        return _international(digits)
    if text.startswith("00"):
        return _international(digits[2:])
    return _national(digits, region)
