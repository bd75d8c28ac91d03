"""From a People API person to Linda's Contact: names, E.164 phones, emails, labels.

A person comes from outside (Google, a proxy, a fake): every field is checked for its
type and bounded in size, text loses control characters, and nothing in a person can
make this raise. Phones are normalised to E.164 in the fleet's region; a number that
is not a valid phone number is kept as written in ``raw_phones`` (shown, never sent to).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from linda_tui.models import Contact
from linda_tui.phones import InvalidPhoneError, to_e164, without_extension

# Bounds on what one person may bring: Google's own limits are lower than these.
MAX_VALUES = 50  # names, phones, emails or labels per person
MAX_TEXT = 256  # characters per name, email or label
MAX_PHONE_TEXT = 64

# C0 and C1 controls, DEL, and the bidi overrides that reorder text on a terminal.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: Any, limit: int = MAX_TEXT) -> str:
    """value as one line of plain text (no controls, spaces collapsed), at most limit
    characters; "" when it is not text."""
    if not isinstance(value, str):
        return ""
    text = " ".join(_CONTROLS.sub(" ", value).split())
    return text[:limit]


def _entries(person: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    values = person.get(key)
    if not isinstance(values, list):
        return []
    return [v for v in values[:MAX_VALUES] if isinstance(v, Mapping)]


def _unique(values: Iterable[str], *, fold: bool = False) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        key = value.casefold() if fold else value
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return out


def split_phones(
    written: Iterable[tuple[object, object]], region: str
) -> tuple[list[str], list[str]]:
    """(E.164 numbers, numbers kept as written) from (value, canonical form) pairs.

    The value is read in ``region`` (the fleet's); when it is not a valid number but
    Google's own canonical form is, that is used. Duplicates go.
    """
    e164: list[str] = []
    raw: list[str] = []
    for value, canonical in written:
        shown = clean_text(value, MAX_PHONE_TEXT)
        if not shown:
            continue
        number = None
        for candidate in (shown, clean_text(canonical, MAX_PHONE_TEXT)):
            if not candidate:
                continue
            try:
                number = to_e164(without_extension(candidate), region)
                break
            except InvalidPhoneError:
                continue
        if number is not None:
            e164.append(number)
        else:
            raw.append(shown)
    return _unique(e164), _unique(raw)


def _updated_at(person: Mapping[str, Any]) -> datetime | None:
    metadata = person.get("metadata")
    sources = metadata.get("sources") if isinstance(metadata, Mapping) else None
    if not isinstance(sources, list):
        return None
    for source in sources:
        if not isinstance(source, Mapping) or not isinstance(source.get("updateTime"), str):
            continue
        text = source["updateTime"].strip()
        # RFC 3339 with up to nanoseconds: Python reads at most microseconds.
        text = re.sub(r"(\.\d{6})\d+", r"\1", text)
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return None


def is_deleted(person: Mapping[str, Any]) -> bool:
    """True for a person an incremental listing reports as deleted."""
    metadata = person.get("metadata")
    return isinstance(metadata, Mapping) and metadata.get("deleted") is True


def resource_name_of(person: Mapping[str, Any]) -> str | None:
    """The person's resource name (people/c123...), or None when it has none usable."""
    name = person.get("resourceName")
    if isinstance(name, str) and name.startswith("people/") and 7 < len(name) <= 128:
        return name
    return None


def _name_text(entry: Mapping[str, Any]) -> str:
    for key in ("displayName", "unstructuredName"):
        text = clean_text(entry.get(key))
        if text:
            return text
    parts = (clean_text(entry.get(k)) for k in ("givenName", "middleName", "familyName"))
    return " ".join(p for p in parts if p)


def contact_from_person(
    person: Mapping[str, Any], region: str, labels: Mapping[str, str]
) -> Contact | None:
    """The contact a person becomes, or None when it has no usable resource name.

    ``labels`` maps contact group resource names to their names (the person's
    memberships become its labels; unknown groups are left out).
    """
    resource_name = resource_name_of(person)
    if resource_name is None:
        return None
    phones, raw_phones = split_phones(
        (
            (entry.get("value"), entry.get("canonicalForm"))
            for entry in _entries(person, "phoneNumbers")
        ),
        region,
    )
    group_names = []
    for entry in _entries(person, "memberships"):
        membership = entry.get("contactGroupMembership")
        if isinstance(membership, Mapping):
            label = labels.get(str(membership.get("contactGroupResourceName")))
            if label:
                group_names.append(clean_text(label))
    etag = person.get("etag")
    return Contact(
        resource_name=resource_name,
        etag=clean_text(etag, 128) if isinstance(etag, str) else "",
        names=_unique(_name_text(entry) for entry in _entries(person, "names")),
        phones=phones,
        emails=_unique(
            (clean_text(entry.get("value")) for entry in _entries(person, "emailAddresses")),
            fold=True,
        ),
        labels=_unique(group_names),
        updated_at=_updated_at(person),
        raw_phones=raw_phones,
    )


def parse_page(
    people: Iterable[Any], region: str, labels: Mapping[str, str]
) -> tuple[list[Contact], list[str], int]:
    """(contacts to upsert, resource names deleted, people skipped as unusable)."""
    contacts: list[Contact] = []
    deleted: list[str] = []
    skipped = 0
    for person in people:
        if not isinstance(person, Mapping):
            skipped += 1
            continue
        if is_deleted(person):
            name = resource_name_of(person)
            if name is None:
                skipped += 1
            else:
                deleted.append(name)
            continue
        contact = contact_from_person(person, region, labels)
        if contact is None:
            skipped += 1
        else:
            contacts.append(contact)
    return contacts, deleted, skipped
