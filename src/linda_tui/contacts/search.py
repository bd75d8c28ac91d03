"""Instant, forgiving contact search: an in-memory index over every synced contact.

Operators look people up by a fragment of a name or a number while a client is on the
phone, typing into a search box that searches on every keystroke, so a query must answer
in a few milliseconds at 100,000 contacts and forgive how it was typed.

What a query matches (every word of it must match something: words are ANDed, and each
word counts by its best way of matching):

- names: the start of the whole name, the start of any word in it, or any part of a
  word (2+ letters); case, accents and Arabic spelling variants ignored (normalise.py);
  names joined by a particle are found either way (Abd Allah = Abdallah, Al-Mansouri =
  Al Mansouri = AlMansouri), and an Arabic word without its article (ال) is a word too;
- typos: a name word of 4-7 letters within one typo (a missing, extra, wrong or swapped
  letter: mohamed finds Mohammed, jonh finds John), 8+ letters within two (christphr
  finds Christopher); see typos.py and Vocabulary.near;
- numbers: a query written only with digits, spaces and + ( ) - . / is one number,
  whatever its formatting: the whole number in any form (+971 50 123 4567,
  00971501234567, or the local 050 123 4567 in the fleet's region) is an exact match;
  3+ digits are found at the end of, or anywhere in, every number (a leading 0, 00 or +
  is an access prefix and is skipped: 050 123 finds +97150123...); numbers a sync could
  not parse are searched by their digits too;
- emails: any part of an email (its words: ahmed, khan87, gmail, com);
- labels: `label:VIP` (or `label:"real estate"`) keeps only contacts with that label;
  a query that equals a whole label (case and accents ignored) finds its contacts.

Results are ranked by MatchKind (exact number, name start, word start, number end,
number part, label, email, part of a word, typo) and, within a kind, by display name
(folded) then resource name, so the same query always lists the same contacts in the
same order; contacts without a name come last, by number. The worst kind among a
query's words is the contact's kind; a query is a name start only when the whole of it
starts a name ("mohammed al m" is a name start of Mohammed Al Mansouri; "al mohammed"
finds him by word starts).

How it stays fast: the first results of a kind are the first few of a merge of lists
kept in result order (names by prefix are one range of a sorted list; each name word's
contacts are a list in result order), so the cost does not grow with how many contacts
match; several words intersect sets (C speed) and rank the intersection the same way.

Queries are bounded: the first 256 characters and 8 distinct words are used, words of
more than 32 letters are not typo-matched, and a query of any content (regex
characters, control characters, RTL marks, emoji, NUL) is just text: search never raises.

The index is not thread-safe: change and query it from one thread (the event loop).
"""

from __future__ import annotations

import functools
import heapq
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from itertools import islice

from linda_tui.contacts.normalise import digits, fold, is_phone_like, split_folded, words
from linda_tui.contacts.numbers import E164, NumberIndex
from linda_tui.contacts.sorted_strings import SortedStrings
from linda_tui.contacts.vocabulary import Vocabulary
from linda_tui.models import Contact
from linda_tui.phones import to_e164, without_extension

MAX_QUERY_CHARS = 256
MAX_QUERY_WORDS = 8
MIN_DIGITS = 3  # fewer digits match too many numbers to be useful
MIN_SUBSTRING = 2  # one letter inside words matches nearly everyone
# In a query of several words, a short word is most likely the start of a word being
# typed: inside words it would match most contacts and slow every keystroke.
MIN_SUBSTRING_OF_SEVERAL = 3
MIN_EMAIL_SUBSTRING = 3  # shorter: the start of a part of an email (alone in a query)
MIN_TYPO_WORD = 4  # "ali" within a typo is half the phone book
TWO_TYPOS_FROM = 8
MAX_TYPO_WORD = 32
# What one contact field contributes to the index at most (a hostile or broken server
# must not make indexing slow): items per field, characters per item.
MAX_ITEMS = 100
MAX_CHARS = 1000
MAX_DIGITS = 32  # E.164 has at most 15; more is an extension or garbage
# Above this many hits, digits are tested contact by contact in result order instead of
# being collected (a few digits such as a country code can match every number).
DENSE_HITS = 2000
# Up to this many candidates are simply sorted; more are ranked by merging lists.
SORT_AT_MOST = 1500
# A label: filter with at most this many contacts is a set, and is where names are
# looked for (rather than among all names starting with the query).
SMALL_FILTER = 5000

