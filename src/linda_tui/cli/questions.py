"""Questions a command asks on the terminal, and what the end of stdin means for them.

Stdin at its end (Ctrl-D, an empty pipe, `< /dev/null`) is an answer, not an
interruption: a question for text got none (``ask`` returns None, the command says what
was missing), a yes/no question got "no". Only Ctrl-C interrupts (exit status 130).
click's own prompt turns both into the same ``Abort``, so questions go through here.
"""

from __future__ import annotations

import click

from linda_tui.terminal_text import visible


def _answer(text: str) -> str | None:
    """One line typed after ``text`` (asked on stderr), stripped; None at the end of
    stdin. Ctrl-C raises KeyboardInterrupt (click makes it "interrupted", 130)."""
    click.echo(f"{visible(text)}: ", err=True, nl=False)
    try:
        return input().strip()
    except EOFError:
        click.echo(err=True)  # what the command says next starts on its own line
        return None


def ask(text: str) -> str | None:
    """The first non-blank line typed after ``text``; None at the end of stdin."""
    while True:
        answer = _answer(text)
        if answer is None or answer:
            return answer


def confirm(question: str) -> bool:
    """Whether the operator answered yes to ``question`` [y/N]: an empty line and the
    end of stdin are no; anything else but y/yes/n/no is asked again."""
    while True:
        answer = _answer(f"{question} [y/N]")
        if answer is None or answer.lower() in ("", "n", "no"):
            return False
        if answer.lower() in ("y", "yes"):
            return True
        click.echo("Answer y or n.", err=True)
