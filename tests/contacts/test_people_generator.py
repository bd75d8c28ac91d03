"""The generated address book: realistic, varied, deterministic, and nobody's real number."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from linda_tui.contacts.people_generator import generate_address_book, uae_mobile
from linda_tui.phones import InvalidPhoneError, to_e164

# Every number the generator writes that parses must land in one of these ranges.
EXAMPLE_RANGES = re.compile(
    r"\+9715[024568]123\d{4}"  # the UAE mobiles this project uses as examples
    r"|\+4420794600\d\d|\+442079460\d{3}"  # Ofcom's drama range
    r"|\+120255501\d\d"  # 555-0100..0199
    r"|\+61491570\d{3}"  # Australia's fictional mobiles
)


def test_the_same_seed_gives_the_same_book_and_another_seed_another() -> None:
    assert generate_address_book(300, seed=3) == generate_address_book(300, seed=3)
    assert generate_address_book(300, seed=3) != generate_address_book(300, seed=4)


def test_every_number_that_parses_is_in_an_example_range() -> None:
    book = generate_address_book(3000, seed=11)
    parsed = kept = 0
    for person in book.people:
        for phone in person["phoneNumbers"]:
            try:
                number = to_e164(phone["value"], "AE")
            except InvalidPhoneError:
                kept += 1
                continue
            parsed += 1
            assert EXAMPLE_RANGES.fullmatch(number), (phone["value"], number)
    assert parsed > 3000
    # Some entries are not numbers at all, as in any real address book.
    assert 0.02 < kept / (parsed + kept) < 0.12


def test_numbers_are_written_in_many_ways() -> None:
    book = generate_address_book(2000, seed=5)
    written = [p["value"] for person in book.people for p in person["phoneNumbers"]]
    shapes = {
        "international with spaces": r"\+971 5\d 123 \d{4}",
        "E.164": r"\+9715\d123\d{4}",
        "00 prefix": r"00971\d+",
        "local with dashes": r"05\d-123-\d{4}",
        "local plain": r"05\d123\d{4}",
        "brackets": r"\(05\d\) 123 \d{4}",
        "arabic-indic digits": r"[٠-٩]{10}",
        "extension": r".*(ext|x|#|;ext=) ?\.? ?\d+",
        "landline": r"(\(0[246]\)|0[246]|\+971 [246]) 123 \d{4}.*",
        "uk": r"(\+44|0044) 20 7946 0\d{3}.*",
    }
    for shape, pattern in shapes.items():
        assert any(re.fullmatch(pattern, text) for text in written), shape


def test_names_come_from_many_cultures() -> None:
    book = generate_address_book(2000, seed=5)
    names = [person["names"][0]["displayName"] for person in book.people if "names" in person]
    scripts = Counter()
    for name in names:
        for ch in name:
            if ch.isalpha():
                scripts[unicodedata.name(ch).split()[0]] += 1
    assert {"ARABIC", "LATIN", "CJK", "HANGUL", "CYRILLIC", "GREEK"} <= set(scripts)
    arabic = [n for n in names if any("ARABIC" in unicodedata.name(c, "") for c in n)]
    with_marks = [n for n in arabic if any(unicodedata.category(c) == "Mn" for c in n)]
    assert with_marks and len(with_marks) < len(arabic)  # with and without diacritics
    assert any("أ" in n or "إ" in n for n in arabic) and any(n.startswith("ا") for n in arabic)
    latin = " ".join(names)
    assert {"Mohammed", "Mohamed"} <= set(latin.split())  # spellings disagree
    assert any(c in latin for c in "éüçøłñ")  # European accents
    assert any(n.split()[-1] in ("Santos", "Reyes", "Cruz", "Bautista") for n in names)
    assert any("Tenant" in n or "Owner" in n for n in names)  # an agent's context words
    assert any("names" not in person for person in book.people)  # a number saved nameless


def test_people_are_unique_with_emails_and_labels() -> None:
    book = generate_address_book(2000, seed=9)
    names = [p["resourceName"] for p in book.people]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"people/c\d{19}", n) for n in names)
    mains = [
        to_e164(p["phoneNumbers"][0]["value"], "AE")
        for p in book.people
        if len(p["phoneNumbers"]) and not _invalid(p["phoneNumbers"][0]["value"])
    ]
    assert len(set(mains)) == len(mains)  # one main mobile each
    emails = [e["value"] for p in book.people for e in p.get("emailAddresses", [])]
    assert len(emails) > 400
    assert {e.rsplit("@", 1)[1] for e in emails} == {"example.com", "example.org", "example.net"}
    group_names = {g["resourceName"] for g in book.groups}
    labelled = [
        m
        for p in book.people
        for m in p["memberships"]
        if m["contactGroupMembership"]["contactGroupResourceName"] in group_names
    ]
    assert len(labelled) > 1000


def _invalid(text: str) -> bool:
    try:
        to_e164(text, "AE")
    except InvalidPhoneError:
        return True
    return False


def test_uae_mobiles_cover_sixty_thousand_distinct_numbers() -> None:
    numbers = {uae_mobile(i) for i in range(60_000)}
    assert len(numbers) == 60_000
    assert uae_mobile(0) == "+971501230000" and uae_mobile(60_000) == uae_mobile(0)
