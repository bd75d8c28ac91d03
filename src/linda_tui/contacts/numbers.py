"""Phone numbers: exact lookup, and "ends with / contains these digits".

A number is kept as the contact has it when it is E.164 (+971501234567: the string is
shared with the Contact, not copied), or as its bare digits when the sync could not
parse it. "Ends with" is a prefix range of the numbers' reversed digits, kept sorted.
"Contains" has no such shortcut: the digits of each block of slots are joined into one
text and searched with str.find (C speed); a change rebuilds only its block's text, on
demand.
"""

from __future__ import annotations

import builtins
import re
from bisect import bisect_right
from collections.abc import Iterable

from linda_tui.contacts.sorted_strings import SortedStrings

# Slots per block of text.
CHUNK_SLOTS = 2048

E164 = re.compile(r"\+[0-9]{1,20}")


class NumberIndex:
    """The numbers of every slot, searchable by their digits."""

    def __init__(self) -> None:
        # number -> slot, or the slots (a list) when several contacts share it
        self.exact: dict[str, int | list[int]] = {}
        self.numbers: list[tuple[str, ...]] = []  # by slot (empty for a free slot)
        self._texts: list[str | None] = []
        self._starts: list[list[int]] = []  # per block: where each number begins in the text
        self._owners: list[list[int]] = []  # per block: the slot of each number
        self._reversed = SortedStrings()  # reversed digits, NUL, slot: for "ends with"
        self._pending: set[str] = set()  # entries not yet in _reversed (see flush)

    @staticmethod
    def normal(numbers: Iterable[str]) -> tuple[str, ...]:
        """numbers as a slot keeps them: each once, empty ones left out."""
        return tuple(dict.fromkeys(n for n in numbers if n and n != "+"))

    def set(self, slot: int, numbers: Iterable[str]) -> None:
        """Give slot these numbers (E.164 strings, or bare digits), replacing what it had."""
        self.clear(slot)
        numbers = self.normal(numbers)
        while len(self.numbers) <= slot:
            self.numbers.append(())
        self.numbers[slot] = numbers
        exact = self.exact
        for number in numbers:
            owners = exact.get(number)
            if owners is None:
                exact[number] = slot
            elif isinstance(owners, int):
                exact[number] = [owners, slot]
            else:
                owners.append(slot)
            self._pending.add(f"{_digits_of(number)[::-1]}\x00{slot}")
        self._touch(slot)

    def clear(self, slot: int) -> None:
        """Forget slot's numbers."""
        if slot >= len(self.numbers) or not self.numbers[slot]:
            return
        exact = self.exact
        for number in self.numbers[slot]:
            owners = exact.get(number)
            if owners == slot:
                del exact[number]
            elif isinstance(owners, list) and slot in owners:
                owners.remove(slot)
                if len(owners) == 1:
                    exact[number] = owners[0]
            entry = f"{_digits_of(number)[::-1]}\x00{slot}"
            if entry in self._pending:
                self._pending.discard(entry)
            else:
                self._reversed.discard(entry)
        self.numbers[slot] = ()
        self._touch(slot)

    def flush(self) -> None:
        """Make lookups see the changes (one sort for a big batch)."""
        if self._pending:
            self._reversed.update(self._pending)
            self._pending = set()

    def owners(self, number: str) -> list[int]:
        """The slots that have exactly this number (E.164 string or bare digits)."""
        owners = self.exact.get(number)
        if owners is None:
            return []
        return [owners] if isinstance(owners, int) else list(owners)

    def _touch(self, slot: int) -> None:
        block = slot // CHUNK_SLOTS
        while len(self._texts) <= block:
            self._texts.append(None)
            self._starts.append([])
            self._owners.append([])
        self._texts[block] = None

    def _text(self, block: int) -> str:
        text = self._texts[block]
        if text is None:
            parts: list[str] = []
            starts: list[int] = []
            owners: list[int] = []
            pos = 1  # the text starts with a newline
            first = block * CHUNK_SLOTS
            for slot in range(first, min(first + CHUNK_SLOTS, len(self.numbers))):
                for number in self.numbers[slot]:
                    digits = _digits_of(number)
                    parts.append(digits)
                    starts.append(pos)
                    owners.append(slot)
                    pos += len(digits) + 1
            text = "\n" + "\n".join(parts) + "\n"
            self._texts[block], self._starts[block], self._owners[block] = text, starts, owners
        return text

    def ending_with(self, digits: str, cap: int) -> builtins.set[int] | None:
        """Slots with a number ending with digits, or None when there are more than cap."""
        found: builtins.set[int] = builtins.set()
        for count, key in enumerate(self._reversed.starting_with(digits[::-1])):
            if count == cap:
                return None
            found.add(int(key[key.index("\x00") + 1 :]))
        return found

    def containing(self, digits: str, cap: int) -> builtins.set[int] | None:
        """Slots with a number containing digits, or None when more than cap numbers do
        (found early when they are that common: the search stops there)."""
        hits: list[tuple[int, int]] = []  # (block, position): owners looked up at the end
        for block in range(len(self._texts)):
            text = self._text(block)
            pos = text.find(digits)
            while pos != -1:
                if len(hits) == cap:
                    return None
                hits.append((block, pos))
                pos = text.find(digits, text.find("\n", pos))  # on to the next number
        return {self._owners[b][bisect_right(self._starts[b], pos) - 1] for b, pos in hits}

    def ends_with(self, slot: int, digits: str) -> bool:
        """True when one of slot's numbers ends with digits."""
        return any(number.endswith(digits) for number in self.numbers[slot])

    def contains(self, slot: int, digits: str) -> bool:
        """True when one of slot's numbers contains digits."""
        return any(digits in number for number in self.numbers[slot])


def _digits_of(number: str) -> str:
    return number[1:] if number.startswith("+") else number
