"""The fast path for everyday numbers (phones_fast) answers exactly as phonenumbers does.

Every generated input goes through phones' full path without the fast path
(``phones._parse_e164``: Linda's checks, then phonenumbers.parse, is_valid_number and
E.164 formatting) and through ``e164_if_simple``: whenever the fast path answers, the
full path must accept the same number with the same E.164; and ``to_e164`` (which
tries the fast path first) must give the same result or the same refusal as the full
path, for every input. Inputs: example numbers of every region phonenumbers knows, in
E.164, international, national, 00 and bare-digit forms, with their digits changed,
dropped and added, read in many default regions; random digit strings; and numbers
with letters, extensions, punctuation, other digit scripts and stray prefixes.

The same comparison is run on deliberately wrong fast paths (mutants) to show it
catches the mistakes a fast path could make.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from linda_tui import phones, phones_fast
from linda_tui.phones import InvalidPhoneError, to_e164
from linda_tui.phones_fast import e164_if_simple

FastPath = Callable[[str, str], "str | None"]

# Default regions the inputs are read in: the fleet's own (AE) and its neighbours,
# regions with unusual national prefixes (AR, MX, BR, RU), leading zeros kept (IT),
# calling codes shared by several regions (US, GB, RU), long IDDs (US 011, AU 0011).
DEFAULT_REGIONS = (
    "AE", "SA", "KW", "QA", "OM", "BH", "EG", "IN", "PK", "US", "CA", "GB", "IT", "AR",
    "MX", "BR", "RU", "DE", "FR", "CN", "JP", "AU", "NG", "ZA", "SG", "ID", "TR", "ES",
)  # fmt: skip

TYPES = (
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.PAGER,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
)

HOSTILE = (
    "+97150123ABCD",  # letters: phonenumbers would read a keypad (Trust issue item 6)
    "050123ABCD",
    "1-800-FLOWERS",
    "+971 50 CALL NOW",
    "+971501234567 ext 12",  # extensions: WhatsApp numbers have none
    "+971501234567x12",
    "+971501234567 x 12",
    "+971501234567#12",
    "0501234567 #12",
    "+971501234567;ext=12",
    "+971501234567,,12",
    "0501234567 - 503#",
    "(050) 123-4567",
    "050.123.4567",
    "+971/50/1234567",
    "+971 (50) 123 4567",
    "+971  50  123  4567",  # two spaces
    "+971--501234567",
    "+ 971501234567",
    "++971501234567",
    "+-971501234567",
    "00 971 50 123 4567",
    "00-971-50-123-4567",
    "0 0971501234567",
    "0-0971501234567",
    "+00971501234567",
    "000971501234567",
    "+0501234567",
    "0501234567-",
    "-0501234567",
    "+971501234567+",
    "971501234567",
    "9710501234567",
    "+9710501234567",
    "٠٥٠١٢٣٤٥٦٧",
    "+٩٧١٥٠١٢٣٤٥٦٧",
    "＋９７１５０１２３４５６７",
    "+971٥٠1234567",  # mixed digit families
    "+971\u00a0501234567",
    "\u200e+971501234567",
    "+971\u2010501234567",
    "tel:+971501234567",
    "+971501234567;phone-context=+971",
    "12",
    "123",
    "+1",
    "+12",
    "+123",
    "0",
    "00",
    "000",
    "+",
    "",
    "  0501234567  ",
    "0" * 20,
    "5" * 30,
    "+" + "9" * 260,
    "+971" + "5" * 20,
)


def _outcome(call: Callable[[], str]) -> tuple[str, str]:
    try:
        return ("ok", call())
    except InvalidPhoneError as exc:
        return ("refused", str(exc))


def _full(text: str, region: str) -> tuple[str, str]:
    """phones' full path, without the fast path or the cache."""
    return _outcome(lambda: phones._parse_e164(text, region))


def _variants(number: phonenumbers.PhoneNumber, rng: random.Random) -> Iterator[str]:
    """Ways people write number, and near misses of it."""
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    yield e164
    yield "00" + e164[1:]
    yield e164[1:]  # the calling code without '+'
    yield phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    yield national
    national_digits = "".join(ch for ch in national if ch.isdigit())
    yield national_digits
    nsn = phonenumbers.national_significant_number(number)
    yield nsn
    yield "0" + nsn
    yield f"+{number.country_code}0{nsn}"  # a national prefix after the calling code
    for digits in (e164[1:], national_digits):
        plus = "+" if digits is not national_digits else ""
        if len(digits) > 3:
            at = rng.randrange(1, len(digits))
            yield plus + digits[:at] + str(rng.randrange(10)) + digits[at + 1 :]  # a digit changed
            yield plus + digits[:-1]  # one dropped
            yield plus + digits + str(rng.randrange(10))  # one added
            yield plus + digits[:at] + " " + digits[at:]  # a space
            yield plus + digits[:at] + "-" + digits[at:]
            cut = len(digits) - rng.randrange(1, 4)
            yield plus + digits[:cut] + "".join(str(rng.randrange(10)) for _ in digits[cut:])


