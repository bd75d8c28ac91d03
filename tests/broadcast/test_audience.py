"""Audiences: CSV files as Excel and Google export them, lists of numbers, contact
entries; normalised, de-duplicated, invalid numbers listed with their line; hostile
files refused in one line without hanging."""

from __future__ import annotations

import codecs
import os
import threading
from pathlib import Path

import pytest

from linda_tui.broadcast.audience import (
    MAX_AUDIENCE_ROWS,
    AudienceError,
    ColumnSetting,
    audience_from_csv,
    audience_from_csv_text,
    audience_from_entries,
    audience_from_number_file,
    audience_from_numbers,
    find_phone_column,
)

A = "+971501234561"
B = "+971501234562"
C = "+971501234563"


def write(tmp_path: Path, content: str | bytes, name: str = "clients.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def one_line_error(call, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(AudienceError) as caught:
        call(*args, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    assert " — " in message, "says how to fix it"
    return message


# --- CSV: formats --------------------------------------------------------------------------


def test_a_plain_csv_gives_numbers_and_variables(tmp_path: Path) -> None:
    path = write(tmp_path, f"phone,First Name,City\n{A},Ahmed,Dubai\n{B},Sara,Abu Dhabi\n")
    audience = audience_from_csv(path, region="AE")
    assert [(m.phone, m.line) for m in audience.members] == [(A, 2), (B, 3)]
    # name is derived from the first name (and a last name, had there been one).
    assert audience.members[0].variables == {
        "first_name": "Ahmed",
        "city": "Dubai",
        "name": "Ahmed",
    }
    assert audience.columns == {"first_name": "First Name", "city": "City"}
    assert audience.phone_column == "phone"
    assert audience.invalid == [] and audience.duplicates == []


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_excel_semicolon_csv_with_or_without_bom(tmp_path: Path, bom: bytes, newline: str) -> None:
    text = newline.join(
        ["Name;Mobile;Notes", 'Ahmed Ali;050 123 4561;"a; b"', "Sara;0501234562;1,5", ""]
    )
    audience = audience_from_csv(write(tmp_path, bom + text.encode()), region="AE")
    assert [m.phone for m in audience.members] == [A, B]
    assert audience.members[0].variables["notes"] == "a; b"
    assert audience.members[1].variables["notes"] == "1,5"
    assert audience.phone_column == "Mobile"  # not "\ufeffName" or a BOM-damaged header


def test_tab_separated_values(tmp_path: Path) -> None:
    audience = audience_from_csv(write(tmp_path, f"name\tphone\nAli\t{A}\n"), region="AE")
    assert [m.phone for m in audience.members] == [A]


def test_quoted_fields_with_line_breaks_keep_line_numbers(tmp_path: Path) -> None:
    text = (
        "phone,name,address\n"
        f'{A},"Ahmed","Tower 1\nFloor 2\nDubai"\n'
        f'{B},"Sara ""the boss""",x\n'
        "not-a-number,Bad,y\n"
    )
    audience = audience_from_csv(write(tmp_path, text), region="AE")
    assert audience.members[0].variables["address"] == "Tower 1\nFloor 2\nDubai"
    assert audience.members[1].variables["name"] == 'Sara "the boss"'
    assert [m.line for m in audience.members] == [2, 5]
    assert [r.line for r in audience.invalid] == [6]


def test_blank_rows_are_skipped_and_short_rows_padded(tmp_path: Path) -> None:
    text = f"\n\nphone,name,city\n{A},Ali\n,,\n;;\n\n{B},Sara,Dubai,extra\n"
    audience = audience_from_csv(write(tmp_path, text), region="AE")
    assert [(m.phone, m.line) for m in audience.members] == [(A, 4), (B, 8)]
    assert audience.members[0].variables["city"] == ""
    assert [r.line for r in audience.invalid] == [6]  # ";;" is one cell holding ";;"


def test_cells_are_trimmed(tmp_path: Path) -> None:
    audience = audience_from_csv(write(tmp_path, f"phone , name \n {A} ,  Ali  \n"), region="AE")
    assert audience.members[0].variables == {"name": "Ali", "first_name": "Ali"}


# --- CSV: the phone column ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "phone",
        "Phone",
        " PHONE NUMBER ",
        "Mobile",
        "mobile_number",
        "WhatsApp",
        "whatsapp no",
        "Tel",
        "Telephone",
        "Cell",
        "Number",
        "Phone 1 - Value",
        "MSISDN",
        "رقم",
        "الهاتف",
        "جوال",
        "رقم الجوال",
        "رقم الهاتف",
        "واتساب",
    ],
)
def test_the_phone_column_is_found_by_its_header(tmp_path: Path, header: str) -> None:
    path = write(tmp_path, f"Name,{header},City\nAli,{A},Dubai\n")
    audience = audience_from_csv(path, region="AE")
    assert audience.phone_column == header.strip()
    assert [m.phone for m in audience.members] == [A]
    assert "city" in audience.members[0].variables


