"""The distinct words of one field (names, email parts, labels) and who has each.

Search works on words rather than on every contact: 100,000 contacts share far fewer
distinct name words, so a prefix is a range of a sorted list, a substring is a scan of
one string per block of words, and a typo is a few dictionary probes (typos.py).

Contacts are referred to by slot (a small integer the index gives each contact). Each
word's slots are kept in result order (the index's sort key), so the first results of
a search are the first few slots of a merge, however many contacts match. A word no
contact has any more keeps an empty slot list until the vocabulary is compacted; every
lookup skips such words, so removal stays cheap while syncs land.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from linda_tui.contacts.sorted_strings import SortedStrings
from linda_tui.contacts.typos import deletion_variants, one_deletion_variants, within

# Words per block of the substring text: small enough that a new word rebuilds little.
CHUNK_WORDS = 1024
# Shortest word that stores deletion variants: a typo-tolerant query word has 4+ letters,
# so a word within one typo of it has at least 3.
MIN_TYPO_WORD = 3
# Up to this many slots added to a long list are inserted one by one; more are merged in.
FEW_ADDED = 32
# Two-typo candidates found by pieces of the word: pieces shorter than this are in too
# many words to be worth it; and at most this many such candidates are compared.
MIN_TYPO_PIECE = 3
MAX_TYPO_CANDIDATES = 2000


class Vocabulary:
    """Words -> slots in result order, found by exact word, prefix, substring or typo."""

    def __init__(self, key: Callable[[int], str], typos: bool = False) -> None:
        self.slots: dict[str, list[int]] = {}
        self._key = key  # a slot's sort key: each word's slots are kept sorted by it
        self._unsorted: dict[str, int] = {}  # word -> slots appended to its list since flush()
        self._sorted = SortedStrings()
        self._pending: list[str] = []  # new words not yet in _sorted (flushed before lookups)
        self._chunks: list[list[str]] = []  # words in arrival order, for substring search
        self._texts: list[str | None] = []  # each chunk joined by newlines, built on demand
        self._deletes: dict[str, str | list[str]] | None = {} if typos else None
        self._unused = 0  # words whose slot list is empty

    def __len__(self) -> int:
        return len(self.slots) - self._unused

    # --- changes (call flush() once a batch of them is done) -------------------------------
    def add(self, words: Iterable[str], slot: int) -> None:
        """Record that slot has these words (each word once per slot)."""
        known, unsorted = self.slots, self._unsorted
        for word in words:
            slots = known.get(word)
            if slots is None:
                known[word] = [slot]
                self._new_word(word)
                continue
            if not slots:
                self._unused -= 1
            slots.append(slot)
            unsorted[word] = unsorted.get(word, 0) + 1

    def discard(self, word: str, slot: int) -> None:
        """Record that slot no longer has word (its sort key must not have changed)."""
        slots = self.slots.get(word)
        if not slots:
            return
        # The list is sorted but for the slots appended since flush(), at its end.
        added = self._unsorted.get(word, 0)
        end = len(slots) - added
        at = bisect_left(slots, self._key(slot), 0, end, key=self._key)
        if at < end and slots[at] == slot:
            del slots[at]
        else:
            try:
                at = slots.index(slot, end)
            except ValueError:
                return
            del slots[at]
            self._unsorted[word] = added - 1
        if not slots:
            self._unused += 1

    def _new_word(self, word: str) -> None:
        self._pending.append(word)
        if not self._chunks or len(self._chunks[-1]) >= CHUNK_WORDS:
            self._chunks.append([])
            self._texts.append(None)
        self._chunks[-1].append(word)
        self._texts[-1] = None
        if self._deletes is not None and len(word) >= MIN_TYPO_WORD:
            deletes = self._deletes
            for variant in set(one_deletion_variants(word)):
                known = deletes.get(variant)
                if known is None:
                    deletes[variant] = word
                elif isinstance(known, str):
                    deletes[variant] = [known, word]
                else:
                    known.append(word)

    def flush(self) -> None:
        """Make lookups see the changes: slot lists in order, new words findable."""
        if self._unused > 1000 and self._unused > len(self.slots) // 2:
            self._compact()
        key = self._key
        for word, added in self._unsorted.items():
            slots = self.slots.get(word)
            if not slots or not added:
                continue
            if added * 2 > len(slots):
                slots.sort(key=key)
            elif added <= FEW_ADDED:
                # A few slots appended to a long sorted list: insert each where it belongs.
                tail = slots[-added:]
                del slots[-added:]
                for slot in tail:
                    insort(slots, slot, key=key)
            else:
                slots[:] = _merged(slots, added, key)
        self._unsorted.clear()
        if self._pending:
            self._sorted.update(self._pending)
            self._pending = []

    def _compact(self) -> None:
        """Forget words nobody has any more (rebuilds every lookup structure)."""
        kept = {word: slots for word, slots in self.slots.items() if slots}
        self.slots = {}
        self._sorted = SortedStrings()
        self._pending = []
        self._chunks, self._texts = [], []
        if self._deletes is not None:
            self._deletes = {}
        for word, slots in kept.items():
            self.slots[word] = slots
            self._new_word(word)
        self._unused = 0

    # --- lookups -----------------------------------------------------------------------------
    def starting_with(self, prefix: str) -> Iterator[str]:
        """Words (that some slot has) beginning with prefix, in sorted order."""
        slots = self.slots
        return (word for word in self._sorted.starting_with(prefix) if slots[word])

    def containing(self, part: str) -> Iterator[str]:
        """Words (that some slot has) containing part anywhere, in arrival order."""
        if not part or "\n" in part:
            return
        slots = self.slots
        for index, chunk in enumerate(self._chunks):
            text = self._texts[index]
            if text is None:
                text = self._texts[index] = "\n" + "\n".join(chunk) + "\n"
            pos = text.find(part)
            while pos != -1:
                start = text.rfind("\n", 0, pos) + 1
                end = text.find("\n", pos)
                word = text[start:end]
                if slots[word]:
                    yield word
                pos = text.find(part, end)

    def near(self, word: str, typos: int) -> set[str]:
        """Words (that some slot has) within `typos` typos of word, word itself excluded.

        Complete for one typo. For two, candidates are the words that share a one-letter
        deletion with one of word's deletions, plus (pigeonhole: two typos leave one of
        three pieces of a word intact) the words of about the right length containing a
        third of it (of 3+ letters); at most MAX_TYPO_CANDIDATES of those are compared.
        """
        if self._deletes is None:
            return set()
        deletes, slots = self._deletes, self.slots
        candidates: set[str] = set()
        for variant in (word, *deletion_variants(word, typos)):
            if variant in slots:
                candidates.add(variant)
            known = deletes.get(variant)
            if known is None:
                continue
            if isinstance(known, str):
                candidates.add(known)
            else:
                candidates.update(known)
        if typos >= 2:
            size = len(word)
            third = size // 3
            pieces = {word[:third], word[third : size - third], word[size - third :]}
            extra: set[str] = set()
            for piece in (p for p in pieces if len(p) >= MIN_TYPO_PIECE):
                for found in islice(self.containing(piece), MAX_TYPO_CANDIDATES):
                    if abs(len(found) - size) <= typos:
                        extra.add(found)
            candidates |= set(islice(extra, MAX_TYPO_CANDIDATES))
        candidates.discard(word)
        return {c for c in candidates if slots[c] and within(word, c, typos)}

    def lists(self, words: Iterable[str]) -> list[list[int]]:
        """The slot lists (in result order) of words."""
        slots = self.slots
        return [slots[word] for word in words if slots.get(word)]


def _merged(slots: list[int], added: int, key: Callable[[int], str]) -> list[int]:
    """slots, sorted but for its last `added` items, in order: those few are sorted and
    placed by bisection, and the long sorted part is copied in slices (no key computed
    for it, unlike a full sort)."""
    tail = sorted(slots[-added:], key=key)
    head = slots[:-added]
    merged: list[int] = []
    start = 0
    for slot in tail:
        at = bisect_right(head, key(slot), start, key=key)
        merged += head[start:at]
        merged.append(slot)
        start = at
    merged += head[start:]
    return merged
