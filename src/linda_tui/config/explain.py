"""A bots.yaml validation problem in the operator's words: `what is wrong — how to fix it`.

The loader prefixes each line with ``bots.yaml:LINE:``; a config built directly in code
raises the same words without the place.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from linda_tui.config.validation import ErrorDetails, Loc

_HINTS: dict[str, str] = {
    "id": "write e.g. id: main-office",
    "name": "write e.g. name: Main office",
    "phone": 'write e.g. phone: "+971501234567"',
    "role": "write role: primary or role: secondary",
    "enabled": "write enabled: true or enabled: false",
    "default_region": "write e.g. default_region: AE",
    "bots": "list the bots under bots:, each starting with '- id:'",
    "pacing": "write the limits under it, e.g. per_minute: 5",
    "contacts": "write its settings under it, e.g. sync_every: 6h",
    "create_from_whatsapp": "write create_from_whatsapp: true or false",
    "sync_every": "write e.g. sync_every: 6h",
    "sync_cron": 'write e.g. sync_cron: "0 */6 * * *"',
    "broadcasts": "write its settings under it, e.g. quiet_hours: 21:00-09:00",
    "quiet_hours": "write e.g. quiet_hours: 21:00-09:00, or off",
    "warm_up": "list steps such as '- days: 1-2' with per_hour and per_day, or write off",
    "days": "write e.g. days: 1-2",
    "opt_out_words": "list words such as [basta, arrêt]",
    "opt_out_defaults": "write opt_out_defaults: true or false",
}

_BOUNDS = {
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("more than", "gt"),
    "less_than_equal": ("at most", "le"),
    "less_than": ("less than", "lt"),
}


def _hint(field: str) -> str:
    return _HINTS.get(field, f"write e.g. {field}: 5")


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _field_name(loc: Loc) -> str:
    names = [part for part in loc if isinstance(part, str)]
    return names[-1] if names else "the file"


def explain(error: ErrorDetails, first_line: Callable[[int], int] | None = None) -> str:
    """One validation problem as `what is wrong — how to fix it`.

    ``first_line(index)`` gives the line of bot ``index``; with it, a duplicate says where
    the first one is (``ctx["first_index"]``).
    """
    loc: Loc = tuple(error["loc"])
    kind: str = error["type"]
    field = _field_name(loc)
    value = error.get("input")
    ctx: dict[str, Any] = error.get("ctx") or {}
    msg: str = error["msg"]

    if kind == "missing":
        return f"{field} is missing — {_hint(field)}"
    if kind == "extra_forbidden":
        allowed: list[str] = list(ctx.get("allowed", []))
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        fix = f"did you mean {close[0]}?" if close else "remove it or check its spelling"
        listed = f" (allowed here: {', '.join(allowed)})" if allowed else ""
        return f"unknown key {loc[-1]!r} — {fix}{listed}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        if loc == ():
            return (
                f"the file holds {_shown(value)}, not a mapping — it needs keys at the top "
                "level, at least bots: (see the example bots.yaml)"
            )
        if len(loc) == 2 and loc[0] == "bots":
            return (
                f"each bot must be a mapping of keys, not {_shown(value)} — write it as "
                "'- id: main-office' with name, phone and role indented under it"
            )
        return f"{field} must be a mapping, not {_shown(value)} — {_hint(field)}"
    if kind == "list_type":
        return f"{field} must be a list, not {_shown(value)} — {_hint(field)}"
    if value is None and kind.endswith(("_type", "_parsing")):
        return f"{field} has no value — {_hint(field)}"
    if kind == "string_type":
        return f"{field} must be text, not {_shown(value)} — {_hint(field)}"
    if kind == "string_too_short":
        return f"{field} is empty — {_hint(field)}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"{field} must be a whole number, not {_shown(value)} — {_hint(field)}"
    if kind in {"float_type", "float_parsing", "finite_number"}:
        return f"{field} must be a number, not {_shown(value)} — {_hint(field)}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"{field} must be true or false, not {_shown(value)} — {_hint(field)}"
    if kind == "enum":
        return (
            f"{field} must be {ctx.get('expected', 'one of the allowed values')}, "
            f"not {_shown(value)} — {_hint(field)}"
        )
    if kind in _BOUNDS:
        words, key = _BOUNDS[kind]
        return f"{field} must be {words} {ctx.get(key)}, not {_shown(value)} — change the value"

    text = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if "first_index" in ctx and " — " in text and first_line is not None:
        what, fix = text.split(" — ", 1)
        text = f"{what} (first on line {first_line(int(ctx['first_index']))}) — {fix}"
    if " — " not in text:
        text = f"{field}: {text} — see the configuration reference in README.md"
    return text