def test_a_whatsapp_column_wins_over_a_phone_column() -> None:
    assert find_phone_column(["Name", "Office Phone", "WhatsApp"]) == 2
    assert find_phone_column(["Name", "Home Phone", "Mobile"]) == 2


def test_number_alone_is_a_phone_column_but_account_number_is_not() -> None:
    assert find_phone_column(["Account Number", "Number"]) == 1
    with pytest.raises(AudienceError, match="no column looks like phone numbers"):
        find_phone_column(["Account Number", "ID Number"])


def test_two_equally_likely_phone_columns_must_be_chosen(tmp_path: Path) -> None:
    path = write(tmp_path, f"Name,Phone 1 - Value,Phone 2 - Value\nAli,{A},{B}\n")
    message = one_line_error(audience_from_csv, path, region="AE")
    assert "'Phone 1 - Value', 'Phone 2 - Value'" in message and "--phone-column" in message
    chosen = audience_from_csv(path, region="AE", phone_column="Phone 2 - Value")
    assert [m.phone for m in chosen.members] == [B]
    # The other phone column is an ordinary variable.
    assert chosen.members[0].variables["phone_1_value"] == A


def test_phone_column_by_name_in_any_spelling(tmp_path: Path) -> None:
    path = write(tmp_path, f"Client,Contact No\nAli,{A}\n")
    assert audience_from_csv(path, region="AE", phone_column="contact no").phone_column == (
        "Contact No"
    )
    assert audience_from_csv(path, region="AE", phone_column="Contact No").phone_column == (
        "Contact No"
    )


def test_a_named_phone_column_that_does_not_exist_lists_the_columns(tmp_path: Path) -> None:
    path = write(tmp_path, f"Client,Contact No\nAli,{A}\n")
    message = one_line_error(audience_from_csv, path, region="AE", phone_column="mobile")
    assert "has no column 'mobile' (its columns: 'Client', 'Contact No')" in message


def test_no_recognisable_phone_column_lists_the_headers_seen(tmp_path: Path) -> None:
    path = write(tmp_path, f"Client,Contact,City\nAli,{A},Dubai\n")
    message = one_line_error(audience_from_csv, path, region="AE")
    assert "no column looks like phone numbers (its columns: 'Client', 'Contact', 'City')" in (
        message
    )
    assert "--phone-column" in message


def test_a_file_without_a_header_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, f"{A},Ali\n{B},Sara\n")
    message = one_line_error(audience_from_csv, path, region="AE")
    assert "first line is data" in message and "add a header line" in message


def test_two_headers_that_become_the_same_variable(tmp_path: Path) -> None:
    path = write(tmp_path, f"phone,First Name,first_name\n{A},a,b\n")
    message = one_line_error(audience_from_csv, path, region="AE")
    assert "'First Name' and 'first_name' both become the variable {first_name}" in message


# --- CSV: numbers --------------------------------------------------------------------------------


