"""The parts search is built from, checked against slow obvious implementations."""

from __future__ import annotations

import random

import pytest

from linda_tui.contacts import sorted_strings, vocabulary
from linda_tui.contacts.numbers import NumberIndex
from linda_tui.contacts.sorted_strings import SortedStrings
from linda_tui.contacts.typos import deletion_variants, within
from linda_tui.contacts.vocabulary import Vocabulary


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance, the textbook full table."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def test_within_agrees_with_the_full_table() -> None:
    rng = random.Random(3)
    for _ in range(20_000):
        a = "".join(rng.choice("abc") for _ in range(rng.randint(0, 7)))
        b = "".join(rng.choice("abc") for _ in range(rng.randint(0, 7)))
        distance = osa_distance(a, b)
        for k in (0, 1, 2):
            assert within(a, b, k) == (distance <= k), (a, b, k)


def test_deletion_variants() -> None:
    assert deletion_variants("john") == {"ohn", "jhn", "jon", "joh"}
    assert deletion_variants("aa") == {"a"}
    assert "" in deletion_variants("ab", 2) and "ab" not in deletion_variants("ab", 2)


def test_vocabulary_finds_every_word_within_one_typo() -> None:
    rng = random.Random(5)
    words = {"".join(rng.choice("abcd") for _ in range(rng.randint(3, 7))) for _ in range(400)}
    keys = [str(n) for n in range(len(words))]
    vocabulary = Vocabulary(keys.__getitem__, typos=True)
    for slot, word in enumerate(sorted(words)):
        vocabulary.add([word], slot)
    vocabulary.flush()
    for _ in range(60):
        query = "".join(rng.choice("abcd") for _ in range(rng.randint(4, 7)))
        expected = {w for w in words if w != query and osa_distance(query, w) <= 1}
        assert vocabulary.near(query, 1) == expected, query


def test_a_sorted_list_with_slots_appended_is_merged_in_order() -> None:
    rng = random.Random(2)
    keys = [f"{rng.randrange(1000):04d}" for _ in range(3000)]
    for added in (1, 5, 50, 400):
        head = sorted(rng.sample(range(3000), 1000), key=keys.__getitem__)
        tail = rng.sample([s for s in range(3000) if s not in head], added)
        merged = vocabulary._merged(head + tail, added, keys.__getitem__)
        assert [keys[s] for s in merged] == sorted(keys[s] for s in head + tail)
        assert sorted(merged) == sorted(head + tail)


def test_vocabulary_lookups_skip_words_nobody_has_any_more() -> None:
    keys = ["b", "a", "c"]
    vocabulary = Vocabulary(keys.__getitem__, typos=True)
    vocabulary.add(["maria", "mark"], 0)
    vocabulary.add(["maria"], 1)
    vocabulary.add(["marta"], 2)
    vocabulary.flush()
    assert vocabulary.slots["maria"] == [1, 0]  # in key order: "a" < "b"
    vocabulary.discard("mark", 0)
    vocabulary.discard("marta", 2)
    vocabulary.flush()
    assert list(vocabulary.starting_with("mar")) == ["maria"]
    assert list(vocabulary.containing("ar")) == ["maria"]
    assert vocabulary.near("marka", 1) == {"maria"}
    assert len(vocabulary) == 1


def test_sorted_strings_behave_like_a_sorted_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sorted_strings, "LOAD", 8)  # small blocks: many splits and merges
    rng = random.Random(11)
    items = SortedStrings()
    model: set[str] = set()
    for _ in range(6_000):
        word = "".join(rng.choice("abcde") for _ in range(rng.randint(1, 6)))
        roll = rng.random()
        if roll < 0.55:
            items.add(word)
            model.add(word)
        elif roll < 0.9:
            items.discard(word)
            model.discard(word)
        else:
            batch = [
                "".join(rng.choice("abcde") for _ in range(4)) for _ in range(rng.randint(0, 300))
            ]
            items.update(batch)
            model.update(batch)
        if rng.random() < 0.02:
            assert list(items) == sorted(model)
            prefix = word[:2]
            assert list(items.starting_with(prefix)) == sorted(
                w for w in model if w.startswith(prefix)
            )
            assert (word in items) == (word in model)
    assert len(items) == len(model)
    assert list(items) == sorted(model)


def test_number_index_finds_ends_and_parts_and_forgets() -> None:
    numbers = NumberIndex()
    numbers.set(0, ["+971501234567", "12345"])
    numbers.set(1, ["+971501234567"])  # shared
    numbers.set(5000, ["+12025554567"])  # another block of slots
    numbers.flush()
    assert sorted(numbers.owners("+971501234567")) == [0, 1]
    assert numbers.ending_with("4567", 10) == {0, 1, 5000}
    assert numbers.containing("2345", 10) == {0, 1}
    assert numbers.containing("4567", 2) is None  # more than the cap: too many to collect
    assert numbers.ending_with("4567", 2) is None
    numbers.clear(0)
    numbers.flush()
    assert numbers.owners("+971501234567") == [1]
    assert numbers.owners("12345") == []
    assert numbers.containing("2345", 10) == {1}
    assert numbers.ending_with("4567", 10) == {1, 5000}
