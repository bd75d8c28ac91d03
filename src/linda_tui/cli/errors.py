"""How a command writes to the terminal: its output, one-line errors and exit statuses.

Everything a command prints goes through ``echo`` (or ``one_line`` for an error):
whatever outside text it carries (bot names, paths, phone numbers as typed, a server's
error) reaches the terminal with its control characters escaped, never as instructions
to the terminal (see ``linda_tui.terminal_text``).
"""

from __future__ import annotations

import click

from linda_tui.terminal_text import visible

EXIT_OK = 0
EXIT_FAILURE = 1  # the command ran and failed, or an unexpected error
EXIT_USAGE = 2  # bad command line or bad configuration (a bad phone number, an unknown bot)
EXIT_PRIMARY_DOWN = 3  # `linda status`: the primary bot is not online (other bots are)
EXIT_NONE_ONLINE = 4  # `linda status`: no bot is online
# `linda send`: WhatsApp got the message but never confirmed it — it may have arrived;
# a script must not simply send it again.
EXIT_UNCERTAIN = 5
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM: `broadcast run` stopped by the system


class CommandError(click.ClickException):
    """A failure the operator can act on: printed as ``linda: <message>``.

    Write the message as ``what is wrong — how to fix it``. Exit status 1 unless given.
    """

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click's is a class default


class UsageError(CommandError):
    """Bad input on the command line (a phone number, a bot id...): exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=EXIT_USAGE)


def one_line(text: str) -> str:
    """Text squeezed onto one line, control characters escaped: what an error prints
    (tracebacks and multi-line messages never reach the screen)."""
    return visible(" ".join(str(text).split()))


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print a command's output (or, with ``err``, a message on stderr), control
    characters in it escaped; newlines and tabs stay."""
    click.echo(visible(text, keep_lines=True), err=err, nl=nl)