def test_numbers_are_normalised_in_the_fleet_region(tmp_path: Path) -> None:
    text = "phone\n050 123 4561\n00971501234562\n+971 50 123 4563\n(202) 555-0143\n"
    ae = audience_from_csv(write(tmp_path, text), region="AE")
    assert [m.phone for m in ae.members] == [A, B, C]
    assert [r.line for r in ae.invalid] == [5]  # a US number read in the UAE
    us = audience_from_csv(write(tmp_path, "phone\n(202) 555-0143\n"), region="US")
    assert [m.phone for m in us.members] == ["+12025550143"]


def test_duplicates_keep_the_first_and_are_reported_with_their_line(tmp_path: Path) -> None:
    text = f"phone,name\n{A},First\n0501234562,B\n050 123 4561,Second\n{B},Again\n"
    audience = audience_from_csv(write(tmp_path, text), region="AE")
    assert [(m.phone, m.variables["name"]) for m in audience.members] == [(A, "First"), (B, "B")]
    assert [(d.line, d.duplicate_of) for d in audience.duplicates] == [(4, 2), (5, 3)]
    assert audience.duplicates[0].reason == f"{A} is already on line 2"


def test_invalid_numbers_are_listed_with_line_and_reason(tmp_path: Path) -> None:
    text = (
        f"phone,name\n{A},ok\n,no number\n12345,short\n+9715012345678901,long\n9.71501E+11,excel\n"
    )
    audience = audience_from_csv(write(tmp_path, text), region="AE")
    assert [m.phone for m in audience.members] == [A]
    lines = {r.line: r for r in audience.invalid}
    assert sorted(lines) == [3, 4, 5, 6]
    assert lines[3].reason == "no phone number"
    assert "'12345'" in lines[4].reason
    assert all("\n" not in r.reason for r in audience.invalid)


def test_letters_in_a_number_are_never_keypad_digits(tmp_path: Path) -> None:
    """phonenumbers reads 'ABCD' as 2223; to_e164 refuses letters (the Trust work),
    and the audience uses to_e164, so a word in the phone column is invalid."""
    pytest.importorskip("linda_tui.phones")
    from linda_tui.phones import InvalidPhoneError, to_e164

    try:
        to_e164("+971 50 CALL NOW")
    except InvalidPhoneError:
        pass
    else:
        pytest.skip("phones.to_e164 does not refuse letters yet (Trust issue)")
    audience = audience_from_csv(write(tmp_path, f"phone\n{A}\n+971 50 CALL NOW\n"), region="AE")
    assert [r.line for r in audience.invalid] == [3]


def test_a_csv_with_no_usable_number_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "phone,name\nabc,Ali\n123,Sara\n,Omar\n999,x\n")
    message = one_line_error(audience_from_csv, path, region="AE")
    assert "has no usable phone number (4 invalid: line 2:" in message
    assert "and 1 more" in message


def test_a_header_without_rows_is_an_error(tmp_path: Path) -> None:
    message = one_line_error(audience_from_csv, write(tmp_path, "phone,name\n\n"), region="AE")
    assert "only a header line" in message


def test_a_hundred_thousand_rows_are_read(tmp_path: Path) -> None:
    rows = [f"+97150{n % 2000:07d},Name {n},City {n % 7}" for n in range(100_000)]
    path = write(tmp_path, "phone,name,city\n" + "\n".join(rows) + "\n")
    audience = audience_from_csv(path, region="AE")
    assert len(audience.members) == 2000
    assert len(audience.duplicates) == 98_000
    assert audience.members[-1].line == 2001
    assert audience.duplicates[-1].line == 100_001


# --- names -------------------------------------------------------------------------------------


def test_first_name_comes_from_the_name_column(tmp_path: Path) -> None:
    text = f"phone,Full Name\n{A},Ahmed Al Mansouri\n{B},فاطمة الزهراء\n"
    members = audience_from_csv(write(tmp_path, text), region="AE").members
    assert members[0].variables["first_name"] == "Ahmed"
    assert members[0].variables["name"] == "Ahmed Al Mansouri"
    assert members[1].variables["first_name"] == "فاطمة"


