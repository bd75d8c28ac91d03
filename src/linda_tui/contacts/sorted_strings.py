"""A sorted set of strings that stays cheap to change: the order behind search results.

A plain sorted list costs a shift of every later element per insert, which at 100,000
contacts is noticeable when a sync page lands while an operator types. Here the strings
live in blocks of at most 2 x LOAD: an insert or removal shifts one block only, finding
the block is a bisect over the blocks' last elements, and iterating in order is a chain
of the blocks (C speed).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import chain

LOAD = 1000


class SortedStrings:
    """Unique strings kept in sorted order, with prefix ranges."""

    def __init__(self, items: Iterable[str] = ()) -> None:
        self._blocks: list[list[str]] = []
        self._maxes: list[str] = []  # the last (largest) string of each block
        self._size = 0
        self._rebuild(set(items))

    def _rebuild(self, items: set[str]) -> None:
        ordered = sorted(items)
        self._blocks = [ordered[i : i + LOAD] for i in range(0, len(ordered), LOAD)]
        self._maxes = [block[-1] for block in self._blocks]
        self._size = len(ordered)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[str]:
        return chain.from_iterable(self._blocks)

    def __contains__(self, item: str) -> bool:
        i = bisect_left(self._maxes, item)
        if i == len(self._maxes):
            return False
        block = self._blocks[i]
        j = bisect_left(block, item)
        return block[j] == item

    def add(self, item: str) -> None:
        """Insert item (nothing happens when it is already there)."""
        if not self._blocks:
            self._blocks.append([item])
            self._maxes.append(item)
            self._size = 1
            return
        i = bisect_left(self._maxes, item)
        if i == len(self._maxes):  # beyond every block: the end of the last one
            i -= 1
            self._blocks[i].append(item)
            self._maxes[i] = item
        else:
            block = self._blocks[i]
            j = bisect_left(block, item)
            if block[j] == item:
                return
            block.insert(j, item)
        self._size += 1
        block = self._blocks[i]
        if len(block) > 2 * LOAD:
            self._blocks[i : i + 1] = [block[:LOAD], block[LOAD:]]
            self._maxes[i : i + 1] = [block[LOAD - 1], block[-1]]

    def update(self, items: Iterable[str]) -> None:
        """Insert many strings: one sort when they are many, one insert each when few."""
        items = list(items)
        if len(items) > 64 and len(items) > self._size // 8:
            self._rebuild(set(chain.from_iterable(self._blocks)).union(items))
        else:
            for item in items:
                self.add(item)

    def discard(self, item: str) -> None:
        """Remove item if it is there."""
        i = bisect_left(self._maxes, item)
        if i == len(self._maxes):
            return
        block = self._blocks[i]
        j = bisect_left(block, item)
        if block[j] != item:
            return
        del block[j]
        self._size -= 1
        if block:
            self._maxes[i] = block[-1]
        else:
            del self._blocks[i]
            del self._maxes[i]

    def starting_with(self, prefix: str) -> Iterator[str]:
        """The strings that start with prefix, in order."""
        i = bisect_left(self._maxes, prefix)
        if i == len(self._maxes):
            return
        j = bisect_left(self._blocks[i], prefix)
        for block in self._blocks[i:]:
            for item in block[j:] if j else block:
                if not item.startswith(prefix):
                    return
                yield item
            j = 0
