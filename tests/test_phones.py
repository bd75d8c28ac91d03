"""Phone numbers: what is read as a number, and what is refused before phonenumbers guesses."""

from __future__ import annotations

import pytest

from linda_tui.config.models import BotConfig, FleetConfig
from linda_tui.config.validation import ConfigValueError
from linda_tui.phones import InvalidPhoneError, to_e164


@pytest.mark.parametrize(
    "written",
    [
        "+971501234567",
        "+971 50 123 4567",
        "00971501234567",
        "0501234567",
        "(050) 123-4567",
        "050.123.4567",
        "+971/50/1234567",
        "+971\u00a050\u2009123\u202f4567",  # no-break, thin and narrow spaces from a paste
        "+971–50–123–4567",  # en dashes from a document
        "+971\u2010501234567",  # hyphen
        "+971−501234567",  # minus sign
        "+٩٧١٥٠١٢٣٤٥٦٧",  # Arabic-Indic digits, as an Arabic keyboard types them
        "٠٥٠١٢٣٤٥٦٧",
        "۰۵۰۱۲۳۴۵۶۷",  # Eastern Arabic-Indic (Persian) digits
        "＋９７１５０１２３４５６７",  # full-width, from a Japanese or Chinese input method
        "\u200e+971501234567",  # a left-to-right mark, as phones put around numbers
        "+971501234567\u200f",
        "  +971501234567 \n",
    ],
)
def test_numbers_as_people_write_them(written: str) -> None:
    assert to_e164(written) == "+971501234567"


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        # phonenumbers reads letters as a keypad does: ABCD would become 2223
        ("+97150123ABCD", "has letters in it"),
        ("+971 50 CALL NOW", "has letters in it"),
        ("+97150123abcd", "has letters in it"),
        ("1-800-FLOWERS", "has letters in it"),
        ("tel:+971501234567", "has letters in it"),
        ("+971501234567 xyz", "has letters in it"),
        ("+97150123456٧ب", "has letters in it"),  # an Arabic letter
        ("+9715Ο1234567", "has letters in it"),  # Greek capital omicron for a zero
        ("+97150l234567", "has letters in it"),  # a lower-case L for a one
        # an extension would be dropped silently and the main number messaged
        ("+971 50 123 4567 ext 12", "has an extension"),
        ("+971 50 123 4567 ext. 12", "has an extension"),
        ("+971501234567x12", "has an extension"),
        ("+971501234567 X 12", "has an extension"),
        ("+971501234567#12", "has an extension"),
        ("+971501234567;ext=12", "has an extension"),
        ("+971501234567 extension ٣", "has an extension"),
        # digits Linda does not read: several look like another digit
        ("+971 ৫0 123 4567", "has the digit '৫' (BENGALI DIGIT FIVE)"),
        ("+971 50 १23 4567", "DEVANAGARI DIGIT ONE"),
        ("+971٥٠1234567", "mixes Latin (0-9) and Arabic (٠-٩) digits"),
        # characters that are not part of a number
        ("+971501234567*", "has '*' in it"),
        ("+971_501234567", "has '_' in it"),
        ("+971501234567²", "has '²' in it"),
        ("971+501234567", "has a '+' inside it"),
        ("++971501234567", "has a '+' inside it"),
        ("+971\u200b501234567", "has U+200B in it"),  # zero-width space
        ("+971\u00ad501234567", "has U+00AD in it"),  # soft hyphen
        ("\u202a+971501234567\u202c", "has U+202A in it"),  # bidi embedding
        ("+971501234567\u202e", "has U+202E in it"),  # right-to-left override
        ("+971\u2066501234567", "has U+2066 in it"),  # isolate
        ("+971\x1b]52;c;aGk=\x07", "has U+001B in it"),  # OSC 52: writes the clipboard
        ("+971\x00501234567", "has U+0000 in it"),
        ("+971\t501234567", "has U+0009 in it"),
        ("+971\r501234567", "has U+000D in it"),
        ("+971\x85501234567", "has U+0085 in it"),
        ("", "phone number is empty"),
        ("   ", "phone number is empty"),
        ("12345", "is not a valid phone number"),
        ("+", "is not a phone number"),
        ("3", "'3' is too short to be a phone number — write it in international form"),
        ("+0501234567", "has no country code Linda knows"),
        ("+9715012345678901234567890", "is too long to be a phone number"),
    ],
)
def test_what_is_not_a_number_is_refused_with_the_reason(written: str, reason: str) -> None:
    with pytest.raises(InvalidPhoneError) as caught:
        to_e164(written)
    message = str(caught.value)
    assert reason in message
    assert " — " in message  # what is wrong — how to fix it
    assert "supplied" not in message and "seem" not in message  # not phonenumbers' prose
    assert "\n" not in message and "\x1b" not in message and "\u202e" not in message


def test_a_long_input_is_quoted_short() -> None:
    with pytest.raises(InvalidPhoneError) as caught:
        to_e164("+9715" + "A" * 10_000)
    assert len(str(caught.value)) < 200


def test_letters_in_bots_yaml_are_refused() -> None:
    with pytest.raises(ConfigValueError, match="has letters in it"):
        BotConfig(id="main", name="Main", phone="+97150123ABCD", role="primary")
    with pytest.raises(ConfigValueError, match="has letters in it"):
        FleetConfig(
            default_region="AE",
            bots=[{"id": "main", "name": "Main", "phone": "050123ABCD", "role": "primary"}],
        )


def test_arabic_digits_in_bots_yaml_are_read() -> None:
    bot = BotConfig(id="main", name="Main", phone="+٩٧١٥٠١٢٣٤٥٦٧", role="primary")
    assert bot.phone == "+971501234567"