def test_name_comes_from_first_and_last_names(tmp_path: Path) -> None:
    text = f"phone,First Name,Last Name\n{A},Sara,Khan\n{B},Omar,\n"
    members = audience_from_csv(write(tmp_path, text), region="AE").members
    assert members[0].variables["name"] == "Sara Khan"
    assert members[1].variables["name"] == "Omar"


def test_an_arabic_name_column(tmp_path: Path) -> None:
    text = f"الاسم,جوال\nأحمد علي,{A}\n"
    audience = audience_from_csv(write(tmp_path, text), region="AE")
    assert audience.members[0].variables["first_name"] == "أحمد"
    assert {"name", "first_name"} <= audience.known_variables


def test_given_names_are_never_overwritten(tmp_path: Path) -> None:
    text = f"phone,name,first name\n{A},Dr Ahmed Ali,Ahmed\n"
    variables = audience_from_csv(write(tmp_path, text), region="AE").members[0].variables
    assert (variables["name"], variables["first_name"]) == ("Dr Ahmed Ali", "Ahmed")


# --- hostile files ---------------------------------------------------------------------------------


def test_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "clients.csv"
    os.mkfifo(fifo)
    result: list[str] = []
    worker = threading.Thread(
        target=lambda: result.append(one_line_error(audience_from_csv, fifo, region="AE")),
        daemon=True,
    )
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "reading a FIFO hung"
    assert "not a regular file" in result[0]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_devices_are_refused(device: str) -> None:
    assert "not a regular file" in one_line_error(audience_from_csv, device, region="AE")


def test_a_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "clients.csv"
    link.symlink_to("/dev/zero")
    assert "not a regular file" in one_line_error(audience_from_csv, link, region="AE")


def test_a_folder_and_a_missing_file(tmp_path: Path) -> None:
    assert "is a folder" in one_line_error(audience_from_csv, tmp_path, region="AE")
    assert "no such file" in one_line_error(audience_from_csv, tmp_path / "nope.csv", region="AE")


def test_an_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, f"phone\n{A}\n")
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as root: permissions do not apply")
    assert "cannot open it" in one_line_error(audience_from_csv, path, region="AE")


