"""Who a broadcast goes to: a CSV file, a list of numbers, or (through
``audience_from_entries``) contacts found by the Contacts feature.

Every number is normalised to E.164 in the fleet's region (``phones.to_e164``)
and de-duplicated, the first occurrence winning. Invalid numbers and duplicates
are kept aside with their line and reason, so the operator sees what was left
out; an audience with no usable number at all is an ``AudienceError``.

CSV files are read as Excel and Google Contacts export them: UTF-8 with or
without a byte-order mark, ``,`` or ``;`` (or tab) between fields, found from the
header line, quoted fields that may hold the delimiter or line breaks. The phone
column is found by its header (``phone``, ``mobile``, ``WhatsApp``, ``Tel``,
``رقم``, ``جوال``, ...) or named with ``phone_column``. Every other column
becomes a template variable keyed by ``template.variable_key`` ("First Name" is
``{first_name}``); ``name`` and ``first_name`` are filled from each other (and
from first/last name columns) when only some are given.

Files are read with ``input_file.read_input_text``: regular files only, at most
``MAX_AUDIENCE_BYTES`` (64 MiB: a 100,000-row export with a dozen columns is
about 15 MiB), and at most ``MAX_AUDIENCE_ROWS`` rows or numbers, counted as they
are read (64 MiB of short numbers is millions of them: minutes and gigabytes).

A value from outside (a CSV cell, a contact's name) goes into a message to someone
else: its control characters (escape sequences, bidi overrides, zero-widths: see
``terminal_text.CONTROL_CHARACTERS``) are dropped as it is read, line breaks and tabs
kept (an address cell may hold a line break), as the console's text fields do. The
template refuses them outright; a customer list is data the operator did not type.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from linda_tui.broadcast.input_file import InputFileError, printable, quoted, read_input_text
from linda_tui.broadcast.template import variable_key
from linda_tui.bulk import collector_paused
from linda_tui.phones import InvalidPhoneError, to_e164
from linda_tui.terminal_text import has_droppable_controls, without_controls

__all__ = [
    "MAX_AUDIENCE_BYTES",
    "MAX_AUDIENCE_ROWS",
    "PHONE_COLUMN_FLAG",
    "Audience",
    "AudienceError",
    "ColumnSetting",
    "Member",
    "Rejected",
    "audience_from_csv",
    "audience_from_entries",
    "audience_from_number_file",
    "audience_from_numbers",
    "find_phone_column",
]

MAX_AUDIENCE_BYTES = 64 * 1024 * 1024
# Rows of a CSV, numbers of a file or --to, contacts: an audience of more is refused as
# it is read. Ten times a large customer list, and still a few seconds to plan.
MAX_AUDIENCE_ROWS = 1_000_000
# Invalid numbers and duplicates listed in an error message before "and N more".
_SHOWN = 3


class AudienceError(ValueError):
    """An audience that cannot be used; the message is one line with the fix."""


@dataclass(slots=True)  # not frozen: made up to a million times, in a fifth of the time
class Member:
    """One person to message."""

    phone: str  # E.164
    variables: dict[str, str]  # variable_key -> value, stripped; empty when unknown
    line: int  # where it came from: a CSV or file line, a --to's or contact's position


@dataclass(frozen=True, slots=True)
class Rejected:
    """A number left out of the audience, and why."""

    line: int
    raw: str  # as written in the source
    reason: str  # one line
    duplicate_of: int | None = None  # the line of the first occurrence, for duplicates


@dataclass
class Audience:
    """The people a broadcast goes to, and those it leaves out."""

    source: str  # how to name it to the operator: a file path, "--to", "contacts"
    unit: str  # what `line` counts in this source: "line", "--to number", "contact"
    members: list[Member]
    invalid: list[Rejected] = field(default_factory=list)
    duplicates: list[Rejected] = field(default_factory=list)
    # Variables the source offers (variable_key -> the header as written), for the
    # template's messages ("{city} is not a column of clients.csv (columns: ...)").
    columns: dict[str, str] = field(default_factory=dict)
    phone_column: str | None = None
    # Contacts: each entry's name by position, so a message names the contact, not a
    # "line" it never had.
    names: dict[int, str] = field(default_factory=dict)

    @property
    def known_variables(self) -> set[str]:
        """The variables this source can give (its columns, and the names derived
        from them), for telling a misspelt variable from an empty one."""
        known = set(self.columns)
        if known & {*_NAME_KEYS, *_FIRST_KEYS}:
            known |= {"name", "first_name"}
        return known

    def where(self, line: int) -> str:
        """ "line 12", "--to number 3", "contact 'Ann Lee'": how to point at a place in
        this source (control characters in a name escaped)."""
        return _where(self.unit, line, self.names)


def _where(unit: str, line: int, names: Mapping[int, str]) -> str:
    name = names.get(line)
    if name:
        return f"{unit} {quoted(name)}"
    return f"{unit} #{line}" if unit == "contact" else f"{unit} {line}"


# --- finding the phone column ------------------------------------------------------

# Header words (as variable keys, or words of one) that name a phone column, best
# first: a WhatsApp column beats a mobile one, which beats a generic phone.
_PHONE_WORDS: tuple[frozenset[str], ...] = (
    frozenset({"whatsapp", "واتساب", "الواتساب", "واتس"}),
    frozenset({"mobile", "cell", "cellphone", "mob", "جوال", "الجوال", "موبايل", "محمول"}),
    frozenset(
        {"phone", "phones", "telephone", "tel", "msisdn", "هاتف", "الهاتف", "تلفون", "تليفون"}
    ),
)
# Words that name a phone column only when they are the whole header: "Number" is
# a phone column, "Account Number" or "ID Number" is not.
_WHOLE_HEADERS = frozenset({"number", "numbers", "no", "رقم", "الرقم", "ارقام", "الارقام"})


def _rank(header: str) -> int | None:
    """How surely a header names the phone column (0 is surest), None if it does not."""
    key = variable_key(header)
    words = key.split("_") if key else []
    for rank, names in enumerate(_PHONE_WORDS):
        if key in names or any(word in names for word in words):
            return rank
    if key in _WHOLE_HEADERS or key in {"رقم_" + w for w in ("الهاتف", "الجوال", "الموبايل")}:
        return len(_PHONE_WORDS)
    if words and words[0] == "رقم":  # "رقم الهاتف", "رقم واتساب" ...
        return len(_PHONE_WORDS)
    return None


class ColumnSetting(NamedTuple):
    """Where the operator names the phone column, in the words of what they use (an
    error's fix says what to do there): the CLI's flag, or the console's field."""

    by: str  # "name it <by>": "with --phone-column"
    name: str  # "check <name>": "--phone-column"


PHONE_COLUMN_FLAG = ColumnSetting("with --phone-column", "--phone-column")


def find_phone_column(
    headers: Sequence[str],
    phone_column: str | None = None,
    *,
    source: str = "the CSV",
    setting: ColumnSetting = PHONE_COLUMN_FLAG,
) -> int:
    """The index of the phone column among headers, or AudienceError.

    phone_column names it (as written, or any spelling with the same variable_key);
    otherwise it is the header that most surely names a phone (see _PHONE_WORDS).
    Two equally sure candidates are an error: guessing could message the wrong
    numbers (an office phone instead of the mobile). The error says to name the column
    where ``setting`` says.
    """
    shown = ", ".join(quoted(h) for h in headers if h.strip()) or "none"
    if phone_column is not None:
        wanted = phone_column.strip()
        for index, header in enumerate(headers):
            if header.strip() == wanted:
                return index
        key = variable_key(wanted)
        matches = [i for i, header in enumerate(headers) if key and variable_key(header) == key]
        if len(matches) == 1:
            return matches[0]
        raise AudienceError(
            f"{source} has no column {quoted(wanted)} (its columns: {shown}) — "
            f"name one of them {setting.by}"
        )
    ranked = [(rank, i) for i, header in enumerate(headers) if (rank := _rank(header)) is not None]
    if not ranked:
        raise AudienceError(
            f"{source}: no column looks like phone numbers (its columns: {shown}) — "
            f"name it {setting.by}, or call it 'phone'"
        )
    best = min(rank for rank, _ in ranked)
    candidates = [i for rank, i in ranked if rank == best]
    if len(candidates) > 1:
        names = ", ".join(quoted(headers[i]) for i in candidates)
        raise AudienceError(
            f"{source}: several columns could hold the phone numbers ({names}) — "
            f"choose one {setting.by}"
        )
    return candidates[0]


# --- names -----------------------------------------------------------------------------

_NAME_KEYS = ("name", "full_name", "fullname", "contact_name", "الاسم", "اسم", "الاسم_الكامل")
_FIRST_KEYS = ("first_name", "firstname", "given_name", "الاسم_الاول", "الاسم_الأول")
_LAST_KEYS = ("last_name", "lastname", "surname", "family_name", "اسم_العائلة", "العائلة")


@dataclass(frozen=True, slots=True)
class _NameKeys:
    """The keys with_names looks at, best first."""

    name: tuple[str, ...] = _NAME_KEYS
    first: tuple[str, ...] = _FIRST_KEYS
    last: tuple[str, ...] = _LAST_KEYS

    def among(self, keys: Iterable[str | None]) -> _NameKeys:
        """Only those of keys: for rows that all have the same variables (a CSV's
        columns), the others would never be found."""
        present = set(keys)
        return _NameKeys(
            tuple(k for k in self.name if k in present),
            tuple(k for k in self.first if k in present),
            tuple(k for k in self.last if k in present),
        )


_EVERY_NAME_KEY = _NameKeys()


def _first_present(variables: Mapping[str, str], keys: Iterable[str]) -> str:
    for key in keys:
        value = variables.get(key)
        if value:
            return value
    return ""


def with_names(variables: dict[str, str], keys: _NameKeys = _EVERY_NAME_KEY) -> dict[str, str]:
    """variables with ``name`` and ``first_name`` filled in from each other when only
    one is known: first_name is the first word of the name; name is the first and
    last names together. Values already there are never changed."""
    name = variables.get("name") or _first_present(variables, keys.name)
    first = variables.get("first_name") or _first_present(variables, keys.first)
    if not name and first:
        last = _first_present(variables, keys.last)
        name = f"{first} {last}" if last else first
    if not first and name:
        first = name.split(maxsplit=1)[0]
    if name and not variables.get("name"):
        variables["name"] = name
    if first and not variables.get("first_name"):
        variables["first_name"] = first
    return variables


# --- building an audience ----------------------------------------------------------------


class _Collector:
    """Normalises numbers in order: keeps the first of each, sets aside the rest;
    refuses more than max_rows of them (AudienceError) as they come."""

    def __init__(
        self,
        region: str,
        source: str,
        unit: str,
        *,
        rows: str,
        max_rows: int = MAX_AUDIENCE_ROWS,
        names: dict[int, str] | None = None,
    ) -> None:
        self.region = region
        self.source = source
        self.unit = unit
        self.rows = rows  # what a row is called in the too-many message: "rows", "numbers"
        self.max_rows = max_rows
        self.names = names if names is not None else {}
        self.members: list[Member] = []
        self.invalid: list[Rejected] = []
        self.duplicates: list[Rejected] = []
        self._first: dict[str, int] = {}
        self._count = 0

    def add(self, raw: str, variables: dict[str, str], line: int) -> None:
        self._count += 1
        if self._count > self.max_rows:
            raise AudienceError(
                f"{self.source} has more than {self.max_rows:,} {self.rows} (the most one "
                f"campaign takes) — split it into campaigns of at most {self.max_rows:,}"
            )
        text = raw.strip()
        if not text:
            self.invalid.append(Rejected(line, raw, "no phone number"))
            return
        try:
            phone = to_e164(text, self.region)
        except InvalidPhoneError as exc:
            self.invalid.append(Rejected(line, raw, str(exc)))
            return
        first = self._first.get(phone)
        if first is not None:
            self.duplicates.append(
                Rejected(
                    line,
                    raw,
                    f"{phone} is already on {_where(self.unit, first, self.names)}",
                    duplicate_of=first,
                )
            )
            return
        self._first[phone] = line
        self.members.append(Member(phone, variables, line))

    def audience(self, *, fix: str = "", **extra: object) -> Audience:
        """The audience collected, or AudienceError when it has no usable number (fix
        is what else to check, for that message: "or check --phone-column")."""
        if not self.members:
            raise AudienceError(self._nothing_usable(fix))
        return Audience(
            source=self.source,
            unit=self.unit,
            members=self.members,
            invalid=self.invalid,
            duplicates=self.duplicates,
            names=self.names,
            **extra,  # type: ignore[arg-type]
        )

    def _nothing_usable(self, fix: str) -> str:
        invalid = self.invalid
        if not invalid and not self.duplicates:
            return f"{self.source} lists no one to message — add phone numbers"
        shown = "; ".join(
            f"{_where(self.unit, r.line, self.names)}: {printable(r.reason)}"
            for r in invalid[:_SHOWN]
        )
        more = f"; and {len(invalid) - _SHOWN:,} more" if len(invalid) > _SHOWN else ""
        return (
            f"{self.source} has no usable phone number ({len(invalid):,} invalid: {shown}"
            f"{more}) — write numbers in international form, e.g. +971501234567{fix}"
        )


def _delimiter(header_line: str) -> str:
    """The field delimiter, from the header line: the most frequent of , ; and tab
    outside quotes (Excel writes ; where the decimal mark is a comma)."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts.values())
    if best == 0:
        return ","
    # On a tie, the comma: the CSV standard's delimiter.
    return next(d for d in (",", ";", "\t") if counts[d] == best)


def _looks_like_phone(text: str, region: str) -> bool:
    if sum(ch.isdigit() for ch in text) < 7:
        return False
    try:
        to_e164(text, region)
    except InvalidPhoneError:
        return False
    return True


def audience_from_csv(
    path: str | os.PathLike[str],
    *,
    region: str,
    phone_column: str | None = None,
    max_bytes: int = MAX_AUDIENCE_BYTES,
    setting: ColumnSetting = PHONE_COLUMN_FLAG,
) -> Audience:
    """The audience in a CSV file (see the module's docstring), or AudienceError.

    Rows whose cells are all blank are skipped (spreadsheets leave them at the end);
    a row with no number or an invalid one is listed in ``invalid`` with its line.
    An error about the phone column says to name it where ``setting`` says.
    """
    shown = printable(str(path))
    try:
        text = read_input_text(path, max_bytes=max_bytes, what="a CSV file", kind="csv")
    except InputFileError as exc:
        raise AudienceError(str(exc)) from None
    return audience_from_csv_text(
        text, source=shown, region=region, phone_column=phone_column, setting=setting
    )


def audience_from_csv_text(
    text: str,
    *,
    source: str,
    region: str,
    phone_column: str | None = None,
    max_rows: int = MAX_AUDIENCE_ROWS,
    setting: ColumnSetting = PHONE_COLUMN_FLAG,
) -> Audience:
    """audience_from_csv for text already read (source names it in messages)."""
    # Every line end read as a line feed: the same rows and line numbers, and a quoted
    # line break (CR LF, or a lone CR from an old Mac) is one line feed in its value.
    flat = text.replace("\r\n", "\n").replace("\r", "\n")
    first_line = flat.lstrip("\n").split("\n", 1)[0]
    # Nearly every file has no other control character: then its values need no
    # cleaning one by one (a tenth of the reading).
    clean = not has_droppable_controls(flat)
    reader = csv.reader(
        io.StringIO(flat, newline=""),
        delimiter=_delimiter(first_line),
        strict=True,
    )
    headers: list[str] | None = None
    header_line = 0
    collector = _Collector(region, source, "line", rows="rows", max_rows=max_rows)
    keys: list[str | None] = []
    cells: list[tuple[int, str]] = []  # (column, variable key) of the variable columns
    names = _EVERY_NAME_KEY
    phone_index = width = 0
    previous_end = 0  # reader.line_num after the previous record: the next starts after it
    try:
        with collector_paused():  # 100,000 rows: see linda_tui.bulk
            for row in reader:
                line = previous_end + 1
                previous_end = reader.line_num
                if not "".join(row).strip():  # every cell blank
                    continue
                if headers is None:
                    headers, header_line = row, line
                    phone_index, keys = _read_header(headers, phone_column, source, region, setting)
                    names = _EVERY_NAME_KEY.among(keys)
                    cells = [(index, key) for index, key in enumerate(keys) if key is not None]
                    width = len(headers)
                    continue
                if len(row) < width:
                    row += [""] * (width - len(row))  # a short row: its missing cells are empty
                variables = (
                    {key: row[index].strip() for index, key in cells}
                    if clean
                    else {key: without_controls(row[index]).strip() for index, key in cells}
                )
                collector.add(row[phone_index], with_names(variables, names), line)
    except csv.Error as exc:
        # The record that failed starts on the line after the last one read whole.
        problem = str(exc)
        fix = (
            'a field that starts with " must end with " (write "" for a quote inside it)'
            if "quote" in problem or "end of data" in problem or "expected" in problem
            else "fix or remove that line"
        )
        raise AudienceError(
            f"{source}:{previous_end + 1}: cannot read this CSV line ({problem}) — {fix}"
        ) from None
    if headers is None:
        raise AudienceError(f"{source}: the file is empty — pass a CSV file with a header line")
    if not collector.members and not collector.invalid and not collector.duplicates:
        raise AudienceError(
            f"{source}: only a header line (line {header_line}), no rows — add the people to "
            "message below it"
        )
    columns = {
        key: header.strip() for key, header in zip(keys, headers, strict=False) if key is not None
    }
    return collector.audience(
        fix=f", or check {setting.name}",
        columns=columns,
        phone_column=headers[phone_index].strip(),
    )


def _read_header(
    headers: list[str],
    phone_column: str | None,
    source: str,
    region: str,
    setting: ColumnSetting,
) -> tuple[int, list[str | None]]:
    """The phone column's index and each column's variable key (None: not a variable)."""
    try:
        phone_index = find_phone_column(headers, phone_column, source=source, setting=setting)
    except AudienceError:
        data = next((h for h in headers if _looks_like_phone(h, region)), None)
        if data is not None and phone_column is None:
            raise AudienceError(
                f"{source}: the first line is data ({quoted(data.strip())}), not a header "
                "— add a header line first, e.g. phone,name"
            ) from None
        raise
    keys: list[str | None] = []
    seen: dict[str, str] = {}
    for index, header in enumerate(headers):
        key = variable_key(header)
        if index == phone_index or not key:
            keys.append(None)  # the phone itself, or a column with no usable name
            continue
        if key in seen:
            raise AudienceError(
                f"{source}: columns {quoted(seen[key])} and {quoted(header.strip())} "
                f"both become the variable {{{key}}} — rename one of them"
            )
        seen[key] = header.strip()
        keys.append(key)
    return phone_index, keys


def audience_from_numbers(
    numbers: Iterable[str],
    *,
    region: str,
    source: str = "--to",
    max_rows: int = MAX_AUDIENCE_ROWS,
) -> Audience:
    """The audience of numbers given one by one (``--to``, repeatable; "--to number 2"
    is the second). No variables: a template for it needs fallbacks for its
    placeholders."""
    collector = _Collector(region, source, "--to number", rows="numbers", max_rows=max_rows)
    with collector_paused():
        for position, raw in enumerate(numbers, start=1):
            collector.add(raw, {}, position)
    return collector.audience()


def audience_from_number_file(
    path: str | os.PathLike[str],
    *,
    region: str,
    max_bytes: int = MAX_AUDIENCE_BYTES,
    max_rows: int = MAX_AUDIENCE_ROWS,
) -> Audience:
    """The audience in a file of numbers, one per line. Blank lines and lines starting
    with '#' are skipped; so is anything after ' #' on a line (a comment)."""
    shown = printable(str(path))
    try:
        text = read_input_text(path, max_bytes=max_bytes, what="a file of phone numbers")
    except InputFileError as exc:
        raise AudienceError(str(exc)) from None
    collector = _Collector(region, shown, "line", rows="numbers", max_rows=max_rows)
    # Line by line, not splitlines(): millions of lines are refused after max_rows of
    # them, not after a list of every one is built.
    with collector_paused():
        for line_number, line in enumerate(_lines(text), start=1):
            content = line.split(" #", 1)[0].strip()
            if not content or content.startswith("#"):
                continue
            collector.add(content, {}, line_number)
    if not collector.members and not collector.invalid:
        raise AudienceError(f"{shown}: only comments, no numbers — write one number per line")
    return collector.audience()


def _lines(text: str) -> Iterator[str]:
    """text's lines one at a time (ended by LF, CRLF, or CR alone in an old Mac file),
    without a copy of the whole text (io.StringIO holds four bytes a character)."""
    separator = "\n" if "\n" in text else "\r"
    start = 0
    while start < len(text):
        end = text.find(separator, start)
        if end < 0:
            end = len(text)
        yield text[start:end].rstrip("\r")
        start = end + 1


def audience_from_entries(
    entries: Iterable[tuple[str, Mapping[str, str]]],
    *,
    region: str,
    source: str = "contacts",
    max_rows: int = MAX_AUDIENCE_ROWS,
) -> Audience:
    """The audience of (phone, variables) pairs: the hook for contact-based audiences
    (a contact search, a label, every synced contact), which give each contact's
    number and its variables (``name`` at least). Variable names are normalised with
    variable_key and first_name derived from the name, as for a CSV; values lose their
    control characters, as a CSV's do. Messages name a contact by its name."""
    collector = _Collector(region, source, "contact", rows="contacts", max_rows=max_rows)
    columns: dict[str, str] = {}
    for position, (phone, given) in enumerate(entries, start=1):
        variables: dict[str, str] = {}
        for name, value in given.items():
            key = variable_key(name)
            if key:
                columns.setdefault(key, name)
                variables[key] = without_controls(value or "").strip()
        with_names(variables)
        if variables.get("name"):
            collector.names[position] = variables["name"]
        collector.add(phone, variables, position)
    return collector.audience(columns=columns)