_PARTICLE_TEXT = """
    al el ul abd abdul abu abou bin ibn bint ben bou de da di du del della des la le
    van von der den ter mc mac st o d عبد ابو ابن بن بنت ال
"""
# Short words that begin a compound name: "abd allah" is also indexed as "abdallah".
PARTICLES = frozenset(_PARTICLE_TEXT.split())
ARABIC_ARTICLE = "ال"
# Contacts without a name sort after every name (U+10FFFF is the last code point).
NAMELESS = "\U0010ffff"
# Separators in a slot's record of what it put in the index (never part of a word).
_EMAILS, _LABELS, _ALIASES = "\x01", "\x02", "\x03"


class MatchKind(IntEnum):
    """Why a contact matched, best first: the rank of a search result."""

    NUMBER = 0  # the query is one of its numbers
    NAME_PREFIX = 1  # a name starts with the query
    WORD_PREFIX = 2  # a word of a name starts with it
    NUMBER_END = 3  # a number ends with its digits
    NUMBER_PART = 4  # a number contains them
    LABEL = 5  # a label is the query (or label:X)
    EMAIL = 6  # part of an email
    SUBSTRING = 7  # inside a word of a name
    FUZZY = 8  # a word of a name within a typo or two

    @property
    def reason(self) -> str:
        """A few words for the console: why this contact is in the results."""
        return _REASONS[self]