def test_a_file_over_the_size_cap_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "phone\n" + f"{A}\n" * 100)
    message = one_line_error(audience_from_csv, path, region="AE", max_bytes=1024)
    assert "larger than 1 KiB" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (codecs.BOM_UTF8, "the file is empty"),
        (b"\n\n  \r\n", "the file is empty"),
        (f"phone,name\n{A},Jos\xe9\n".encode("latin-1"), ":2: the file is not UTF-8 text"),
        ("phone\n+971501234561\n".encode("utf-16"), "it looks like UTF-16"),
        (f'phone,name\n{A},"Ali\n{B},Sara\n'.encode(), ":2: cannot read this CSV line"),
        (f'phone,name\n{A},"Ali"x\n'.encode(), ":2: cannot read this CSV line"),
        (f"phone,notes\n{A},ok\n{B},{'x' * 200_000}\n".encode(), ":3: cannot read this CSV line"),
        (b"\xff\xfe\x00\x00garbage", "not UTF-8"),
    ],
)
def test_unreadable_content_is_one_line_with_the_line(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    assert expected in one_line_error(audience_from_csv, write(tmp_path, content), region="AE")


def test_control_characters_in_a_path_are_not_written_raw(tmp_path: Path) -> None:
    message = one_line_error(audience_from_csv, tmp_path / "a\x1b]52;c;x\x07.csv", region="AE")
    assert "\x1b" not in message and "\x07" not in message


# --- lists of numbers ------------------------------------------------------------------------------


def test_numbers_given_one_by_one() -> None:
    audience = audience_from_numbers([A, "0501234562", A, "nope"], region="AE")
    assert [m.phone for m in audience.members] == [A, B]
    assert audience.members[0].variables == {}
    assert [(d.line, d.duplicate_of) for d in audience.duplicates] == [(3, 1)]
    assert audience.duplicates[0].reason == f"{A} is already on --to number 1"
    assert [r.line for r in audience.invalid] == [4]
    assert audience.where(4) == "--to number 4"


def test_numbers_given_one_by_one_are_named_the_same_way_in_every_message() -> None:
    # The dry run listed "line 4", the error "argument 1", and the error's advice
    # named --phone-column, which has nothing to do with --to.
    message = one_line_error(audience_from_numbers, ["x", "123"], region="AE")
    assert "(2 invalid: --to number 1: " in message and "; --to number 2: " in message
    assert "--phone-column" not in message
    assert "line" not in message and "argument" not in message


def test_no_usable_numbers_given_is_an_error() -> None:
    assert "has no usable phone number" in one_line_error(
        audience_from_numbers, ["x", "123"], region="AE"
    )
    assert "lists no one" in one_line_error(audience_from_numbers, [], region="AE")


def test_a_file_of_numbers_with_comments(tmp_path: Path) -> None:
    text = f"# VIP clients\n{A}\n\n  0501234562  # Sara\n#{C}\nbad\n{A}\n"
    audience = audience_from_number_file(write(tmp_path, text, "vip.txt"), region="AE")
    assert [(m.phone, m.line) for m in audience.members] == [(A, 2), (B, 4)]
    assert [r.line for r in audience.invalid] == [6]
    assert [d.line for d in audience.duplicates] == [7]


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_a_file_of_numbers_with_any_line_ends(tmp_path: Path, end: str) -> None:
    text = end.join(["# clients", A, "", "bad", B]) + end
    audience = audience_from_number_file(write(tmp_path, text, "n.txt"), region="AE")
    assert [(m.phone, m.line) for m in audience.members] == [(A, 2), (B, 5)]
    assert [(r.line, r.raw) for r in audience.invalid] == [(4, "bad")]


def test_a_file_of_only_comments_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "# nobody yet\n\n", "vip.txt")
    assert "only comments" in one_line_error(audience_from_number_file, path, region="AE")


def test_a_file_of_numbers_is_read_safely_too(tmp_path: Path) -> None:
    assert "not a regular file" in one_line_error(
        audience_from_number_file, "/dev/zero", region="AE"
    )


# --- the hook for contact-based audiences ----------------------------------------------------------


def test_entries_from_contacts() -> None:
    entries = [
        (A, {"name": "Fatima Al Mansouri", "Label": "VIP"}),
        (B, {"name": ""}),
        (A, {"name": "Same phone, other contact"}),
    ]
    audience = audience_from_entries(entries, region="AE", source="contacts labelled VIP")
    assert [m.phone for m in audience.members] == [A, B]
    assert audience.members[0].variables == {
        "name": "Fatima Al Mansouri",
        "label": "VIP",
        "first_name": "Fatima",
    }
    assert audience.duplicates[0].reason == f"{A} is already on contact 'Fatima Al Mansouri'"
    assert audience.columns == {"name": "name", "label": "Label"}


def test_an_invalid_contact_is_named_by_its_name_not_a_line() -> None:
    entries = [
        ("+971501234567", {"name": "Ahmed"}),
        ("050 CALL NOW", {"name": "Spam \x1b[2J Caller"}),
        ("", {"name": ""}),
    ]
    audience = audience_from_entries(entries, region="AE", source="every synced contact")
    assert [audience.where(r.line) for r in audience.invalid] == [
        "contact 'Spam [2J Caller'",  # its control character dropped, as from every value
        "contact #3",  # no name: its place among the contacts
    ]
    message = one_line_error(
        audience_from_entries, entries[1:], region="AE", source="every synced contact"
    )
    assert "contact 'Spam [2J Caller': " in message and "line" not in message
    assert "--phone-column" not in message


# --- control characters in values from outside -----------------------------------------------------

