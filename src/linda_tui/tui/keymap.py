"""The console's keys as bots.yaml may remap them (``keys:``, binding id -> keys).

Every binding of the console has an id (``linda.quit``, ``linda.dashboard.pair``...);
``binding_ids`` finds them all, for `linda config check` to name an id that does not
exist (Textual's own keymap ignores such ids silently).
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import unicodedata

from textual.binding import Binding


def _console_classes() -> list[type]:
    """Every class of the console's modules that has bindings (the app, its screens and
    widgets). Imports every console module: for `linda config check`, and for a console
    whose bots.yaml remaps keys (not for everyone's start-up)."""
    import linda_tui.tui as package

    classes: list[type] = []
    for module_info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and getattr(value, "BINDINGS", None)
            ):
                classes.append(value)
    return classes


def _bindings(cls: type) -> list[Binding]:
    """A class's bindings as Textual merges them: its own with those it inherits, a
    subclass's binding replacing an inherited one for the same key (the command palette's
    key included, for the app)."""
    merged: dict[str, Binding] = {}
    for klass in reversed(cls.__mro__):
        for binding in vars(klass).get("BINDINGS", ()):
            if isinstance(binding, Binding):
                for key in binding.key.split(","):
                    merged[_key_name(key)] = binding
    palette = getattr(cls, "COMMAND_PALETTE_BINDING", None)
    if palette and getattr(cls, "ENABLE_COMMAND_PALETTE", False):
        merged.setdefault(palette, Binding(palette, "command_palette", "palette"))
    unique: list[Binding] = []
    for binding in merged.values():
        if not any(binding is known for known in unique):
            unique.append(binding)
    return unique


def binding_ids() -> dict[str, str]:
    """Every binding id of the console -> its description ("Pair", "Quit"...)."""
    found: dict[str, str] = {}
    for cls in _console_classes():
        for binding in _bindings(cls):
            if binding.id:
                found.setdefault(binding.id, binding.description or binding.action)
    return found


def _key_name(key: str) -> str:
    """One key as Textual names it: a character other than a letter or digit by its
    Unicode name (``?`` is question_mark), so that both spellings compare equal."""
    *modifiers, name = key.split("+")
    if len(name) == 1 and not name.isalnum():
        name = unicodedata.name(name, name).lower().replace(" ", "_").replace("-", "_")
    return "+".join([*modifiers, name])


def clashing_keys(keymap: dict[str, str]) -> list[str]:
    """One line per key bots.yaml's keys: gives to a binding while another one uses it
    where both apply (the same pane or widget, or everywhere for the app's own keys):
    the other would win, or the remapped one could never be reached."""
    from textual.screen import ModalScreen

    from linda_tui.tui.app import LindaApp

    def keys_of(binding: Binding) -> list[str]:
        keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
        return [_key_name(key) for key in keys.split(",") if key]

    def name(binding: Binding) -> str:
        return binding.id or f"Textual's {binding.action}"

    app_keys: dict[str, Binding] = {}
    for binding in _bindings(LindaApp):
        for key in keys_of(binding):
            app_keys.setdefault(key, binding)
    problems: list[str] = []
    seen: set[tuple[str, str, str]] = set()

    def clash(first: Binding, second: Binding, key: str, where: str) -> None:
        if first is second or first.action == second.action:
            return  # the same binding listed twice, or two keys for one action
        if first.id not in keymap and second.id not in keymap:
            return  # the console's own keys: designed together
        pair = tuple(sorted((name(first), name(second))))
        if (pair[0], pair[1], key) in seen:
            return
        seen.add((pair[0], pair[1], key))
        problems.append(
            f"bots.yaml keys: {pair[0]} and {pair[1]} both use {key}{where} — "
            "give one of them another key"
        )

    for cls in [LindaApp, *(c for c in _console_classes() if c is not LindaApp)]:
        own: dict[str, Binding] = {}
        for binding in _bindings(cls):
            for key in keys_of(binding):
                other = own.setdefault(key, binding)
                clash(other, binding, key, "")
                # A dialog's own keys may shadow the app's while it is open.
                if (
                    cls is not LindaApp
                    and not issubclass(cls, ModalScreen)
                    and key in app_keys
                    and binding not in _bindings(LindaApp)
                ):
                    clash(app_keys[key], binding, key, f" (in {cls.__name__})")
    return problems


def unknown_bindings(keymap: dict[str, str]) -> list[str]:
    """One line per id of keymap the console does not have, with the nearest real one."""
    known = binding_ids()
    problems = []
    for binding in keymap:
        if binding in known:
            continue
        close = difflib.get_close_matches(binding, sorted(known), n=1)
        hint = f"did you mean {close[0]}?" if close else "the console's ? help lists the ids"
        problems.append(f"bots.yaml keys: no key of the console is called {binding!r} — {hint}")
    return problems