def _inputs() -> list[tuple[str, str]]:
    """(text, default region) pairs: generated, deterministic."""
    rng = random.Random(20260115)
    pairs: list[tuple[str, str]] = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            for text in _variants(number, rng):
                # Read in its own region, or in another: "0..." means something else there.
                pairs.append((text, region if rng.random() < 0.5 else rng.choice(DEFAULT_REGIONS)))
    for code in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        for _ in range(3):
            digits = "".join(str(rng.randrange(10)) for _ in range(rng.randrange(4, 14)))
            pairs.append((f"+{code}{digits}", rng.choice(DEFAULT_REGIONS)))
            pairs.append((f"00{code}{digits}", rng.choice(DEFAULT_REGIONS)))
    # "ae" and "ZZ" are no region phonenumbers knows: only "+..." and "00..." can be read.
    for region in (*DEFAULT_REGIONS, "ae", "ZZ"):
        for _ in range(150):
            digits = "".join(str(rng.randrange(10)) for _ in range(rng.randrange(1, 16)))
            pairs.append((rng.choice(("", "0", "00", "+", "0 ")) + digits, region))
        pairs.extend((text, region) for text in HOSTILE)
    # The fleet's own country, as the benchmark and real imports write it.
    for _ in range(1500):
        rest = "".join(str(rng.randrange(10)) for _ in range(7))
        prefix = rng.choice(("+97150", "+97152", "+97154", "+97155", "+97156", "+97158",
                             "+9715", "+97140", "+9714", "+97180", "+97160", "+97190"))  # fmt: skip
        pairs.append((prefix + rest, "AE"))
        pairs.append(("0" + prefix[4:] + rest, "AE"))
        pairs.append(("00" + prefix[1:] + rest, "AE"))
    return pairs


Outcomes = dict[tuple[str, str], tuple[str, str]]


@pytest.fixture(scope="module")
def full() -> Outcomes:
    """Every input with the full path's outcome: ("ok", E.164) or ("refused", reason)."""
    return {pair: _full(*pair) for pair in dict.fromkeys(_inputs())}


def _mismatches(full: Outcomes, fast: FastPath) -> list[str]:
    """Inputs on which fast answers anything but what the full path gives."""
    wrong = []
    for (text, region), expected in full.items():
        answer = fast(text.strip(), region)
        if answer is not None and ("ok", answer) != expected:
            wrong.append(f"{text!r} in {region}: fast {answer!r}, phonenumbers {expected!r}")
    return wrong


def test_there_are_many_inputs_of_every_kind(full: Outcomes) -> None:
    outcomes = [outcome for outcome, _ in full.values()]
    assert len(full) > 20_000
    assert outcomes.count("ok") > 5_000
    assert outcomes.count("refused") > 5_000


def test_the_fast_path_answers_as_phonenumbers_does(full: Outcomes) -> None:
    wrong = _mismatches(full, e164_if_simple)
    assert not wrong, f"{len(wrong)} mismatches, e.g. {wrong[:5]}"


def test_to_e164_gives_the_full_path_answer_and_refusal_for_every_input(full: Outcomes) -> None:
    wrong = [
        f"{text!r} in {region}: {got!r} != {expected!r}"
        for (text, region), expected in full.items()
        if (got := _outcome(lambda t=text, r=region: to_e164(t, r))) != expected
    ]
    assert not wrong, f"{len(wrong)} differences, e.g. {wrong[:5]}"


def test_the_fast_path_answers_for_everyday_numbers(full: Outcomes) -> None:
    """Not a fast path that always defers: it reads the usual shapes itself."""
    answered = sum(
        1 for (text, region), (outcome, _) in full.items()
        if outcome == "ok" and e164_if_simple(text.strip(), region) is not None
    )  # fmt: skip
    accepted = sum(1 for outcome, _ in full.values() if outcome == "ok")
    assert answered > 0.5 * accepted
    for text in ("+971501234567", "00971501234567", "0501234567", "+971 50 123 4567",
                 "050-123-4567", "+201001234567", "+4915112345678"):  # fmt: skip
        assert e164_if_simple(text, "AE") == to_e164(text, "AE"), text


@pytest.mark.parametrize(
    "text",
    ["+97150123ABCD", "+971501234567 ext 12", "٠٥٠١٢٣٤٥٦٧", "(050) 123-4567", "+14155552671",
     "971501234567", "+9710501234567", "0 0971501234567", "+0501234567", "+971401234567"],
)  # fmt: skip
def test_shapes_and_rules_it_leaves_to_phonenumbers(text: str) -> None:
    assert e164_if_simple(text, "AE") is None


# --- the comparison catches wrong fast paths ------------------------------------------------


def _keypad(fast: FastPath) -> FastPath:
    """Reads letters as a keypad does (what phonenumbers alone would do)."""
    keys = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "22233344455566677778889999")

    def read(text: str, region: str) -> str | None:
        return fast(text.upper().translate(keys).replace(" ", ""), region)

    return read


def _drops_extension(fast: FastPath) -> FastPath:
    def read(text: str, region: str) -> str | None:
        return fast(phones.without_extension(text).strip(), region)

    return read


def _any_double_zero(fast: FastPath) -> FastPath:
    """Reads a number whose digits start with 00 as international, however written."""

    def read(text: str, region: str) -> str | None:
        digits = text.replace(" ", "").replace("-", "")
        return fast("+" + digits[2:] if digits.startswith("00") else text, region)

    return read


@pytest.mark.parametrize("mutant", [_keypad, _drops_extension, _any_double_zero])
def test_the_comparison_catches_a_wrong_reading(
    full: Outcomes, mutant: Callable[[FastPath], FastPath]
) -> None:
    assert _mismatches(full, mutant(e164_if_simple))


def test_the_comparison_catches_a_plan_checked_against_the_general_pattern_only(
    full: Outcomes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checking lengths and the general pattern, not each number type's pattern."""

    def general_only(plan: phones_fast._Region, nsn: str) -> bool:
        return (not plan.lengths or len(nsn) in plan.lengths) and bool(plan.general.fullmatch(nsn))

    monkeypatch.setattr(phones_fast._Region, "valid", general_only)
    assert _mismatches(full, e164_if_simple)