_REASONS = {
    MatchKind.NUMBER: "number",
    MatchKind.NAME_PREFIX: "name",
    MatchKind.WORD_PREFIX: "name",
    MatchKind.NUMBER_END: "number ends",
    MatchKind.NUMBER_PART: "number",
    MatchKind.LABEL: "label",
    MatchKind.EMAIL: "email",
    MatchKind.SUBSTRING: "in name",
    MatchKind.FUZZY: "similar name",
}


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result: the contact and why it matched."""

    contact: Contact
    kind: MatchKind


class _Lazy:
    """Slots passing a test, too many to list: membership is the test."""

    __slots__ = ("test", "size")

    def __init__(self, test: Callable[[int], bool], size: int) -> None:
        self.test = test
        self.size = size

    def __contains__(self, slot: object) -> bool:
        return self.test(slot)  # type: ignore[arg-type]


# The fields of a slot's record (ContactIndex._indexed), in order.
_NAMES_FIELD, _EMAILS_FIELD, _LABELS_FIELD = 0, 1, 2


@dataclass(slots=True)
class _Found:
    """What one query term matches with one kind: slot lists in result order (from the
    words of one field, or from numbers), or a test when they are too many to list."""

    lists: list[list[int]]
    field: int = -1  # which field the words are from (-1: numbers)
    words: frozenset[str] = frozenset()
    lazy: _Lazy | None = None

    def __bool__(self) -> bool:
        return bool(self.lists) or self.lazy is not None


class ContactIndex:
    """Every searchable contact, indexed for search(), get_by_phone() and ordered browsing.

    Build it from the store with ContactIndex.build(contacts, region), then keep it
    current with update() and remove() as sync pages land.
    """

    def __init__(self, region: str = "AE") -> None:
        self.region = region
        self._contacts: list[Contact | None] = []  # by slot
        self._keys: list[str] = []  # by slot: folded display name, NUL, resource name
        self._indexed: list[tuple[str, ...]] = []  # by slot: what it put in the index
        self._free: list[int] = []
        self._slot_of: dict[str, int] = {}  # resource name -> slot
        self._order = SortedStrings()  # every key: the order of results
        self._aliases = SortedStrings()  # other names ("name NUL resource name")
        self._pending: set[str] = set()  # keys not yet in _order
        key = self._keys.__getitem__
        self._names = Vocabulary(key, typos=True)
        self._emails = Vocabulary(key)
        self._labels = Vocabulary(key)
        self._numbers = NumberIndex()

    @classmethod
    def build(
        cls,
        contacts: Iterable[Contact | tuple[Contact, Iterable[str]]],
        region: str = "AE",
    ) -> ContactIndex:
        """An index of contacts; each item is a Contact or (Contact, raw phone strings)."""
        index = cls(region)
        index.update(contacts)
        return index

    # --- changes ---------------------------------------------------------------------------
    def update(self, contacts: Iterable[Contact | tuple[Contact, Iterable[str]]]) -> int:
        """Add or replace contacts by resource name; a contact marked deleted is removed.

        An item may be (contact, raw_phones): numbers the sync kept as written because they
        could not be parsed; they are searched by their digits. Returns how many were given.
        """
        count = 0
        try:
            for item in contacts:
                contact, raw = item if isinstance(item, tuple) else (item, ())
                name = str(contact.resource_name)
                slot = self._slot_of.get(name)
                if slot is not None and not contact.deleted and self._unchanged(slot, contact, raw):
                    # A full sync sends every contact again: most have not changed.
                    self._contacts[slot] = contact
                else:
                    self._delete(name)
                    if not contact.deleted:
                        self._insert(contact, raw)
                count += 1
        finally:
            self._flush()
        return count

    def _unchanged(self, slot: int, contact: Contact, raw_phones: Iterable[str]) -> bool:
        """True when contact would be indexed exactly as the one in slot is."""
        old = self._contacts[slot]
        if old is None or old is contact:  # the same object may have been changed in place
            return False
        return (
            old.names == contact.names
            and old.emails == contact.emails
            and old.labels == contact.labels
            and self._numbers.numbers[slot]
            == self._numbers.normal(_numbers_of(contact, raw_phones))
        )

    def add(self, contact: Contact, raw_phones: Iterable[str] = ()) -> None:
        """Add or replace one contact (see update)."""
        self.update([(contact, raw_phones)])

    def remove(self, *resource_names: str) -> int:
        """Take contacts out of the index by resource name. Returns how many were there."""
        try:
            return sum(self._delete(name) for name in resource_names)
        finally:
            self._flush()

    def _insert(self, contact: Contact, raw_phones: Iterable[str]) -> None:
        rn = str(contact.resource_name)
        display, names, parts, labels, aliases = _index_terms(contact)
        key = f"{display}\x00{rn}"
        aliases = tuple(f"{alias}\x00{rn}" for alias in aliases)
        if self._free:
            slot = self._free.pop()
            self._contacts[slot] = contact
            self._keys[slot] = key
        else:
            slot = len(self._contacts)
            self._contacts.append(contact)
            self._keys.append(key)
            self._indexed.append(())
        self._indexed[slot] = (*names, _EMAILS, *parts, _LABELS, *labels, _ALIASES, *aliases)
        self._slot_of[rn] = slot
        self._pending.add(key)
        self._names.add(names, slot)
        self._emails.add(parts, slot)
        self._labels.add(labels, slot)
        for alias in aliases:
            self._aliases.add(alias)
        numbers = _numbers_of(contact, raw_phones)
        self._numbers.set(slot, numbers)

    def _delete(self, resource_name: str) -> bool:
        slot = self._slot_of.pop(resource_name, None)
        if slot is None:
            return False
        field: Vocabulary | None = self._names
        for word in self._indexed[slot]:
            if word == _EMAILS:
                field = self._emails
            elif word == _LABELS:
                field = self._labels
            elif word == _ALIASES:
                field = None
            elif field is None:
                self._aliases.discard(word)
            else:
                field.discard(word, slot)
        self._numbers.clear(slot)
        key = self._keys[slot]
        if key in self._pending:
            self._pending.discard(key)
        else:
            self._order.discard(key)
        self._contacts[slot] = None
        self._keys[slot] = ""
        self._indexed[slot] = ()
        self._free.append(slot)
        return True

    def _flush(self) -> None:
        self._numbers.flush()
        self._names.flush()
        self._emails.flush()
        self._labels.flush()
        if self._pending:
            self._order.update(self._pending)
            self._pending = set()

    # --- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, resource_name: object) -> bool:
        return resource_name in self._slot_of

    def get(self, resource_name: str) -> Contact | None:
        """The indexed contact with this resource name."""
        slot = self._slot_of.get(resource_name)
        return None if slot is None else self._contact(slot)

    def _contact(self, slot: int) -> Contact:
        contact = self._contacts[slot]
        assert contact is not None
        return contact

    def _slot_of_key(self, key: str) -> int:
        return self._slot_of[key[key.index("\x00") + 1 :]]

    def _in_order(self, start: str = "") -> Iterator[int]:
        """Slots in result order; only those whose key starts with start."""
        keys = self._order.starting_with(start) if start else iter(self._order)
        return map(self._slot_of_key, keys)

    def sorted_contacts(self, limit: int = 50, offset: int = 0) -> list[Contact]:
        """Contacts in result order (display name, then resource name): an empty search box."""
        if limit <= 0 or offset < 0:
            return []
        return [self._contact(s) for s in islice(self._in_order(), offset, offset + limit)]

    def find_by_phone(self, phone: str) -> list[Contact]:
        """Every contact with this number (any formatting; local form in the index's region)."""
        if not isinstance(phone, str) or len(phone) > 64:
            return []
        slots = {
            s for key in _exact_keys(fold(phone), self.region) for s in self._numbers.owners(key)
        }
        return [self._contact(s) for s in sorted(slots, key=self._keys.__getitem__)]

    def get_by_phone(self, phone: str) -> Contact | None:
        """The contact with this number, first in result order if several share it, or None.

        The original system's getContact: give it an E.164 number (+971501234567); other
        formattings and the local form are accepted too.
        """
        found = self.find_by_phone(phone)
        return found[0] if found else None

    # --- search ----------------------------------------------------------------------------
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """The contacts matching query, best first, at most limit of them (see the module doc)."""
        if not isinstance(query, str) or not isinstance(limit, int) or limit <= 0:
            return []
        if not self._slot_of:
            return []
        plan = _Query.parse(_without_typed_extension(query), self)
        if plan is None:
            return []
        return [SearchHit(self._contact(slot), kind) for slot, kind in plan.run(limit)]

    def _merge(self, lists: list[list[int]]) -> Iterator[int]:
        """The slots of lists (each in result order) in result order, without repeats."""
        if len(lists) == 1:
            return iter(lists[0])
        merged = heapq.merge(*lists, key=self._keys.__getitem__)
        return _without_repeats(merged)

    def _name_starts(self, phrase: str) -> Iterator[int]:
        """Slots with a name starting with phrase, in result order."""
        primary = self._in_order(phrase)
        others = {self._slot_of_key(alias) for alias in self._aliases.starting_with(phrase)}
        if not others:
            return primary
        extra = sorted(others, key=self._keys.__getitem__)
        return _without_repeats(heapq.merge(primary, extra, key=self._keys.__getitem__))

    def _name_starts_with(self, slot: int, phrase: str) -> bool:
        """True when one of slot's names starts with phrase."""
        if self._keys[slot].startswith(phrase):
            return True
        record = self._indexed[slot]
        if record[-1] == _ALIASES:  # one name only (nearly everyone)
            return False
        others = record[record.index(_ALIASES) + 1 :]
        return any(alias.startswith(phrase) for alias in others)

    def _first(
        self,
        candidates: set[int],
        lists: list[list[int]],
        test: Callable[[int], bool] | None,
        need: int,
    ) -> list[int]:
        """The first `need` candidates in result order that pass test (None: all do).

        lists, in result order, must hold every candidate. Three ways, by what they cost:
        sort the candidates (few of them); merge the lists, which finds the first ones
        without looking at the rest (many candidates, few lists); or keep the `need`
        smallest keys in one pass (many of both).
        """
        keys = self._keys.__getitem__
        if len(candidates) <= SORT_AT_MOST or not lists:
            ordered: Iterator[int] = iter(sorted(candidates, key=keys))
        else:
            driver = sum(map(len, lists))
            merge_cost = 8 * len(lists) + need * driver // len(candidates)
            if test is None and merge_cost > len(candidates):
                return heapq.nsmallest(need, candidates, key=keys)
            ordered = filter(candidates.__contains__, self._merge(lists))
        if test is not None:
            ordered = filter(test, ordered)
        return list(islice(ordered, need))

    def _in_result_order(self, slots: set[int]) -> list[int]:
        return sorted(slots, key=self._keys.__getitem__)

    # --- what one query term matches (used by _Query) --------------------------------------
    def _word_matches(self, word: str, kind: MatchKind, several: bool = False) -> _Found:
        names = self._names
        if kind is MatchKind.WORD_PREFIX:
            return self._found(names, _NAMES_FIELD, names.starting_with(word))
        if kind is MatchKind.LABEL:
            return self._found(self._labels, _LABELS_FIELD, [word])
        if kind is MatchKind.EMAIL:
            emails = self._emails
            if len(word) < MIN_EMAIL_SUBSTRING:
                if several:  # most likely a name being typed, and a costly one
                    return _Found([])
                return self._found(emails, _EMAILS_FIELD, emails.starting_with(word))
            return self._found(emails, _EMAILS_FIELD, emails.containing(word))
        shortest = MIN_SUBSTRING_OF_SEVERAL if several else MIN_SUBSTRING
        if kind is MatchKind.SUBSTRING and len(word) >= shortest:
            inside = (w for w in names.containing(word) if not w.startswith(word))
            return self._found(names, _NAMES_FIELD, inside)
        if kind is MatchKind.FUZZY and MIN_TYPO_WORD <= len(word) <= MAX_TYPO_WORD:
            typos = 1 if len(word) < TWO_TYPOS_FROM else 2
            return self._found(names, _NAMES_FIELD, names.near(word, typos))
        return _Found([])

    @staticmethod
    def _found(vocabulary: Vocabulary, field: int, words: Iterable[str]) -> _Found:
        matched = frozenset(w for w in words if vocabulary.slots.get(w))
        return _Found(vocabulary.lists(matched), field, matched)

    def _has_word(self, slot: int, matched: tuple[frozenset[str], ...]) -> bool:
        """True when slot has one of the matched words of its field (names, emails, labels)."""
        field = _NAMES_FIELD
        words = matched[field]
        for word in self._indexed[slot]:
            if word == _EMAILS:
                field = _EMAILS_FIELD
                words = matched[field]
            elif word == _LABELS:
                field = _LABELS_FIELD
                words = matched[field]
            elif word == _ALIASES:
                return False
            elif word in words:
                return True
        return False

    def _digit_matches(self, term: _DigitsTerm, kind: MatchKind) -> _Found:
        numbers = self._numbers
        if kind is MatchKind.NUMBER:
            slots = {slot for key in term.exact for slot in numbers.owners(key)}
            return _Found([self._in_result_order(slots)] if slots else [])
        partial = term.partial
        if len(partial) < MIN_DIGITS or kind not in (MatchKind.NUMBER_END, MatchKind.NUMBER_PART):
            return _Found([])
        # Too many to collect (a country code is in every number): test contact by contact
        # in result order instead; that many matches are met early.
        if kind is MatchKind.NUMBER_END:
            found = numbers.ending_with(partial, DENSE_HITS)
            test = numbers.ends_with
        else:
            found = numbers.containing(partial, DENSE_HITS)
            test = numbers.contains
        if found is None:
            return _Found([], lazy=_Lazy(lambda slot: test(slot, partial), DENSE_HITS))
        return _Found([self._in_result_order(found)] if found else [])


_NUMBER_PUNCTUATION = str.maketrans(dict.fromkeys(" +-().\u00a0"))


def too_few_digits(query: str) -> bool:
    """Whether ``query`` is a number too short to search by (fewer than MIN_DIGITS
    digits, in any script, and nothing else but a number's punctuation): it matches
    nobody, and the operator should be told why."""
    digits = query.translate(_NUMBER_PUNCTUATION)
    return 0 < len(digits) < MIN_DIGITS and digits.isdigit()


def _numbers_of(contact: Contact, raw_phones: Iterable[str]) -> list[str]:
    """The numbers of a contact as the index keeps them: E.164 as given, anything else
    (and the raw numbers a sync could not parse) as its digits."""
    numbers = [
        phone if E164.fullmatch(phone) else digits(phone)[:MAX_DIGITS]
        for phone in (str(p)[:MAX_CHARS] for p in (contact.phones or ())[:MAX_ITEMS])
    ]
    numbers += [
        digits(str(p)[:MAX_CHARS])[:MAX_DIGITS] for p in islice(raw_phones or (), MAX_ITEMS)
    ]
    return numbers


def _without_repeats(slots: Iterable[int]) -> Iterator[int]:
    """slots without a slot equal to the one before (a merge yields a repeat next to it)."""
    last = -1
    for slot in slots:
        if slot != last:
            last = slot
            yield slot


@dataclass(slots=True)
class _DigitsTerm:
    """A query chunk written like a phone number."""

    exact: frozenset[str]  # how the very number can be stored (E.164, bare digits)
    partial: str  # the digits to look for inside numbers (access prefix skipped)

    @classmethod
    def parse(cls, chunk: str, region: str) -> _DigitsTerm:
        all_digits = digits(chunk)
        if chunk.startswith("+"):
            partial = all_digits
        elif all_digits.startswith("00"):
            partial = all_digits[2:]
        elif all_digits.startswith("0") and len(all_digits) > MIN_DIGITS:
            partial = all_digits[1:]  # the national trunk prefix (050... is +97150...)
        else:
            partial = all_digits
        return cls(frozenset(_exact_keys(chunk, region)), partial)


def _exact_keys(text: str, region: str) -> set[str]:
    """How a written number can be stored: its E.164 form (when it parses), and its bare
    digits with and without + (how a number the sync could not parse is kept)."""
    bare = digits(text)
    if not bare:
        return set()
    keys = {bare, "+" + bare}
    # Letters are refused: phonenumbers would read them as keypad digits.
    if 6 <= len(bare) <= 17 and is_phone_like(text.replace(" ", "")):
        try:
            keys.add(to_e164(text, region))
        except ValueError:
            pass
    return keys


_QUERY_PART = re.compile(r'label:"([^"]*)"?|label:(\S*)|(\S+)')


class _Query:
    """One parsed query and the ranking of its matches."""

    def __init__(
        self,
        index: ContactIndex,
        terms: list[str | _DigitsTerm],
        labels: list[str],
        phrase: list[str],
    ) -> None:
        self.index = index
        self.terms = terms
        self.labels = labels
        self.phrase = phrase  # the query's words in order, when it has no number in it
        self._cache: dict[tuple[int, MatchKind], _Found] = {}

    @classmethod
    def parse(cls, query: str, index: ContactIndex) -> _Query | None:
        """The query's terms, or None when it has nothing to search for."""
        folded = fold(query[:MAX_QUERY_CHARS])
        labels: list[str] = []
        chunks: list[str] = []
        phone_chunk = False
        for match in _QUERY_PART.finditer(folded):
            chunk = match.group(3)
            if chunk is None:
                label = " ".join(split_folded(match.group(1) or match.group(2) or ""))
                if label:
                    labels.append(label)
                phone_chunk = False
                continue
            if is_phone_like(chunk):
                # "+971 50 123 4567" is one number: consecutive number chunks join up.
                if phone_chunk:
                    chunks[-1] += chunk
                else:
                    chunks.append(chunk)
                phone_chunk = True
            else:
                chunks.extend(split_folded(chunk))
                phone_chunk = False
        terms: list[str | _DigitsTerm] = []
        phrase: list[str] = []
        has_number = False
        seen: set[str] = set()
        for chunk in chunks:
            if is_phone_like(chunk):
                has_number = True
                term: str | _DigitsTerm = _DigitsTerm.parse(chunk, index.region)
            else:
                phrase.append(chunk)
                term = chunk
            if chunk not in seen and len(seen) < MAX_QUERY_WORDS:
                seen.add(chunk)
                terms.append(term)
        if not terms and not labels:
            return None
        return cls(index, terms, list(dict.fromkeys(labels)), [] if has_number else phrase)

    def matches(self, position: int, kind: MatchKind) -> _Found:
        """What term number `position` matches with this kind (cached)."""
        key = (position, kind)
        found = self._cache.get(key)
        if found is None:
            term = self.terms[position]
            if isinstance(term, str):
                found = self.index._word_matches(term, kind, several=len(self.terms) > 1)
            else:
                found = self.index._digit_matches(term, kind)
            self._cache[key] = found
        return found

    def run(self, limit: int) -> list[tuple[int, MatchKind]]:
        """(slot, kind) of the best `limit` matches, best first."""
        index = self.index
        results: list[tuple[int, MatchKind]] = []
        seen: set[int] = set()
        filters = [_Progress(index) for _ in self.labels]  # label: filters
        for label, progress in zip(self.labels, filters, strict=True):
            progress.grow(index._word_matches(label, MatchKind.LABEL))
            if not progress.size:
                return []
            if progress.size <= SMALL_FILTER:
                progress.materialise()  # tested often: a set lookup beats reading the record
        filters.sort(key=lambda p: p.size)
        if not self.terms:
            picked = self._intersect([], filters, set(), seen, limit)
            return [(slot, MatchKind.LABEL) for slot in picked]

        # A contact has kind k when every term matches it with kind k or better; so walk
        # the kinds best first, growing what each term matches, and list the contacts
        # that qualify at k and did not at a better kind. Stop once `limit` are listed
        # (the better kinds are then complete, which is what makes the ranking exact).
        terms = [_Progress(index) for _ in self.terms]
        whole_label = _Progress(index)
        for kind in MatchKind:
            need = limit - len(results)
            if kind is MatchKind.NAME_PREFIX:
                picked = self._name_starts(filters, seen, need)
            elif len(terms) == 1 and not filters:
                picked = self._single(kind, seen, need)
            else:
                changed = False
                for position, progress in enumerate(terms):
                    found = self.matches(position, kind)
                    if found:
                        progress.grow(found)
                        changed = True
                if kind is MatchKind.LABEL and len(self.phrase) > 1:
                    # A query that is a whole label ("real estate") finds its contacts.
                    found = index._word_matches(" ".join(self.phrase), MatchKind.LABEL)
                    if found:
                        whole_label.grow(found)
                        changed = True
                if not changed:
                    continue
                picked = self._several(terms, filters, whole_label, seen, need)
            for slot in picked:
                results.append((slot, kind))
                seen.add(slot)
            if len(results) >= limit:
                break
        return results

    def _name_starts(self, filters: list[_Progress], seen: set[int], need: int) -> list[int]:
        """The whole query starts a name: one range of the sorted names."""
        if not self.phrase:
            return []
        index, phrase = self.index, " ".join(self.phrase)
        if filters and filters[0].size <= SMALL_FILTER:
            # Few contacts pass the filter: look at each of them rather than at every
            # name starting with the phrase.
            allowed = (s for s in filters[0].materialise() if s not in seen)
            found: Iterator[int] = (s for s in allowed if index._name_starts_with(s, phrase))
            for progress in filters[1:]:
                found = filter(progress.test, found)
            return sorted(found, key=index._keys.__getitem__)[:need]
        found = index._name_starts(phrase)
        for progress in filters:
            found = filter(progress.test, found)
        return list(islice((s for s in found if s not in seen), need))

    def _single(self, kind: MatchKind, seen: set[int], need: int) -> list[int]:
        """One term: merge what it matches with this kind (better kinds are all in seen)."""
        found = self.matches(0, kind)
        if found.lists:
            fresh = (s for s in self.index._merge(found.lists) if s not in seen)
            return list(islice(fresh, need))
        if found.lazy is not None:
            test = found.lazy.test
            fresh = (s for s in self.index._in_order() if s not in seen and test(s))
            return list(islice(fresh, need))
        return []

    def _several(
        self,
        terms: list[_Progress],
        filters: list[_Progress],
        whole_label: _Progress,
        seen: set[int],
        need: int,
    ) -> list[int]:
        """Several terms (or a term and label filters): contacts every one of them matches."""
        extras: set[int] = set()
        if whole_label.size:
            extras = set(whole_label.materialise())
            for progress in filters:
                extras = {slot for slot in extras if progress.test(slot)}
        if not all(terms):
            if not extras:
                return []
            return self._intersect([], [], extras, seen, need)
        return self._intersect(terms, filters, extras, seen, need)

    def _intersect(
        self,
        terms: list[_Progress],
        filters: list[_Progress],
        extras: set[int],
        seen: set[int],
        need: int,
    ) -> list[int]:
        """The first `need` unseen slots, in result order, that every term and filter has
        (or that are in extras).

        Small slot lists become sets and intersect at C speed; a huge one (a common email
        domain, a label everyone has) is cheaper as a test of the few slots that get that
        far, unless the tests keep failing, in which case it becomes a set after all.
        """
        index = self.index
        everyone = [*terms, *filters]
        if not everyone:
            return index._first(extras - seen, [], None, need)
        listed = sorted((p for p in everyone if p.lists), key=lambda p: p.size)
        if not listed:  # only dense numbers: walk every contact in order
            test = _all_tests(everyone)
            found = (s for s in index._in_order() if s not in seen and (s in extras or test(s)))
            return list(islice(found, need))
        driver = listed[0]
        sets: list[_Progress] = []
        tested: list[_Progress] = []
        for progress in sorted(everyone, key=lambda p: p.size):
            if progress is driver:
                continue
            # A set costs ~30x less per slot than a test, but tests only run on the
            # driver's slots that get that far: about need / density when streaming.
            if driver.size <= SORT_AT_MOST:
                tests = driver.size
            else:
                tests = min(driver.size, need * len(index) // max(progress.size, 1))
            if progress.lazy or progress.size > 30 * tests:
                tested.append(progress)
            else:
                sets.append(progress)
        lists = [*driver.lists, index._in_result_order(extras)] if extras else driver.lists
        if sets or extras or driver.size <= SORT_AT_MOST:
            candidates = driver.materialise().intersection(*(p.materialise() for p in sets))
            candidates |= extras
            candidates -= seen
            if not tested:
                return index._first(candidates, lists, None, need)
            if len(candidates) <= SORT_AT_MOST:
                ordered: Iterator[int] = iter(index._in_result_order(candidates))
            else:
                ordered = filter(candidates.__contains__, index._merge(lists))
        else:  # the driver's lists are the candidates: no set needed
            ordered = (slot for slot in index._merge(lists) if slot not in seen)
        test = _all_tests(tested)
        budget = max(4 * SORT_AT_MOST, 20 * need)
        picked: list[int] = []
        for tries, slot in enumerate(ordered):
            sets = [p for p in everyone if not p.lazy]
            if tries == budget and sets:  # the tests keep failing: intersect sets instead
                candidates = sets[0].materialise().intersection(*(p.materialise() for p in sets))
                candidates |= extras
                candidates -= seen
                candidates.difference_update(picked)
                lazy = [p for p in everyone if p.lazy]
                rest = _all_tests(lazy) if lazy else None
                return picked + index._first(candidates, lists, rest, need - len(picked))
            if slot in extras or test(slot):
                picked.append(slot)
                if len(picked) == need:
                    break
        return picked


class _Progress:
    """What one query term (or label filter) matches so far, over the kinds seen."""

    __slots__ = ("index", "lists", "size", "matched", "lazy", "_set", "_merged")

    def __init__(self, index: ContactIndex) -> None:
        self.index = index
        self.lists: list[list[int]] = []  # slot lists, each in result order
        self.size = 0  # their total length: an upper bound on how many slots match
        self.matched: tuple[frozenset[str], ...] = (frozenset(),) * 3  # words, per field
        self.lazy: list[_Lazy] = []  # dense numbers
        self._set: set[int] | None = None
        self._merged = 0  # how many of lists are in _set

    def __bool__(self) -> bool:
        return bool(self.lists) or bool(self.lazy)

    def grow(self, found: _Found) -> None:
        """Add what the term matches with one more kind."""
        self.lists.extend(found.lists)
        self.size += sum(map(len, found.lists))
        if found.field >= 0:
            matched = list(self.matched)
            matched[found.field] = matched[found.field] | found.words
            self.matched = tuple(matched)
        elif found.lists:
            self.materialise()  # numbers are few: test them as a set
        if found.lazy is not None:
            self.lazy.append(found.lazy)

    def materialise(self) -> set[int]:
        """Every listed slot, as a set (built once, then grown)."""
        if self._set is None:
            self._set = set()
        for slots in self.lists[self._merged :]:
            self._set.update(slots)
        self._merged = len(self.lists)
        return self._set

    def test(self, slot: int) -> bool:
        """True when the term matches slot (without building the set when there is none)."""
        if self._set is not None and slot in self._set:
            return True
        if any(slot in lazy for lazy in self.lazy):
            return True
        if any(self.matched) and (self._set is None or self._merged < len(self.lists)):
            return self.index._has_word(slot, self.matched)
        return False


def _all_tests(progress: list[_Progress]) -> Callable[[int], bool]:
    tests = [p.test for p in progress]
    return lambda slot: all(test(slot) for test in tests)


def _index_terms(
    contact: Contact,
) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(display key, name words, email parts, labels, other names) of a contact, folded.

    Name words include compounds (abd allah -> abdallah) and Arabic words without their
    article; other names are every name but the first (the first makes the display key).
    """
    given = (contact.names or ())[:MAX_ITEMS]
    names = [ws for ws in (words(str(name)[:MAX_CHARS]) for name in given) if ws]
    found: dict[str, None] = {}
    for ws in names:
        found.update(dict.fromkeys(ws))
        if not PARTICLES.isdisjoint(ws):
            found.update(dict.fromkeys(_join_particles(ws)))
    for word in [w for w in found if w.startswith(ARABIC_ARTICLE)]:
        if len(word) > len(ARABIC_ARTICLE) + 1:
            found[word[len(ARABIC_ARTICLE) :]] = None
    aliases: tuple[str, ...] = ()
    if names:
        display = " ".join(names[0])
        if len(names) > 1:
            aliases = tuple(dict.fromkeys(" ".join(ws) for ws in names[1:]).keys() - {display})
    else:
        phones = contact.phones or ()
        display = NAMELESS + (digits(str(phones[0])[:MAX_CHARS]) if phones else "")
    emails = contact.emails or ()
    if len(emails) == 1:
        parts: Iterable[str] = dict.fromkeys(words(str(emails[0])[:MAX_CHARS]))
    else:
        parts = dict.fromkeys(p for e in emails[:MAX_ITEMS] for p in words(str(e)[:MAX_CHARS]))
    labels = (_label_key(str(label)[:MAX_CHARS]) for label in (contact.labels or ())[:MAX_ITEMS])
    intern = sys.intern
    return (
        display,
        tuple(map(intern, found)),
        tuple(map(intern, parts)),
        tuple(dict.fromkeys(label for label in labels if label)),
        aliases,
    )


@functools.lru_cache(maxsize=1024)
def _label_key(label: str) -> str:
    """A label as search compares it (few distinct labels exist: each is folded once)."""
    return sys.intern(" ".join(words(label)))


def _join_particles(ws: list[str]) -> list[str]:
    """ws with each particle joined to the word after it: de la cruz -> delacruz."""
    joined: list[str] = []
    carry = ""
    for position, word in enumerate(ws):
        if word in PARTICLES and position + 1 < len(ws):
            carry += word
            continue
        joined.append(carry + word)
        carry = ""
    return joined


def _without_typed_extension(query: str) -> str:
    """A number typed with its extension ("050 123 0136 ext 5", "+971501230136;ext=2")
    without it, as numbers in the address book are stored: a number with letters in it
    ("Room 12 x5"), or too short to be a whole number, is left as typed."""
    stripped = without_extension(query)
    if stripped == query or any(char.isalpha() for char in stripped):
        return query
    return stripped if sum(char.isdigit() for char in stripped) >= 6 else query
