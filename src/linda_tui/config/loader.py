"""Reading bots.yaml: safe YAML with line numbers, validated by the fleet models.

Every problem becomes one line, ``bots.yaml:LINE: what is wrong — how to fix it``
(file-level problems such as a missing file have no line), collected into one
ConfigError. No file content can make this module raise anything else.

Decisions worth knowing:
- YAML aliases (``*name``) are refused outright. bots.yaml is a short file, aliases
  buy little there, and they are what a "billion laughs" document is built from:
  refusing the first alias makes such a document fail at once, before any expansion.
- Nesting is capped (MAX_DEPTH) and so is the file size (MAX_CONFIG_BYTES).
- A key written twice in one mapping is an error (plain YAML would keep the last).
- ``id``, ``name``, ``phone``, ``default_region``, ``sync_every``, ``sync_cron``,
  ``quiet_hours``, ``warm_up`` and the ``opt_out_words`` are read as written: YAML 1.1
  would otherwise turn ``phone: 0501234567`` into an octal number, ``phone: +97150...``
  into an integer, ``default_region: NO``, ``sync_every: off`` and the opt-out word
  ``no`` into false, and ``sync_every: 1:30`` into 90.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linda_tui.config.errors import ConfigError
from linda_tui.config.explain import explain
from linda_tui.config.models import FleetConfig
from linda_tui.config.validation import ConfigValueError, Loc, build
from linda_tui.input_files import InputFileError, read_input

# A real fleet file is a few KiB; the cap bounds the worst case to about a second.
MAX_CONFIG_BYTES = 256 * 1024
MAX_PROBLEMS_SHOWN = 50
MAX_DEPTH = 32

# Keys whose plain scalars are taken as written (see the module docstring).
TEXT_KEYS = frozenset(
    {
        "id",
        "name",
        "phone",
        "default_region",
        "sync_every",
        "sync_cron",
        "quiet_hours",
        "warm_up",
        "opt_out_words",
    }
)

_YAML_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = frozenset(
    _YAML_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)


class _Refused(Exception):
    """A document this loader will not read; carries the line and the one-line reason."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Guarded:
    """Refuses aliases and deep nesting while the node graph is composed."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: object) -> Node:
        if self.check_event(yaml.AliasEvent):  # type: ignore[attr-defined]
            mark = self.peek_event().start_mark  # type: ignore[attr-defined]
            raise _Refused(
                mark.line + 1,
                "YAML aliases (*name) are not allowed in bots.yaml — write the value out in full",
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[attr-defined]
                raise _Refused(
                    mark.line + 1,
                    f"the document nests more than {MAX_DEPTH} levels deep — "
                    "bots.yaml needs four at most; check the indentation and brackets",
                )
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


class _BotsYamlLoader(_Guarded, yaml.SafeLoader):
    """PyYAML's SafeLoader, guarded. Its errors say exactly what is wrong and where."""


if yaml.__with_libyaml__:
    from yaml.cyaml import CParser

    class _FastBotsYamlLoader(
        _Guarded,
        yaml.composer.Composer,
        CParser,
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    ):
        """The same, with libyaml scanning and parsing (about five times faster): the
        composing, and with it the guards, stays in Python."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml
    _FastBotsYamlLoader = None  # type: ignore[assignment,misc]

# What YAML does not allow in a document (PyYAML's reader refuses it, with its position).
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


class _NodeReader:
    """Turns the composed node graph into plain data, remembering where each value came from."""

    def __init__(self, loader: _BotsYamlLoader) -> None:
        self.loader = loader
        self.lines: dict[Loc, int] = {}
        self.problems: list[tuple[int, str]] = []
        # Values already reported here; the validator's complaints about them would be noise.
        self.reported: set[Loc] = set()

    def line_for(self, loc: Loc) -> int:
        """The line of the deepest known node on the way to loc (1 when nothing matches)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return 1

    def _report(self, line: int, loc: Loc, message: str) -> None:
        self.problems.append((line, message))
        self.reported.add(loc)

    def _check_tag(self, node: Node, loc: Loc) -> bool:
        if node.tag in _ALLOWED_TAGS:
            return True
        tag = (
            "!!" + node.tag.removeprefix(_YAML_TAG) if node.tag.startswith(_YAML_TAG) else node.tag
        )
        self._report(
            _line(node),
            loc,
            f"the YAML tag {tag[:60]!r} is not supported — remove it and write a plain value",
        )
        return False

    def read(self, node: Node, loc: Loc = (), as_text: bool = False) -> Any:
        self.lines.setdefault(loc, _line(node))
        if not self._check_tag(node, loc):
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, SequenceNode):
            # A list under a text key (opt_out_words) holds text: "no" stays "no".
            return [self.read(item, (*loc, i), as_text) for i, item in enumerate(node.value)]
        return self._scalar(node, loc, as_text)

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self._report(
                    _line(key_node),
                    loc,
                    "a key here is a list or a mapping — keys are plain names such as id or phone",
                )
                continue
            key = str(key_node.value)
            if key in first_line:
                self._report(
                    _line(key_node),
                    (*loc, key),
                    f"key {key!r} is written twice here (first on line {first_line[key]}) — "
                    "keep only one",
                )
                continue
            first_line[key] = _line(key_node)
            child = (*loc, key)
            # Errors about a value point at its key's line, where the operator wrote it.
            self.lines[child] = _line(key_node)
            out[key] = self.read(value_node, child, as_text=key in TEXT_KEYS)
        return out

    def _scalar(self, node: ScalarNode, loc: Loc, as_text: bool) -> Any:
        if node.tag == _YAML_TAG + "null":
            return None
        if as_text:
            return str(node.value)
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            # e.g. an integer too long for Python, or a date like 2024-13-45.
            reason = " ".join(str(exc).split())
            reason = reason if len(reason) <= 60 else reason[:57] + "..."
            value = node.value if len(node.value) <= 24 else node.value[:21] + "..."
            self._report(
                _line(node),
                loc,
                f"cannot read the value {value!r} ({reason}) — "
                "write a plain number, text or true/false",
            )
            return None


