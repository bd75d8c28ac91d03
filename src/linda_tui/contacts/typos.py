"""Typo tolerance: a bounded edit distance, and the deletion variants that find candidates.

Two words are "within k typos" when the optimal-string-alignment distance between them
(the Damerau-Levenshtein distance where each letter is edited at most once: a letter
missing, extra, wrong, or two neighbours swapped) is at most k.

Comparing a query word with every word of a large vocabulary would be slow, so
candidates come from deletion variants (the "symmetric delete" idea): two words within
one typo always share a variant made by deleting at most one letter from each. The
index stores every word's one-deletion variants; a query looks up its own variants.
"""

from __future__ import annotations

from collections.abc import Iterator


def deletion_variants(word: str, depth: int = 1) -> set[str]:
    """Every string made by deleting 1..depth letters from word (word itself excluded)."""
    found: set[str] = set()
    level = {word}
    for _ in range(depth):
        level = {w[:i] + w[i + 1 :] for w in level for i in range(len(w))} - found
        found |= level
    found.discard(word)
    return found


def one_deletion_variants(word: str) -> Iterator[str]:
    """The strings made by deleting exactly one letter of word (repeats possible)."""
    return (word[:i] + word[i + 1 :] for i in range(len(word)))


def within(a: str, b: str, k: int) -> bool:
    """True when a and b are at most k typos apart (optimal string alignment distance).

    The common beginning and end are skipped first (they cost nothing), and the table is
    abandoned as soon as every alignment already costs more than k: a clear mismatch
    costs a row or two, not the whole table.
    """
    if abs(len(a) - len(b)) > k:
        return False
    start = 0
    shortest = min(len(a), len(b))
    while start < shortest and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    a, b = a[start:end_a], b[start:end_b]
    la, lb = len(a), len(b)
    if la == 0 or lb == 0:
        return max(la, lb) <= k
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        ca = a[i - 1]
        row = [i] + [0] * lb
        best = i
        for j in range(1, lb + 1):
            cb = b[j - 1]
            value = prev[j - 1] if ca == cb else prev[j - 1] + 1
            if prev[j] + 1 < value:
                value = prev[j] + 1
            if row[j - 1] + 1 < value:
                value = row[j - 1] + 1
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb and prev2[j - 2] + 1 < value:
                value = prev2[j - 2] + 1
            row[j] = value
            if value < best:
                best = value
        if best > k:
            return False
        prev2, prev = prev, row
    return prev[lb] <= k
