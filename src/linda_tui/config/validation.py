"""A small validator for the configuration dataclasses (bots.yaml and LINDA_* settings).

Why not pydantic: importing it and building the models took most of the console's
start-up budget, for five small classes. This module covers what they need and no more.

A field declares its check with ``checked(...)``: a coercion (``to_int``, ``to_text``,
...), optional bounds, and ``before``/``after`` hooks. ``validate`` runs those checks
in ``__post_init__``, so direct construction validates and normalises too; ``build``
makes an instance from a mapping as read from a file, reporting missing and unknown
keys as well. Every problem is an error dict shaped like pydantic's (loc, type, input,
ctx, msg), so callers can place and word each one; all problems are reported at once.

Coercions follow pydantic's lax mode where an operator might rely on it: an int field
takes an integral float or a numeric string, a float field an int or a numeric string,
a bool field true/false/yes/no/on/off/1/0 in any case; a text field refuses numbers.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from linda_tui.config.errors import ConfigError

T = TypeVar("T")
Loc = tuple[str | int, ...]
ErrorDetails = dict[str, Any]  # loc, type, input, ctx, msg: the shape pydantic uses
Explain = Callable[[ErrorDetails], str]
Coerce = Callable[[Any], Any]

# pydantic refuses floats outside 64-bit integers for an int field; so do we.
_INT64_LIMIT = 2.0**63
_INT_TEXT = re.compile(r"[+-]?[0-9_]+(?:\.0*)?")
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def error(
    loc: Loc, kind: str, value: Any, msg: str, ctx: Mapping[str, Any] | None = None
) -> ErrorDetails:
    """One problem, as an error dict: where (loc), what kind, the input, details, message."""
    return {"loc": tuple(loc), "type": kind, "input": value, "ctx": dict(ctx or {}), "msg": msg}


def plain(details: ErrorDetails) -> str:
    """A problem as ``where: message`` (the fallback wording)."""
    where = ".".join(str(part) for part in details["loc"]) or "value"
    return f"{where}: {details['msg']}"


class ConfigValueError(ConfigError, ValueError):
    """Values a configuration object refuses.

    ``details`` holds one error dict per problem; ``problems`` the same problems as
    one-line messages. A ValueError, so code that builds configs directly can catch it
    as one; a ConfigError, so an operator sees one line per problem, never a traceback.
    """

    def __init__(self, details: Iterable[ErrorDetails], explain: Explain = plain) -> None:
        self.details: list[ErrorDetails] = list(details)
        self.explain = explain
        super().__init__(explain(d) for d in self.details)

    def within(self, *prefix: str | int) -> ConfigValueError:
        """The same problems, located inside a larger object (e.g. under ``("bots", 2)``)."""
        moved = [{**d, "loc": (*prefix, *d["loc"])} for d in self.details]
        return ConfigValueError(moved, self.explain)


class Refused(Exception):
    """A coercion's refusal of one value; becomes an error dict at the field's location."""

    def __init__(self, kind: str, msg: str, ctx: Mapping[str, Any] | None = None) -> None:
        super().__init__(msg)
        self.kind = kind
        self.msg = msg
        self.ctx = ctx


# --- coercions: the value as the field's type, or Refused ----------------------------


def to_int(value: Any) -> int:
    """A whole number: an int, a bool, an integral float, or text such as "5" or " 5.0 "."""
    if isinstance(value, int):
        return int(value)  # bool too, as pydantic's lax mode
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Refused("finite_number", "Input should be a finite number")
        if not value.is_integer():
            raise Refused(
                "int_from_float",
                "Input should be a valid integer, got a number with a fractional part",
            )
        if abs(value) >= _INT64_LIMIT:
            raise Refused("int_parsing", "Input should be a valid integer, the number is too large")
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if _INT_TEXT.fullmatch(text):
            try:
                return int(text.partition(".")[0])
            except ValueError:  # misplaced underscores, or more digits than Python reads
                pass
        raise Refused(
            "int_parsing", "Input should be a valid integer, unable to parse string as an integer"
        )
    raise Refused("int_type", "Input should be a valid integer")


def to_float(value: Any) -> float:
    """A number: a float, an int, a bool, or text such as "2.5" or " 1e2 "."""
    if isinstance(value, float):
        return _finite(value)
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            raise Refused("float_parsing", "Input should be a valid number, too large") from None
    if isinstance(value, str):
        try:
            return _finite(float(value))
        except ValueError:
            raise Refused(
                "float_parsing",
                "Input should be a valid number, unable to parse string as a number",
            ) from None
    raise Refused("float_type", "Input should be a valid number")


def _finite(value: float) -> float:
    # YAML reads .inf and .nan, and 1e309 is inf: no pause, cap or duration is endless.
    if not math.isfinite(value):
        raise Refused("finite_number", "Input should be a finite number")
    return value


def to_bool(value: Any) -> bool:
    """true/false, 1/0, or the words true/false, yes/no, on/off, t/f, y/n in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
    elif isinstance(value, str):
        word = value.lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    else:
        raise Refused("bool_type", "Input should be a valid boolean")
    raise Refused("bool_parsing", "Input should be a valid boolean, unable to interpret input")


