"""A People API person becomes a Contact: every number in E.164, the rest kept as written."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from linda_tui.contacts.people_records import (
    clean_text,
    contact_from_person,
    parse_page,
    split_phones,
)
from linda_tui.phones import InvalidPhoneError, to_e164

LABELS = {"contactGroups/1": "Tenants", "contactGroups/starred": "Starred"}


def phones(*values: str, region: str = "AE") -> tuple[list[str], list[str]]:
    return split_phones(((v, None) for v in values), region)


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        # local forms, read in the fleet's region
        ("050 123 4567", "+971501234567"),
        ("0501234567", "+971501234567"),
        ("050-123-4567", "+971501234567"),
        ("(050) 123 4567", "+971501234567"),
        ("050.123.4567", "+971501234567"),
        ("04 234 5678", "+97142345678"),
        ("(04) 234 5678", "+97142345678"),
        # + and 00 prefixes, with and without spaces and punctuation
        ("+971501234567", "+971501234567"),
        ("+971 50 123 4567", "+971501234567"),
        ("+971-50-123-4567", "+971501234567"),
        ("+971 (0)50 123 4567", "+971501234567"),
        ("00971501234567", "+971501234567"),
        ("00 971 50 123 4567", "+971501234567"),
        ("+44 20 7946 0123", "+442079460123"),
        ("0044 20 7946 0123", "+442079460123"),
        ("+1 (202) 555-0143", "+12025550143"),
        # spaces around, non-breaking spaces, Arabic-Indic digits
        ("  050 123 4567  ", "+971501234567"),
        ("050\u00a0123\u00a04567", "+971501234567"),
        ("٠٥٠١٢٣٤٥٦٧", "+971501234567"),
        ("+٩٧١٥٠١٢٣٤٥٦٧", "+971501234567"),
        # extensions: the line's number (E.164 has no extension)
        ("+44 20 7946 0123 ext. 12", "+442079460123"),
        ("+44 20 7946 0123 x12", "+442079460123"),
        ("+44 20 7946 0123 #12", "+442079460123"),
        ("+44 20 7946 0123;ext=12", "+442079460123"),
        ("04 234 5678 extension 210", "+97142345678"),
    ],
)
def test_numbers_in_every_form_become_e164(written: str, e164: str) -> None:
    assert phones(written) == ([e164], [])


@pytest.mark.parametrize(
    "written",
    [
        "050-123",  # too short
        "12345",
        "0000",
        "+971 50 123",
        "+9715012345678",  # one digit too many
        "(04) 123 4567",  # a Dubai line cannot start with 1
        "050 CALL NOW",  # letters would become keypad digits
        "050-123-ABCD",
        "N/A",
        "see email",
        "+",
        "+999 123",
        "١٢",
    ],
)
def test_what_is_not_a_valid_number_is_kept_as_written(written: str) -> None:
    assert phones(written) == ([], [written])


def test_the_region_reads_local_numbers_and_not_international_ones() -> None:
    assert phones("020 7946 0123", region="GB") == (["+442079460123"], [])
    assert phones("020 7946 0123", region="AE") == ([], ["020 7946 0123"])
    assert phones("+971501234567", region="GB") == (["+971501234567"], [])


def test_googles_canonical_form_is_used_when_the_written_one_does_not_parse() -> None:
    assert split_phones([("office: 050 123 4567", "+971501234567")], "AE") == (
        ["+971501234567"],
        [],
    )


def test_the_same_number_written_twice_is_one_number() -> None:
    assert phones("050 123 4567", "+971501234567", "00971 50 123 4567", "N/A", "N/A") == (
        ["+971501234567"],
        ["N/A"],
    )


def test_letters_are_refused_before_they_become_digits() -> None:
    with pytest.raises(InvalidPhoneError, match="letters"):
        to_e164("+1 800 FLOWERS")
    with pytest.raises(InvalidPhoneError, match="letters"):
        to_e164("call-me")


def person(**fields: Any) -> dict[str, Any]:
    return {
        "resourceName": "people/c1234567890123456789",
        "etag": "%EgUBAgMJLhoEAQIFByIM",
        **fields,
    }


def test_a_person_with_several_numbers_emails_and_labels() -> None:
    contact = contact_from_person(
        person(
            names=[{"displayName": "Fatima Al Mansoori"}, {"displayName": "فاطمة المنصوري"}],
            phoneNumbers=[
                {"value": "050 123 4567", "type": "mobile"},
                {"value": "+44 20 7946 0123 ext. 5", "type": "work"},
                {"value": "050-123", "type": "other"},
            ],
            emailAddresses=[{"value": "Fatima@example.com"}, {"value": "fatima@EXAMPLE.com"}],
            memberships=[
                {
                    "contactGroupMembership": {
                        "contactGroupResourceName": "contactGroups/myContacts"
                    }
                },
                {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/1"}},
                {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/starred"}},
                {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/gone"}},
            ],
            metadata={
                "sources": [{"type": "CONTACT", "updateTime": "2026-01-15T09:00:00.123456789Z"}]
            },
        ),
        "AE",
        LABELS,
    )
    assert contact is not None
    assert contact.resource_name == "people/c1234567890123456789"
    assert contact.etag == "%EgUBAgMJLhoEAQIFByIM"
    assert contact.names == ["Fatima Al Mansoori", "فاطمة المنصوري"]
    assert contact.phones == ["+971501234567", "+442079460123"]
    assert contact.raw_phones == ["050-123"]
    assert contact.emails == ["Fatima@example.com"]
    assert contact.labels == ["Tenants", "Starred"]
    assert contact.updated_at == datetime(2026, 1, 15, 9, 0, 0, 123456, tzinfo=UTC)
    assert not contact.deleted


def test_names_come_from_whichever_field_has_them() -> None:
    contact = contact_from_person(
        person(names=[{"givenName": "José", "familyName": "García"}, {"unstructuredName": "Pepe"}]),
        "AE",
        {},
    )
    assert contact is not None and contact.names == ["José García", "Pepe"]
    assert contact.display_name == "José García"


def test_text_from_outside_loses_control_characters_and_stays_one_line() -> None:
    assert clean_text("Omar\x1b[31m Saleh\n\x07") == "Omar [31m Saleh"
    assert clean_text("Mal\u202eicious") == "Mal icious"
    assert clean_text(42) == ""
    assert len(clean_text("x" * 10_000)) == 256


@pytest.mark.parametrize(
    ("written", "cleaned"),
    [
        ("\u200b\u200b\u200b", ""),  # zero width spaces only: no name at all
        ("\ufeffBOM name", "BOM name"),
        ("Ah\u2060med\u180e Saleh\u2061\u2062\u2063\u2064", "Ahmed Saleh"),
        ("Para\u2028sep\u2029x", "Para sep x"),  # separators are spaces, one line
        ("\u200b \ufeff", ""),
        ("می\u200cخواهم", "می\u200cخواهم"),  # ZWNJ shapes Persian: kept
        ("👨\u200d👩\u200d👧 Family", "👨\u200d👩\u200d👧 Family"),  # ZWJ joins emoji: kept
    ],
)
def test_invisible_characters_are_dropped_but_joiners_kept(written: str, cleaned: str) -> None:
    assert clean_text(written) == cleaned


def test_a_name_of_invisible_characters_only_is_no_name() -> None:
    contact = contact_from_person(
        person(
            names=[{"displayName": "\u200b\u200b\u200b"}, {"givenName": "\ufeff\u2060"}],
            phoneNumbers=[{"value": "+971501234567"}],
        ),
        "AE",
        {},
    )
    assert contact is not None and contact.names == []
    assert contact.display_name == "+971501234567"  # shown by its number, as unnamed ones are


@pytest.mark.parametrize(
    "hostile",
    [
        {},
        {"resourceName": 5},
        {"resourceName": "contactGroups/1"},
        {"resourceName": "people/"},
        {"resourceName": "people/c1", "names": "not a list"},
        {"resourceName": "people/c1", "names": [None, 5, {"displayName": ["x"]}]},
        {"resourceName": "people/c1", "phoneNumbers": [{"value": None}, {"value": 501234567}, {}]},
        {"resourceName": "people/c1", "phoneNumbers": [{"value": "9" * 10_000}]},
        {"resourceName": "people/c1", "emailAddresses": [{"value": {"a": 1}}]},
        {"resourceName": "people/c1", "memberships": [{"contactGroupMembership": "x"}, 7]},
        {"resourceName": "people/c1", "metadata": {"sources": [{"updateTime": "yesterday"}]}},
        {"resourceName": "people/c1", "metadata": "deleted"},
        {"resourceName": "people/c1", "etag": {"x": 1}},
        {"resourceName": "people/c1", "phoneNumbers": [{"value": "+971501234567"}] * 10_000},
    ],
)
def test_a_hostile_person_never_raises(hostile: dict[str, Any]) -> None:
    contacts, deleted, skipped = parse_page([hostile], "AE", LABELS)
    assert len(contacts) + len(deleted) + skipped == 1
    for contact in contacts:
        assert len(contact.phones) + len(contact.raw_phones) <= 50
        assert all(len(p) <= 64 for p in contact.raw_phones)


@pytest.mark.parametrize(
    "resource_name",
    [
        "people/c9100000000000000002\x1b]52;c;aGk=\x07",  # a terminal escape (OSC 52)
        "people/c9100000000000000003[/]",  # markup
        "people/c1/../../me",
        "people/c1 2",
        "people/c1\u200b",
        "people/c1\n",
        "people/" + "c" * 122,  # longer than 128 in all
        "people/",
    ],
)
def test_a_malformed_resource_name_is_skipped_and_counted(resource_name: str) -> None:
    page = [
        person(names=[{"displayName": "Kept"}]),
        person(resourceName=resource_name, names=[{"displayName": "Evil resource"}]),
        {"resourceName": resource_name, "metadata": {"deleted": True}},
    ]
    contacts, deleted, skipped = parse_page(page, "AE", {})
    assert [c.names for c in contacts] == [["Kept"]]
    assert (deleted, skipped) == ([], 2)


@pytest.mark.parametrize(
    "resource_name", ["people/c1234567890123456789", "people/1234567890", "people/a_B-9"]
)
def test_resource_names_as_google_makes_them_are_kept(resource_name: str) -> None:
    contact = contact_from_person(person(resourceName=resource_name), "AE", {})
    assert contact is not None and contact.resource_name == resource_name


def test_a_page_separates_changes_from_deletions_and_skips_the_unusable() -> None:
    page = [
        person(names=[{"displayName": "Kept"}]),
        {"resourceName": "people/c2", "etag": "%x", "metadata": {"deleted": True}},
        {"resourceName": None, "metadata": {"deleted": True}},
        "not a person",
    ]
    contacts, deleted, skipped = parse_page(page, "AE", {})
    assert [c.names for c in contacts] == [["Kept"]]
    assert deleted == ["people/c2"]
    assert skipped == 2