HOSTILE_VALUES = [
    ("x \x1b]52;c;SGVsbG8=\x07 \x1b[2J", "x ]52;c;SGVsbG8= [2J"),  # OSC 52, clear screen
    ("\u202eevil", "evil"),  # right-to-left override: spoofs the text
    ("E\x00F", "EF"),
    ("zero\u200bwidth\ufeff", "zerowidth"),
    ("C1 \x9b2J del\x7f", "C1 2J del"),
    ("isolate \u2066x\u2069", "isolate x"),
    ("12 Main St\r\nDubai", "12 Main St\nDubai"),  # a line break stays, its CR goes
    ("a\tb", "a\tb"),
    ("مرحبا \u200f👨\u200d👩\u200d👧", "مرحبا \u200f👨\u200d👩\u200d👧"),  # RLM, ZWJ stay
]


@pytest.mark.parametrize(("raw", "kept"), HOSTILE_VALUES)
def test_a_csv_cell_loses_its_control_characters(tmp_path: Path, raw: str, kept: str) -> None:
    cell = raw.replace('"', '""')
    path = write(tmp_path, f'phone,name,note\n{A},"{cell}","{cell}"\n')
    member = audience_from_csv(path, region="AE").members[0]
    assert member.variables["note"] == kept.strip()
    assert member.variables["name"] == kept.strip()


