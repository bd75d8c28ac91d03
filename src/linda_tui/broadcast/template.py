"""Message templates: one text, rendered for each recipient of a broadcast.

Syntax (everything else is written as it is, RTL text and emoji included):

- ``{first_name}``: a variable, from a CSV column (``{First Name}`` and
  ``{first_name}`` are the same variable, see ``variable_key``) or the contact's
  name. ``{name}`` and ``{first_name}`` are always offered when a name is known.
- ``{first_name|there}``: the same with a fallback, used when the recipient has
  no value (or only blanks). The fallback may be empty: ``{title|}``.
- ``{{`` and ``}}``: a literal ``{`` and ``}``.
- ``[[Hi|Hello|Good morning]]``: variations. Each recipient gets one of them,
  picked from a stable hash of the campaign's seed and the recipient's number, so
  the same recipient gets the same text on every run and a broadcast is not a
  thousand identical messages. Options may hold variables; variations do not nest.

A template is compiled once (``compile_template``) and then rendered per
recipient; a template that cannot be read is a one-line ``TemplateError`` naming
the position. Whether every recipient can be given every variable is checked by
``check_variables`` before anything is saved.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from typing import Any

from linda_tui.terminal_text import CONTROL_CHARACTERS, describe_character

__all__ = [
    "MissingVariable",
    "Placeholder",
    "Template",
    "TemplateError",
    "check_variables",
    "compile_template",
    "variable_key",
]


class TemplateError(ValueError):
    """A template that cannot be used; the message is one line: what and how to fix it."""


class MissingVariable(TemplateError):
    """A recipient has no value for a variable that has no fallback."""

    def __init__(self, placeholder: Placeholder) -> None:
        super().__init__(
            f"no value for {placeholder.written} — give it a fallback, e.g. "
            f"{{{placeholder.name}|there}}"
        )
        self.placeholder = placeholder


_NOT_WORD = re.compile(r"[\W_]+")


def variable_key(name: str) -> str:
    """The name a variable is known by: "First Name", "first_name" and "FIRST-NAME" are
    all ``first_name``. Letters of any script are kept (Arabic headers work), case is
    folded, accents and Arabic diacritics dropped, anything else becomes "_"."""
    text = unicodedata.normalize("NFKD", name).casefold()
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = unicodedata.normalize("NFC", text)
    return _NOT_WORD.sub("_", text).strip("_")


@dataclass(frozen=True)
class Placeholder:
    """A variable as written in the template."""

    key: str  # variable_key of the name
    name: str  # the name as written, trimmed
    fallback: str | None
    line: int
    column: int

    @property
    def written(self) -> str:
        """How the operator wrote it, for messages: {first_name} or {first_name|there}."""
        if self.fallback is None:
            return f"{{{self.name}}}"
        return f"{{{self.name}|{self.fallback}}}"


@dataclass(frozen=True)
class _Variation:
    options: tuple[tuple[str | Placeholder, ...], ...]
    index: int  # which variation of the template, so two of them pick independently


_Part = str | Placeholder | _Variation


_GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / the golden ratio: Fibonacci hashing
_MASK64 = (1 << 64) - 1


def _pick(phone: bytes, variation_seed: int, count: int) -> int:
    """Which of count options a variation gives this recipient: a stable hash of the
    campaign's seed, the variation and the phone, the same on every run and machine
    (never Python's hash(), which is salted per process). CRC-32 then a Fibonacci
    multiply, whose high bits break CRC's linearity, so neighbouring numbers do not
    get the same option in runs; even over the options, and about 0.5 µs a pick."""
    return (((zlib.crc32(phone, variation_seed) * _GOLDEN) & _MASK64) >> 32) % count


# Compiled forms, dispatched on their first item in _render (one loop, no call per
# part: rendering 100,000 recipients has to stay well under a second).
_FIELD = 0  # (_FIELD, key, fallback or None, placeholder)
_CHOICE = 1  # (_CHOICE, variation seed, count, texts): variations of plain text
_MIXED = 2  # (_MIXED, variation seed, count, compiled options): variations with variables

_Compiled = tuple[Any, ...]


def _compile(
    parts: Iterable[_Part | str | Placeholder], seed: bytes
) -> tuple[str | _Compiled, ...]:
    compiled: list[str | _Compiled] = []
    for part in parts:
        if isinstance(part, str):
            compiled.append(part)
        elif isinstance(part, Placeholder):
            compiled.append((_FIELD, part.key, part.fallback, part))
        else:
            variation_seed = zlib.crc32(seed + b"%d" % part.index)
            count = len(part.options)
            if all(isinstance(piece, str) for option in part.options for piece in option):
                texts = tuple("".join(str(piece) for piece in option) for option in part.options)
                compiled.append((_CHOICE, variation_seed, count, texts))
            else:
                options = tuple(_compile(option, seed) for option in part.options)
                compiled.append((_MIXED, variation_seed, count, options))
    return tuple(compiled)


def _render(
    compiled: tuple[str | _Compiled, ...], variables: Mapping[str, str], phone: bytes
) -> str:
    out: list[str] = []
    append = out.append
    op: Any
    for op in compiled:
        if op.__class__ is str:
            append(op)
            continue
        kind = op[0]
        if kind == _FIELD:
            value = variables.get(op[1])
            if not value or value.isspace():
                if op[2] is None:
                    raise MissingVariable(op[3])
                value = op[2]
            append(value)
        else:
            count = op[2]
            chosen = op[3][_pick(phone, op[1], count) if count > 1 else 0]
            append(chosen if kind == _CHOICE else _render(chosen, variables, phone))
    return "".join(out)


# Templates of plain text, variables and variations of plain text (nearly all) are
# also turned into one Python function each, the way dataclasses and namedtuple make
# their methods: no loop and no dispatch per part, so it renders 100,000 recipients in
# about half the time _render takes. The generated source holds only names and
# numbers made here (v0, c3, a seed); the template's own text, keys and fallbacks
# reach the function as values in a tuple, never as source, so no template can
# change what the code does.
_MAX_GENERATED_PARTS = 256  # longer templates keep _render (rare; compiling costs)


def _generated(
    compiled: tuple[str | _Compiled, ...],
) -> Callable[[Mapping[str, str], bytes], str] | None:
    """compiled as one function rendering exactly what _render does, or None when it
    has variations with variables in them (those keep _render)."""
    if len(compiled) > _MAX_GENERATED_PARTS:
        return None
    constants: list[object] = []

    def constant(value: object) -> str:
        constants.append(value)
        return f"c{len(constants) - 1}"

    body: list[str] = []
    pieces: list[str] = []
    for n, op in enumerate(compiled):
        if isinstance(op, str):
            pieces.append(constant(op))
        elif op[0] == _FIELD:
            _, key, fallback, placeholder = op
            body.append(f"v{n} = get({constant(key)})")
            body.append(f"if not v{n} or v{n}.isspace():")
            if fallback is None:
                body.append(f"    raise missing({constant(placeholder)})")
            else:
                body.append(f"    v{n} = {constant(fallback)}")
            pieces.append(f"v{n}")
        elif op[0] == _CHOICE:
            _, seed, count, texts = op
            options = constant(texts)
            if count > 1:
                pick = f"((((crc32(phone, {int(seed):d}) * {_GOLDEN:d}) & {_MASK64:d}) >> 32) % {int(count):d})"
                pieces.append(f"{options}[{pick}]")
            else:
                pieces.append(f"{options}[0]")
        else:
            return None  # _MIXED
    names = ", ".join(f"c{i}" for i in range(len(constants)))
    source = "\n".join(
        [
            "def make(constants, missing, crc32):",
            f"    ({names}{',' if len(constants) == 1 else ''}) = constants"
            if constants
            else "    pass",
            "    def render(variables, phone):",
            "        get = variables.get",
            *(f"        {line}" for line in body),
            f'        return "".join(({", ".join(pieces)}{"," if len(pieces) == 1 else ""}))',
            "    return render",
        ]
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<linda template>", "exec"), namespace)  # noqa: S102 - see above
    render: Callable[[Mapping[str, str], bytes], str] = namespace["make"](
        tuple(constants), MissingVariable, zlib.crc32
    )
    return render


class Template:
    """A compiled template: render it for each recipient with ``render``."""

    def __init__(self, source: str, parts: tuple[_Part, ...], seed: str) -> None:
        self.source = source
        self._parts = parts
        self.seed = seed
        # The seed's length first, so seed "a" + phone "1..." never equals "a1" + "...".
        self._seed = b"%d:" % len(seed.encode()) + seed.encode() + b"\x00"
        self._compiled = _compile(parts, self._seed)
        self._variations = sum(isinstance(part, _Variation) for part in parts)
        self._render_one = _generated(self._compiled) or partial(_render, self._compiled)

    @property
    def placeholders(self) -> tuple[Placeholder, ...]:
        """Every variable the template uses, in the order written (variations included)."""
        found: list[Placeholder] = []
        for part in self._parts:
            if isinstance(part, Placeholder):
                found.append(part)
            elif isinstance(part, _Variation):
                for option in part.options:
                    found.extend(p for p in option if isinstance(p, Placeholder))
        return tuple(found)

    @property
    def variation_count(self) -> int:
        """How many [[...]] variations the template has."""
        return self._variations

    def render(self, variables: Mapping[str, str], phone: str) -> str:
        """The text for one recipient. variables are keyed by variable_key; a value that
        is missing, empty or blank takes the fallback. Raises MissingVariable when there
        is no value and no fallback (check_variables reports that for a whole audience
        before anything is rendered for real)."""
        return self._render_one(variables, phone.encode() if self._variations else b"")

    def render_all(
        self, variables: Iterable[Mapping[str, str]], phones: Iterable[str]
    ) -> list[str]:
        """render for many recipients at once (each one's variables, and its phone), in
        their order: the same texts, without a Python call per recipient around each."""
        if not self._variations:
            return list(map(self._render_one, variables, repeat(b"")))
        return list(map(self._render_one, variables, map(str.encode, phones)))

    def __repr__(self) -> str:
        return f"Template({self.source!r}, seed={self.seed!r})"


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of a character of text."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


class _Parser:
    """Reads a template left to right into literal text, placeholders and variations."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.multiline = "\n" in text

    def fail(self, index: int, problem: str) -> TemplateError:
        line, column = _position(self.text, index)
        where = f"line {line}, column {column}" if self.multiline else f"column {column}"
        return TemplateError(f"template, {where}: {problem}")

    def parse(self) -> tuple[_Part, ...]:
        text = self.text
        parts: list[_Part] = []
        literal: list[str] = []
        variations = 0
        option: list[str | Placeholder] = []
        options: list[tuple[str | Placeholder, ...]] = []
        opened_at: int | None = None  # where the [[ being read started
        i, end = 0, len(text)

        def flush(target: list) -> None:  # type: ignore[type-arg]
            if literal:
                target.append("".join(literal))
                literal.clear()

        while i < end:
            ch = text[i]
            pair = text[i : i + 2]
            if pair == "{{":
                literal.append("{")
                i += 2
            elif pair == "}}":
                literal.append("}")
                i += 2
            elif ch == "{":
                flush(option if opened_at is not None else parts)
                placeholder, i = self.placeholder(i)
                (option if opened_at is not None else parts).append(placeholder)
            elif ch == "}":
                raise self.fail(
                    i, "'}' closes no placeholder — write }} for a literal brace, or {name}"
                )
            elif pair == "[[":
                if opened_at is not None:
                    line, column = _position(text, opened_at)
                    raise self.fail(
                        i,
                        "variations cannot be nested ('[[' inside the '[[' opened at "
                        f"{'line ' + str(line) + ', ' if self.multiline else ''}column {column})"
                        " — write one list of choices, e.g. [[Hi|Hello|Good morning]]",
                    )
                flush(parts)
                opened_at = i
                option, options = [], []
                i += 2
            elif pair == "]]":
                if opened_at is None:
                    raise self.fail(
                        i, "']]' closes no variation — variations are written [[Hi|Hello]]"
                    )
                flush(option)
                options.append(tuple(option))
                parts.append(_Variation(tuple(options), variations))
                variations += 1
                opened_at = None
                i += 2
            elif ch == "|" and opened_at is not None:
                flush(option)
                options.append(tuple(option))
                option = []
                i += 1
            else:
                literal.append(ch)
                i += 1
        if opened_at is not None:
            raise self.fail(
                opened_at, "'[[' is not closed — write variations as [[Hi|Hello|Good morning]]"
            )
        flush(parts)
        return tuple(parts)

    def placeholder(self, start: int) -> tuple[Placeholder, int]:
        """The placeholder opening at start ('{'), and the index after its '}'."""
        text = self.text
        close = text.find("}", start + 1)
        nested = text.find("{", start + 1)
        if close == -1 or (nested != -1 and nested < close):
            raise self.fail(start, "'{' is not closed — write {name}, or {{ for a literal brace")
        body = text[start + 1 : close]
        name, bar, fallback = body.partition("|")
        for bad in ("[[", "]]", "\n"):
            if bad in name:
                raise self.fail(
                    start,
                    f"{'a line break' if bad == chr(10) else repr(bad)} inside a placeholder — "
                    "close it first: {name} or {name|fallback}",
                )
        if "[[" in fallback or "]]" in fallback:
            raise self.fail(
                start,
                "a variation inside a fallback is sent as written — put the placeholder "
                "inside the variation instead: [[Hi {first_name|there}|Hello]]",
            )
        name = name.strip()
        key = variable_key(name)
        if not key:
            raise self.fail(
                start,
                f"'{{{body}}}' names no variable — write {{name}} or {{first_name|there}}, "
                "or {{ }} for literal braces",
            )
        line, column = _position(text, start)
        return Placeholder(key, name, fallback if bar else None, line, column), close + 1


def compile_template(text: str, *, seed: str = "") -> Template:
    """Read a template once; render it per recipient. seed (the campaign's name, say)
    makes the choice among variations differ between campaigns but stay the same for
    one campaign and recipient. Raises TemplateError (one line, with the position)."""
    if not text or not text.strip():
        raise TemplateError("the template is empty — write the message to send")
    text = text.replace("\r\n", "\n")  # a template file saved on Windows
    parser = _Parser(text)
    for index, character in enumerate(text):
        # What the console's fields never let in (a terminal escape, a bidi override, a
        # zero-width space): a message never needs one, and a recipient would get it.
        if character in CONTROL_CHARACTERS and character not in "\n\t":
            raise parser.fail(
                index, f"{describe_character(character)} is a control character — remove it"
            )
    return Template(text, parser.parse(), seed)


@dataclass(frozen=True)
class VariableGap:
    """A variable that some recipients cannot be given."""

    placeholder: Placeholder
    lacking: int  # how many recipients have no value
    first_line: int | None  # the source line of the first of them, when known


def check_variables(
    template: Template,
    audience: Iterable[tuple[Mapping[str, str], int | None]],
    *,
    known: Iterable[str] = (),
    source: str = "the audience",
) -> None:
    """Refuse (TemplateError) a template whose variables without fallback are not filled
    for every recipient. audience gives each recipient's variables and source line.

    The choice made here: a variable some recipients lack is an error too (with how
    many, and the first line), not a silent skip of those recipients — a broadcast
    that quietly leaves people out is worse than one that asks for a fallback.
    known lists the variables the source offers (its columns), to tell "no such
    column" from "empty for everyone".
    """
    needed = {p.key: p for p in template.placeholders if p.fallback is None}
    if not needed:
        return
    lacking = dict.fromkeys(needed, 0)
    first_line: dict[str, int | None] = {}
    total = 0
    for variables, line in audience:
        total += 1
        for key in needed:
            value = variables.get(key)
            if value is None or not value.strip():
                lacking[key] += 1
                first_line.setdefault(key, line)
    known_keys = set(known)
    for key, placeholder in needed.items():
        count = lacking[key]
        if count == 0:
            continue
        hint = f"give it a fallback, e.g. {{{placeholder.name}|there}}"
        if count == total:
            if key not in known_keys:
                offered = ", ".join(sorted(known_keys)) or "none"
                raise TemplateError(
                    f"template uses {placeholder.written}, which {source} does not have "
                    f"(variables: {offered}) — {hint}, or fix the name"
                )
            raise TemplateError(
                f"template uses {placeholder.written}, which is empty for every recipient "
                f"in {source} — {hint}"
            )
        where = first_line.get(key)
        at = f" (first on line {where})" if where else ""
        raise TemplateError(
            f"template uses {placeholder.written}, which is empty for {count:,} of "
            f"{total:,} recipients in {source}{at} — {hint}, or fill it in"
        )