def _unreadable(exc: InputFileError, shown: str) -> str:
    """Why bots.yaml cannot be read, with the fix, in one line."""
    if exc.kind == "missing":
        return (
            f"{shown}: no such file — create it (see the example bots.yaml and README.md), "
            "pass --config PATH, or try `linda --demo`"
        )
    if exc.kind == "folder":
        return (
            f"{shown}: is a folder, not a file — pass the bots.yaml file itself, "
            f"e.g. --config {Path(shown) / 'bots.yaml'}"
        )
    if exc.kind == "special":
        return f"{shown}: {exc.reason} — pass the path of a bots.yaml file"
    if exc.kind == "too-large":
        return (
            f"{shown}: the file is larger than {MAX_CONFIG_BYTES // 1024} KiB — bots.yaml lists "
            "a handful of bots; check that --config points at the right file"
        )
    return f"{shown}: {exc.reason} — check the path and its permissions"


def _read_text(path: Path, shown: str) -> str:
    """The file as text, or a ConfigError saying in one line why it cannot be read."""
    try:
        data = read_input(path, limit=MAX_CONFIG_BYTES)
    except InputFileError as exc:
        raise ConfigError([_unreadable(exc, shown)]) from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            [
                f"{shown}:{line}: the file is not UTF-8 text (byte 0x{data[exc.start]:02x}) — "
                "save it as UTF-8"
            ]
        ) from None


def _syntax_fix(problem: str) -> str:
    if "'\\t'" in problem:
        return "indent with spaces, not tabs"
    return "check the indentation and quoting on this line (quote values containing ': ' or ' #')"


def _compose(text: str, shown: str) -> tuple[Node | None, yaml.SafeLoader]:
    if _FastBotsYamlLoader is not None and not _NON_PRINTABLE.search(text):
        try:
            fast = _FastBotsYamlLoader(text)
            return fast.get_single_node(), fast
        except (yaml.YAMLError, _Refused, RecursionError):
            pass  # read it again below: PyYAML's own parser words the problem best
    try:
        # The reader checks every character up front, so even construction can fail.
        loader = _BotsYamlLoader(text)
        return loader.get_single_node(), loader
    except _Refused as exc:
        raise ConfigError([f"{shown}:{exc.line}: {exc.message}"]) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ConfigError(
            [
                f"{shown}:{line}: the character U+{exc.character:04X} is not allowed in YAML — "
                "delete it (it is usually pasted by accident)"
            ]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(str(exc.problem or exc.context or "unreadable YAML").split())
        if "another document" in what:
            raise ConfigError(
                [
                    f"{shown}:{line}: a second YAML document starts here (---) — "
                    "bots.yaml holds one document; remove the second or merge it into the first"
                ]
            ) from None
        raise ConfigError(
            [f"{shown}:{line}: YAML syntax error: {what} — {_syntax_fix(what)}"]
        ) from None
    except (yaml.YAMLError, RecursionError) as exc:
        what = " ".join(str(exc).split())[:120]
        raise ConfigError(
            [f"{shown}:1: cannot read the YAML ({what}) — compare it with the example bots.yaml"]
        ) from None


def _format(shown: str, problems: list[tuple[int, str]]) -> list[str]:
    lines: list[str] = []
    for line, message in sorted(problems, key=lambda p: p[0]):
        text = f"{shown}:{line}: {' '.join(message.split())}"
        if text not in lines:
            lines.append(text)
    if len(lines) > MAX_PROBLEMS_SHOWN:
        hidden = len(lines) - MAX_PROBLEMS_SHOWN
        lines = lines[:MAX_PROBLEMS_SHOWN]
        lines.append(
            f"{shown}: {hidden} more problems not shown — fix the ones above and check again"
        )
    return lines


def parse_fleet(
    text: str, shown: str = "bots.yaml", *, default_region: str | None = None
) -> FleetConfig:
    """Validate bots.yaml content. ``shown`` names the file in messages.

    ``default_region`` applies when the file does not set one (e.g. LINDA_DEFAULT_REGION).
    Raises ConfigError with one line per problem.
    """
    node, loader = _compose(text, shown)
    if node is None:
        raise ConfigError(
            [
                f"{shown}:1: the file is empty — list your bots under bots: (see the example bots.yaml)"
            ]
        )
    reader = _NodeReader(loader)
    data = reader.read(node)
    if default_region and isinstance(data, dict) and "default_region" not in data:
        data["default_region"] = default_region
    problems = list(reader.problems)
    fleet: FleetConfig | None = None
    try:
        fleet = build(FleetConfig, data, explain)
    except ConfigValueError as exc:
        for error in exc.details:
            loc: Loc = tuple(error["loc"])
            if any(loc[: len(done)] == done for done in reader.reported):
                continue
            message = explain(error, lambda index: reader.line_for(("bots", index)))
            problems.append((reader.line_for(loc), message))
    if problems or fleet is None:
        raise ConfigError(_format(shown, problems))
    return fleet


def load_fleet(path: Path | str, *, default_region: str | None = None) -> FleetConfig:
    """Read and validate a bots.yaml file. Messages name the file as ``path`` was given.

    Raises ConfigError with one line per problem; never anything else for bad content.
    """
    shown = str(path)
    text = _read_text(Path(path), shown)
    return parse_fleet(text, shown, default_region=default_region)
