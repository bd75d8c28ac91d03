"""How contact text is compared: one folded form for names, emails, labels and queries.

Folding makes the spellings an operator might type meet the spelling stored in Google
Contacts: case and accents are ignored (José = jose, Ç = c, ß = ss, ø = o), and Arabic is
compared without diacritics (tashkeel), tatweel or letter-shape variants (every alef form
is ا, ى is ي, ة is ه, ؤ is و, ئ is ي, Persian/Urdu ک and ی are ك and ي). Arabic-Indic
and Persian digits become ASCII digits. Invisible characters (bidi marks, zero-width
joiners, byte-order marks) are dropped and control characters become spaces, so nothing
pasted from a chat can hide a match or smuggle a terminal escape into a key.

The same functions fold what is indexed and what is searched for: that is the whole
contract, so a change here changes both sides at once.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Characters that vanish before anything else: apostrophes join what they separate
# (O'Brien = obrien). Done before NFKD because NFKD turns ´ into a space plus an accent.
_APOSTROPHES = dict.fromkeys(map(ord, "'`´ʼʻ’‘"), None)

# Letters that NFKD leaves alone but that people type interchangeably.
_LETTERS = {
    # Latin letters with a stroke or ligatures that have no decomposition.
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ł": "l",
    "ı": "i",
    "ħ": "h",
    "ŧ": "t",
    "ŀ": "l",
    "ĸ": "k",
    "ƒ": "f",
    # Arabic: alef forms (those with hamza or madda above/below decompose under NFKD to
    # a bare alef plus a mark, which is then dropped), alef maqsura, ta marbuta.
    "\u0671": "\u0627",  # ٱ alef wasla
    "\u0672": "\u0627",  # ٲ
    "\u0673": "\u0627",  # ٳ
    "\u0675": "\u0627",  # ٵ
    "\u0649": "\u064a",  # ى alef maqsura -> ي
    "\u0629": "\u0647",  # ة ta marbuta -> ه
    # Persian and Urdu letter shapes of the same Arabic letters.
    "\u06a9": "\u0643",  # ک keheh -> ك
    "\u06aa": "\u0643",  # ڪ swash kaf -> ك
    "\u06cc": "\u064a",  # ی farsi yeh -> ي
    "\u06d0": "\u064a",  # ې
    "\u06d2": "\u064a",  # ے yeh barree -> ي
    "\u06be": "\u0647",  # ھ heh doachashmee -> ه
    "\u06c1": "\u0647",  # ہ heh goal -> ه
    "\u06c3": "\u0647",  # ۃ teh marbuta goal -> ه
    "\u06d5": "\u0647",  # ە ae -> ه
    "\u0640": "",  # ـ tatweel (kashida): only stretches the line
}


@functools.cache
def _fold_table() -> dict[int, str | None]:
    """The translate table applied after NFKD and casefold (built once, on first use)."""
    table: dict[int, str | None] = {}
    for code in range(0x10000):
        category = unicodedata.category(chr(code))
        if category in ("Mn", "Me", "Cf", "Cs"):
            table[code] = None  # accents, tashkeel, bidi/zero-width marks, lone surrogates
        elif category in ("Cc", "Zl", "Zp", "Zs"):
            table[code] = " "
        elif category == "Nd" and code > 0x7F:
            # Arabic-Indic, Persian, Devanagari... digits: an operator types ٠٥٠ for 050.
            table[code] = str(unicodedata.digit(chr(code)))
    # Invisible characters outside the BMP: tag characters (flag emoji), musical marks.
    for code in (0xE0001, *range(0xE0020, 0xE0080), *range(0x1D173, 0x1D17B)):
        table[code] = None
    for letter, replacement in _LETTERS.items():
        table[ord(letter)] = replacement
    return table


# ASCII text (most names, nearly every email) skips Unicode normalisation entirely:
# byte tables fold it at C speed. Apostrophes go; control characters become spaces;
# for words, everything but letters and digits becomes a space.
_ASCII_FOLD = bytes(
    32 if code < 32 or code == 127 else ord(chr(code).lower()) for code in range(256)
)
_ASCII_WORDS = bytes(ord(chr(code).lower()) if chr(code).isalnum() else 32 for code in range(256))
_ASCII_APOSTROPHES = b"'`"
_NOT_ASCII_DIGITS = bytes(code for code in range(256) if not 48 <= code <= 57)


def fold(text: str) -> str:
    """text in its folded form: casefolded, accents and Arabic variants removed.

    Punctuation is kept (emails and queries need it); only invisible and control
    characters are dropped or turned into spaces.
    """
    if text.isascii():
        return text.encode().translate(_ASCII_FOLD, _ASCII_APOSTROPHES).decode()
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return text.casefold().translate(_fold_table())


# A word is a run of letters and digits: underscores and every other punctuation mark
# separate words (al-mansouri = al mansouri; ahmed_k = ahmed k).
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The folded words of text, in order."""
    if text.isascii():
        return text.encode().translate(_ASCII_WORDS, _ASCII_APOSTROPHES).decode().split()
    return _WORD.findall(fold(text))


def split_folded(folded: str) -> list[str]:
    """The words of an already folded text, in order."""
    return _WORD.findall(folded)


def folded_phrase(text: str) -> str:
    """text folded with its words joined by single spaces ("  Al-Mansouri " -> "al mansouri")."""
    return " ".join(words(text))


def digits(text: str) -> str:
    """The ASCII digits of text, Arabic-Indic and Persian digits included, in order."""
    if not text.isascii():
        text = fold(text)
        if not text.isascii():
            text = text.encode("ascii", "ignore").decode()
    return text.encode().translate(None, _NOT_ASCII_DIGITS).decode()


# What a phone number can be written with: digits, a leading +, and the usual separators.
_PHONE_LIKE = re.compile(r"\+?[0-9().\-/]*[0-9][0-9().\-/]*")


def is_phone_like(folded_chunk: str) -> bool:
    """True when a folded, space-free chunk of a query reads as (part of) a phone number."""
    return _PHONE_LIKE.fullmatch(folded_chunk) is not None
