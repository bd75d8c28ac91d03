"""Text from outside Linda, made safe to write to a terminal.

A bot name, a path, a phone number as typed or an error quoting any of them is data. Written
raw, a control character in it is an instruction to the terminal: ``ESC ] 52`` writes the
operator's clipboard, ``ESC [ 2 J`` clears the screen, a carriage return overwrites the
line, and the bidi overrides (U+202E ...) show a text in another order than it is.
Invisible characters (U+200B ..., see INVISIBLE_CHARACTERS) are treated the same way:
a name made of them would look blank, or like another name.

``visible`` replaces each such character with its Python escape (``\\x1b``, ``\\u202e``),
so the operator sees that it is there and what it is. ``control_character`` finds the
first one, for refusing it where it has no business (bots.yaml). ``without_controls``
drops them, line breaks and tabs aside, from values that go on to someone else (a
CSV cell or a contact's name in a broadcast message).
"""

from __future__ import annotations

import re
from collections.abc import Callable

# C0 controls, DEL and C1 controls; the bidi embeddings, overrides and isolates; lone
# surrogates (json.loads makes one of "\\ud800"; no terminal encoding can write it).
# The left-to-right and right-to-left marks (U+200E, U+200F, U+061C) are not here: they
# reorder nothing on their own, and Arabic text copied from phones carries them.
# Characters that show nothing, or break a line where no line may break: a name made of
# them looks blank, and two names that differ only by them look the same. U+2028/U+2029
# are the line and paragraph separators; U+200B zero width space, U+2060 word joiner and
# U+2061-U+2064 invisible operators, U+180E Mongolian vowel separator, U+FEFF byte order
# mark; the other format characters that draw nothing: U+00AD soft hyphen, U+034F
# combining grapheme joiner, U+206A-U+206F (deprecated), U+FFF9-U+FFFB (annotations),
# U+1D173-U+1D17A (musical), U+E0001 and the tags U+E0020-U+E007F (kept only where they
# make a flag: see _FLAG); and the fillers that draw a blank, U+115F, U+1160, U+3164 and
# U+FFA0 (Hangul), U+17B4/U+17B5 (Khmer). Not here: U+200C/U+200D (zero width non-joiner,
# joiner), which shape Persian words and join emoji sequences (👨‍👩‍👧), nor the
# variation selectors (U+FE0F makes ❤ an emoji).
INVISIBLE_CHARACTERS: frozenset[str] = frozenset(
    ["\u200b", "\u180e", "\ufeff", "\u2028", "\u2029", "\u00ad", "\u034f"]
    + ["\u115f", "\u1160", "\u3164", "\uffa0", "\u17b4", "\u17b5", "\U000e0001"]
    + [chr(c) for c in range(0x2060, 0x2065)]
    + [chr(c) for c in range(0x206A, 0x2070)]
    + [chr(c) for c in range(0xFFF9, 0xFFFC)]
    + [chr(c) for c in range(0x1D173, 0x1D17B)]
    + [chr(c) for c in range(0xE0020, 0xE0080)]
)
# A subdivision flag (England: 🏴 then the tags "gbeng", then CANCEL TAG): the one place
# tags draw something, so visible() and without_controls() keep it whole.
_FLAG = re.compile("(\U0001f3f4[\U000e0020-\U000e007e]{1,12}\U000e007f)")
CONTROL_CHARACTERS: frozenset[str] = (
    frozenset(
        [chr(c) for c in range(0x00, 0x20)]
        + ["\x7f"]
        + [chr(c) for c in range(0x80, 0xA0)]
        + [chr(c) for c in range(0x202A, 0x202F)]
        + [chr(c) for c in range(0x2066, 0x206A)]
        + [chr(c) for c in range(0xD800, 0xE000)]
    )
    | INVISIBLE_CHARACTERS
)


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# The translation tables (over two thousand escapes each) are made on first use, not
# when the module is imported: the console starts without needing them.
_tables: dict[bool, dict[int, str]] = {}


def _table(keep_lines: bool) -> dict[int, str]:
    table = _tables.get(keep_lines)
    if table is None:
        # Multi-line output (a table, a QR code's caption) keeps its own line breaks and tabs.
        kept = {"\n", "\t"} if keep_lines else set()
        table = str.maketrans({char: _escape(char) for char in CONTROL_CHARACTERS - kept})
        _tables[keep_lines] = table
    return table


def visible(text: str, *, keep_lines: bool = False) -> str:
    """text with every control character (see CONTROL_CHARACTERS) written as its escape.

    ``"Evil\\x1b]52;c;aGk=\\x07"`` becomes ``"Evil\\\\x1b]52;c;aGk=\\\\x07"``: printable,
    and the operator can see what was there. With ``keep_lines``, newlines and tabs stay
    (for output Linda lays out in lines itself).
    """
    table = _table(keep_lines)
    return _outside_flags(str(text), lambda part: part.translate(table))


def _outside_flags(text: str, clean: Callable[[str], str]) -> str:
    """clean(text), a flag's tags kept (see _FLAG): clean applies between the flags."""
    if "\U0001f3f4" not in text:
        return clean(text)
    parts = _FLAG.split(text)  # the flags at the odd places
    return "".join(part if index % 2 else clean(part) for index, part in enumerate(parts))


def control_character(text: str) -> str | None:
    """The first control character in text, or None when there is none."""
    for char in text:
        if char in CONTROL_CHARACTERS:
            return char
    return None


def describe_character(char: str) -> str:
    """A character as an operator can look it up: ``U+001B``."""
    return f"U+{ord(char):04X}"


# The pattern of without_controls, made on first use like the tables above.
_droppable: list[re.Pattern[str]] = []


def _droppable_pattern() -> re.Pattern[str]:
    if not _droppable:
        # One character class of every control but the line feed and the tab, as ranges:
        # a regular expression finds the rare value holding one far faster than
        # str.translate walks every value with a table.
        codes = sorted(ord(c) for c in CONTROL_CHARACTERS - {"\n", "\t"})
        ranges: list[tuple[int, int]] = []
        for code in codes:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
        parts = "".join(
            f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}"
            for low, high in ranges
        )
        _droppable.append(re.compile(f"[{parts}]"))
    return _droppable[0]


def without_controls(text: str) -> str:
    """text with every control character (see CONTROL_CHARACTERS) left out, except
    line breaks and tabs: a value from outside Linda that goes on into a message.

    ``"Ann\\x1b[2J\\u202eevil"`` becomes ``"Ann[2Jevil"``; ``"12 Main St\\nDubai"`` keeps
    its line break; a carriage return goes (``"\\r\\n"`` becomes ``"\\n"``). The same
    rule as the console's text fields, which drop controls as they are typed or pasted.
    """
    pattern = _droppable_pattern()
    return _outside_flags(text, lambda part: pattern.sub("", part))


def has_droppable_controls(text: str) -> bool:
    """Whether without_controls would change text: one scan of a whole file tells
    that none of its values need cleaning, one by one."""
    return _droppable_pattern().search(text) is not None
