"""Errors a command raises to stop with one line on stderr and a chosen exit status."""

from __future__ import annotations

import click

EXIT_OK = 0
EXIT_FAILURE = 1  # the command ran and failed, or an unexpected error
EXIT_USAGE = 2  # bad command line or bad configuration
EXIT_INTERRUPTED = 130


class CommandError(click.ClickException):
    """A failure the operator can act on: printed as ``linda: <message>``.

    Write the message as ``what is wrong — how to fix it``. Exit status 1 unless given.
    """

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def one_line(text: str) -> str:
    """Text squeezed onto one line (tracebacks and multi-line messages never reach the screen)."""
    return " ".join(str(text).split())