@pytest.mark.parametrize("ends", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("hostile", [False, True], ids=["clean", "with-a-control"])
def test_a_csvs_line_ends_change_no_value_and_no_line_number(
    tmp_path: Path, ends: str, hostile: bool
) -> None:
    """Whatever its line ends, and whether or not some value elsewhere holds a control
    character, a file gives the same values (a quoted line break read as one line
    feed) and the same line numbers in what it reports."""
    note = "x\x1b[2J" if hostile else "x"
    rows = [
        "phone;name;address;note",
        f'+971501230001;Ahmed;"12 Main St{ends}Dubai";{note}',
        "not a number;Sara;Here;x",
        f'+971501230002;"Omar{ends}Jr";There;x',
        "+971501230001;Again;Twice;x",
    ]
    path = tmp_path / "clients.csv"
    path.write_bytes(ends.join(rows).encode() + ends.encode())
    audience = audience_from_csv(path, region="AE")
    assert [(m.phone, m.line, m.variables["address"]) for m in audience.members] == [
        ("+971501230001", 2, "12 Main St\nDubai"),
        ("+971501230002", 5, "There"),
    ]
    assert audience.members[1].variables["name"] == "Omar\nJr"
    assert audience.members[0].variables["note"] == "x[2J" if hostile else "x"
    assert [r.line for r in audience.invalid] == [4]
    assert [r.line for r in audience.duplicates] == [7]


@pytest.mark.parametrize(("raw", "kept"), HOSTILE_VALUES)
def test_a_contacts_values_lose_their_control_characters(raw: str, kept: str) -> None:
    audience = audience_from_entries([(A, {"name": raw, "email": raw})], region="AE")
    assert audience.members[0].variables["name"] == kept.strip()
    assert audience.members[0].variables["email"] == kept.strip()


def test_hostile_column_names_are_shown_escaped_once(tmp_path: Path) -> None:
    path = write(tmp_path, "na\x1b]52,city\nAhmed,Dubai\n")
    message = one_line_error(audience_from_csv, path, region="AE")
    assert "'na\\x1b]52'" in message  # shown as na\x1b]52, one backslash
    assert "\\\\" not in message and "\x1b" not in message


# --- how many rows -----------------------------------------------------------------------------------


def test_a_csv_over_the_row_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    rows = "".join(f"+97150{1000000 + i},n\n" for i in range(6))
    path = write(tmp_path, "phone,name\n" + rows)
    assert len(audience_from_csv(path, region="AE").members) == 6
    message = one_line_error(audience_from_csv_text, "phone,name\n" + rows, source="big.csv",
                             region="AE", max_rows=5)  # fmt: skip
    assert message == (
        "big.csv has more than 5 rows (the most one campaign takes) — "
        "split it into campaigns of at most 5"
    )


def test_the_row_limit_counts_invalid_rows_and_duplicates_too(tmp_path: Path) -> None:
    path = write(tmp_path, "".join(f"{n}\n" for n in (A, A, "bad", B, C, "x")), "n.txt")
    message = one_line_error(audience_from_number_file, path, region="AE", max_rows=5)
    assert "more than 5 numbers" in message
    assert "more than 2 numbers" in one_line_error(
        audience_from_numbers, [A, B, C], region="AE", max_rows=2
    )
    assert "more than 1 contacts" in one_line_error(
        audience_from_entries, [(A, {}), (B, {})], region="AE", max_rows=1
    )


def test_the_row_limit_is_checked_while_reading_not_after(tmp_path: Path) -> None:
    # Millions of lines: refused once the limit is passed, long before the end. Reading
    # all 2,000,000 numbers takes tens of seconds; stopping at 1,000 takes a blink, so a
    # check made after reading everything would not finish inside the timeout.
    path = write(tmp_path, "+971501234567\n" * 2_000_000, "huge.txt")
    done = threading.Event()
    messages: list[str] = []

    def read() -> None:
        messages.append(one_line_error(audience_from_number_file, path, region="AE", max_rows=1000))
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(10), "the limit was not checked while reading"
    assert "more than 1,000 numbers" in messages[0]


def test_the_default_row_limit_is_a_million() -> None:
    assert MAX_AUDIENCE_ROWS == 1_000_000


@pytest.mark.parametrize(
    "variables",
    [
        {"first_name": "Ahmed", "last_name": "Saleh", "city": "Dubai"},
        {"first_name": "", "last_name": "Saleh", "full_name": "Ahmed Saleh"},
        {"name": "", "الاسم": "أحمد صالح"},
        {"given_name": "Ahmed", "surname": "Saleh", "name": ""},
        {"contact_name": "Dr Ahmed", "first_name": "Ahmed"},
        {"city": "Dubai"},
    ],
)
def test_names_from_a_csv_s_own_columns_are_the_names_from_every_column(
    variables: dict[str, str],
) -> None:
    """A CSV looks only at the name columns it has: the same names as looking at all."""
    from linda_tui.broadcast.audience import _EVERY_NAME_KEY, with_names

    among = _EVERY_NAME_KEY.among([*variables, None])
    assert with_names(dict(variables), among) == with_names(dict(variables))


@pytest.mark.parametrize(
    ("csv_text", "phone_column"),
    [
        ("phone,name\n+971501230001,Ahmed\n", "Mobile"),  # no such column
        ("who,city\nAhmed,Dubai\n", None),  # none looks like phones
        ("Phone 1,Phone 2\n+971501230001,+971501230002\n", None),  # two could
        ("phone,name\nnot a number,Ahmed\n", None),  # no usable number in it
    ],
    ids=["unknown", "none", "several", "unusable"],
)
def test_a_phone_column_error_names_where_the_operator_sets_it(
    tmp_path: Path, csv_text: str, phone_column: str | None
) -> None:
    """The CLI says --phone-column; the console says its Column field."""
    path = tmp_path / "clients.csv"
    path.write_text(csv_text, encoding="utf-8")
    cli = one_line_error(audience_from_csv, path, region="AE", phone_column=phone_column)
    assert "--phone-column" in cli
    field = ColumnSetting("in the Column field", "the Column field")
    console = one_line_error(
        audience_from_csv, path, region="AE", phone_column=phone_column, setting=field
    )
    assert "the Column field" in console and "--" not in console


def test_a_file_of_numbers_has_no_phone_column_to_check(tmp_path: Path) -> None:
    path = tmp_path / "numbers.txt"
    path.write_text("not a number\n", encoding="utf-8")
    message = one_line_error(audience_from_number_file, path, region="AE")
    assert "phone-column" not in message and "+971501234567" in message
