"""The `linda` command line. ``main`` is the console-script entry point."""

from linda_tui.cli.root import linda, main, open_console

__all__ = ["linda", "main", "open_console"]
