"""Text squeezed for one line of a log, a status line or an error message."""

from __future__ import annotations


def one_line(text: object, limit: int | None = None) -> str:
    """``str(text)`` on one line (runs of whitespace, newlines included, become one
    space), cut to ``limit`` characters with an ellipsis when given."""
    flat = " ".join(str(text).split())
    if limit is not None and len(flat) > limit:
        return flat[: max(0, limit - 1)] + "…"
    return flat


def count_of(number: int, noun: str, plural: str | None = None) -> str:
    """``1 recipient``, ``2,500 recipients``: a count with its noun in the right number
    (``plural`` when adding an s is not the word)."""
    word = noun if number == 1 else (plural or noun + "s")
    return f"{number:,} {word}"