def to_text(value: Any) -> str:
    """Text as it is; a number is refused (write it in quotes)."""
    if isinstance(value, str):
        return value
    raise Refused("string_type", "Input should be a valid string")


def to_path(value: Any) -> Path:
    """A filesystem path from text or a path."""
    if isinstance(value, str | os.PathLike):
        return Path(value)
    raise Refused("path_type", "Input is not a valid path")


def to_member(enum: type[Enum]) -> Coerce:
    """A coercion to a member of enum, given the member or its value."""
    values = [repr(member.value) for member in enum]
    expected = " or ".join([", ".join(values[:-1]), values[-1]] if len(values) > 1 else values)

    def coerce(value: Any) -> Enum:
        if isinstance(value, enum):
            return value
        for member in enum:
            if type(value) is type(member.value) and value == member.value:
                return member
        raise Refused("enum", f"Input should be {expected}", {"expected": expected})

    return coerce


def to_model(cls: type[T]) -> Coerce:
    """A coercion to a nested config class: an instance as it is, or built from a mapping."""

    def coerce(value: Any) -> T:
        if isinstance(value, cls):
            return value
        if isinstance(value, Mapping):
            return build(cls, value)
        name = cls.__name__
        raise Refused(
            "model_type",
            f"Input should be a valid dictionary or instance of {name}",
            {"class_name": name},
        )

    return coerce


def to_list_of(item: Coerce) -> Coerce:
    """A coercion to a new list whose items each pass ``item``; every bad item is reported."""

    def coerce(value: Any) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise Refused("list_type", "Input should be a valid list")
        out: list[Any] = []
        problems: list[ErrorDetails] = []
        for index, entry in enumerate(value):
            try:
                out.append(item(entry))
            except Refused as exc:
                problems.append(error((index,), exc.kind, entry, exc.msg, exc.ctx))
            except ConfigValueError as exc:
                problems.extend(exc.within(index).details)
        if problems:
            raise ConfigValueError(problems)
        return out

    return coerce


# --- fields ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Check:
    """How one field is checked, in pydantic's order: before, coercion, bounds, after.

    ``optional`` lets None through untouched. With ``before_sees_fields``, ``before``
    also gets the fields already checked (declaration order), as pydantic's ``info.data``.
    """

    coerce: Coerce
    optional: bool = False
    ge: float | None = None
    le: float | None = None
    min_length: int | None = None
    before: Callable[..., Any] | None = None
    before_sees_fields: bool = False
    after: Callable[[Any], Any] | None = None

    def apply(self, value: Any, checked: Mapping[str, Any]) -> Any:
        if self.before is not None:
            value = self.before(value, checked) if self.before_sees_fields else self.before(value)
        if value is None and self.optional:
            return None
        value = self.coerce(value)
        if self.ge is not None and not value >= self.ge:  # `not >=` so that NaN fails
            raise Refused(
                "greater_than_equal",
                f"Input should be greater than or equal to {self.ge}",
                {"ge": self.ge},
            )
        if self.le is not None and not value <= self.le:
            raise Refused(
                "less_than_equal",
                f"Input should be less than or equal to {self.le}",
                {"le": self.le},
            )
        if self.min_length is not None and len(value) < self.min_length:
            raise Refused(
                "string_too_short",
                f"String should have at least {self.min_length} character",
                {"min_length": self.min_length},
            )
        if self.after is not None:
            value = self.after(value)
        return value


