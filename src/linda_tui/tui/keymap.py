"""The console's keys as bots.yaml may remap them (``keys:``, binding id -> keys).

Every binding of the console has an id (``linda.quit``, ``linda.dashboard.pair``...);
``binding_ids`` finds them all, for `linda config check` to name an id that does not
exist (Textual's own keymap ignores such ids silently).
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil

from textual.binding import Binding


def binding_ids() -> dict[str, str]:
    """Every binding id of the console -> its description ("Pair", "Quit"...). Imports
    every console module: for `linda config check`, not for the console's start-up."""
    import linda_tui.tui as package

    found: dict[str, str] = {}
    for module_info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if not isinstance(value, type) or value.__module__ != module.__name__:
                continue
            for binding in getattr(value, "BINDINGS", ()):
                if isinstance(binding, Binding) and binding.id:
                    found.setdefault(binding.id, binding.description or binding.action)
    return found


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
