"""Linda's records and events as JSON and back, for the host's socket protocol.

A dataclass travels as an object of its fields plus ``"$t"``, its registered name;
enums as their value, datetimes as ISO-8601 text, tuples as lists. Decoding follows the
field types of the class named by ``"$t"`` (an enum field comes back as the enum member,
a datetime field as an aware datetime), so what a client decodes compares equal to
what the host encoded. Only registered classes are ever built from the wire: a name
the client does not know is an error, never an import.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

TAG = "$t"


class WireError(ValueError):
    """Something on the wire is not what the protocol allows; the message says what."""


_REGISTRY: dict[str, type] = {}


def register(*classes: type) -> None:
    """Allow these dataclasses on the wire (by class name, which must be unique)."""
    for cls in classes:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls!r} is not a dataclass")
        known = _REGISTRY.get(cls.__name__)
        if known is not None and known is not cls:
            raise TypeError(f"two classes named {cls.__name__} on the wire")
        _REGISTRY[cls.__name__] = cls


def _register_linda() -> None:
    """Every record and event the host sends or receives."""
    from linda_tui import models
    from linda_tui.broadcast import events as broadcast_events
    from linda_tui.config import models as config_models
    from linda_tui.contacts import service as contacts_service
    from linda_tui.contacts import sync as contacts_sync
    from linda_tui.fleet import events, manager, status
    from linda_tui.whatsapp import account

    def dataclasses_in(module: types.ModuleType) -> Iterable[type]:
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and dataclasses.is_dataclass(value)
                and value.__module__ == module.__name__
            ):
                yield value

    for module in (
        models,
        config_models,
        events,
        status,
        account,
        broadcast_events,
        contacts_service,
    ):
        register(*dataclasses_in(module))
    from linda_tui.contacts.directory import ContactsReloaded
    from linda_tui.contacts.search import SearchHit

    register(
        manager.SendResult,
        contacts_sync.SyncProgress,
        contacts_sync.SyncResult,
        SearchHit,
        ContactsReloaded,
    )


@functools.cache
def _ensure_registry() -> None:
    _register_linda()


def to_wire(value: Any) -> Any:
    """value as plain JSON data (dicts, lists, strings, numbers, booleans, None)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        frozen = _is_frozen(type(value))
        if frozen:
            cached = _ENCODED.get(id(value))
            if cached is not None and cached[0] is value:
                return cached[1]
        data: dict[str, Any] = {TAG: type(value).__name__}
        for f in _fields(type(value)):
            data[f.name] = to_wire(getattr(value, f.name))
        if frozen:
            _remember(_ENCODED, id(value), (value, data))
        return data
    if isinstance(value, list | tuple | set | frozenset):
        return [to_wire(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_wire(item) for key, item in value.items()}
    raise WireError(f"{type(value).__name__} cannot travel on the wire")


def from_wire(data: Any, expected: Any = Any) -> Any:
    """Rebuild what ``to_wire`` made; ``expected`` is the type the caller wants (a
    registered dataclass, or Any to take whatever ``"$t"`` names)."""
    _ensure_registry()
    return _decode(data, expected)


@functools.cache
def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(cls)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(data: Any, expected: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(expected) if arg is not type(None)]
        if len(options) == 1:
            return _decode(data, options[0])
        return _decode(data, Any)
    if isinstance(data, dict) and TAG in data:
        return _decode_dataclass(data, expected)
    if origin in (list, set, frozenset):
        (item,) = typing.get_args(expected) or (Any,)
        return origin(_decode(x, item) for x in _list(data))
    if origin is tuple:
        args = typing.get_args(expected)
        item = args[0] if args else Any
        return tuple(_decode(x, item) for x in _list(data))
    if origin is dict:
        args = typing.get_args(expected)
        value_type = args[1] if len(args) == 2 else Any
        if not isinstance(data, dict):
            raise WireError(f"expected an object, got {type(data).__name__}")
        return {key: _decode(value, value_type) for key, value in data.items()}
    if isinstance(expected, type):
        if issubclass(expected, Enum):
            try:
                return expected(data)
            except ValueError:
                raise WireError(f"{data!r} is not a {expected.__name__}") from None
        if expected is datetime:
            if not isinstance(data, str):
                raise WireError(f"expected a time, got {type(data).__name__}")
            try:
                return datetime.fromisoformat(data)
            except ValueError:
                raise WireError(f"{data!r} is not a time") from None
        if expected is float and isinstance(data, int) and not isinstance(data, bool):
            return float(data)
        if expected in (str, int, float, bool) and not isinstance(data, expected):
            raise WireError(f"expected {expected.__name__}, got {type(data).__name__}")
    if isinstance(data, list):
        return [_decode(x, Any) for x in data]
    if isinstance(data, dict):
        return {key: _decode(value, Any) for key, value in data.items()}
    return data


def _list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise WireError(f"expected a list, got {type(data).__name__}")
    return data


def _decode_dataclass(data: dict[str, Any], expected: Any) -> Any:
    name = data[TAG]
    cls = _REGISTRY.get(name) if isinstance(name, str) else None
    if cls is None:
        raise WireError(f"unknown record type {name!r}")
    if isinstance(expected, type) and expected is not Any and not issubclass(cls, expected):
        raise WireError(f"expected a {expected.__name__}, got a {name}")
    if _is_frozen(cls):
        # An unchanging record (a bot's configuration) arrives with every status event:
        # the same one decodes (and validates) once.
        key = json.dumps(data, sort_keys=True, separators=(",", ":"))
        known = _DECODED.get(key)
        if known is None:
            known = _build(cls, name, data)
            _remember(_DECODED, key, known)
        return known
    return _build(cls, name, data)


# Frozen records encoded and decoded lately (bounded: a fleet has few configurations).
_ENCODED: dict[int, tuple[Any, Any]] = {}
_DECODED: dict[str, Any] = {}
_REMEMBERED = 4096


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _REMEMBERED:
        cache.pop(next(iter(cache)))
    cache[key] = value


@functools.cache
def _is_frozen(cls: type) -> bool:
    params = getattr(cls, "__dataclass_params__", None)
    return bool(params is not None and params.frozen)


def _build(cls: type, name: str, data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    init: dict[str, Any] = {}
    later: dict[str, Any] = {}
    for f in _fields(cls):
        if f.name not in data:
            continue
        value = _decode(data[f.name], hints.get(f.name, Any))
        (init if f.init else later)[f.name] = value
    try:
        obj = cls(**init)
    except (TypeError, ValueError) as exc:
        raise WireError(f"a {name} that does not hold together: {exc}") from None
    for key, value in later.items():
        object.__setattr__(obj, key, value)
    return obj