def checked(
    default: Any = dataclasses.MISSING,
    coerce: Coerce = to_text,
    *,
    default_factory: Callable[[], Any] | Any = dataclasses.MISSING,
    **check: Any,
) -> Any:
    """A dataclass field with its check, e.g. ``per_minute: int = checked(5, to_int, ge=1)``."""
    return dataclasses.field(
        default=default,
        default_factory=default_factory,
        metadata={"check": Check(coerce, **check)},
    )


@cache
def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(cls)


def field_names(cls: type) -> list[str]:
    """The names of a config class's fields, in declaration order."""
    return [f.name for f in _fields(cls)]


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def check_fields(
    cls: type, values: Mapping[str, Any], *, complete: bool = False
) -> tuple[dict[str, Any], list[ErrorDetails]]:
    """Each given field checked and coerced, in declaration order, and every problem.

    With ``complete``, ``values`` is the whole input: absent required fields are
    reported as missing and unknown keys as extra (with the allowed keys in ctx).
    """
    clean: dict[str, Any] = {}
    problems: list[ErrorDetails] = []
    for f in _fields(cls):
        if f.name not in values:
            if _required(f):
                if complete:
                    problems.append(error((f.name,), "missing", dict(values), "Field required"))
            else:  # later fields' hooks see the default, as with pydantic's info.data
                clean[f.name] = (
                    f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
                )
            continue
        value = values[f.name]
        check: Check | None = f.metadata.get("check")
        if check is None:
            clean[f.name] = value
            continue
        try:
            clean[f.name] = check.apply(value, clean)
        except Refused as exc:
            problems.append(error((f.name,), exc.kind, value, exc.msg, exc.ctx))
        except ConfigValueError as exc:
            problems.extend(exc.within(f.name).details)
        except ValueError as exc:  # a hook's own message, meant for the operator
            problems.append(error((f.name,), "value_error", value, str(exc), {"error": exc}))
    if complete:
        allowed = sorted(field_names(cls))
        for key, value in values.items():
            if key not in allowed:
                problems.append(
                    error(
                        (key,),
                        "extra_forbidden",
                        value,
                        "Extra inputs are not permitted",
                        {"allowed": allowed},
                    )
                )
    return clean, problems


def validate(instance: object, explain: Explain = plain) -> None:
    """Check and normalise a frozen dataclass's fields in place (call it in __post_init__).

    Raises ConfigValueError listing every problem.
    """
    cls: Any = type(instance)
    given = {f.name: getattr(instance, f.name) for f in _fields(cls)}
    clean, problems = check_fields(cls, given)
    if problems:
        raise ConfigValueError(problems, explain)
    for name, value in clean.items():
        if value is not given[name]:
            object.__setattr__(instance, name, value)


def build(cls: type[T], data: Any, explain: Explain = plain) -> T:
    """An instance of cls from a mapping as read from a file (or an instance as it is).

    Raises ConfigValueError listing every problem: wrong type, missing and unknown keys,
    bad values, then the class's own rules (checked only once every field is valid).
    """
    if isinstance(data, cls):
        return data
    if not isinstance(data, Mapping):
        name = cls.__name__
        raise ConfigValueError(
            [
                error(
                    (),
                    "model_type",
                    data,
                    f"Input should be a valid dictionary or instance of {name}",
                    {"class_name": name},
                )
            ],
            explain,
        )
    clean, problems = check_fields(cls, data, complete=True)
    if problems:
        raise ConfigValueError(problems, explain)
    try:
        return cls(**clean)
    except ConfigValueError as exc:
        raise ConfigValueError(exc.details, explain) from None
