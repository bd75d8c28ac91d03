"""The `linda` command line. ``main`` runs it (the `linda` executable is
``linda_tui.startup.main``, which calls it)."""

from linda_tui.cli.root import linda, main, open_console

__all__ = ["linda", "main", "open_console"]
