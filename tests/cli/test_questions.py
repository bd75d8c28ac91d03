"""Questions on the terminal: the end of stdin is an answer (none / no), not Ctrl-C."""

from __future__ import annotations

import io

import pytest

from linda_tui.cli.questions import ask, confirm


@pytest.mark.parametrize(
    ("typed", "answer"),
    [("", False), ("\n", False), ("n\n", False), ("maybe\nyes\n", True), ("Y\n", True)],
)
def test_confirm_is_no_unless_yes_and_no_at_the_end_of_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], typed: str, answer: bool
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    assert confirm("Cancel campaign 7 for good?") is answer
    assert capsys.readouterr().err.startswith("Cancel campaign 7 for good? [y/N]: ")


def test_ask_skips_blank_lines_and_is_none_at_the_end_of_stdin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n  \n 4/0Abc \n"))
    assert ask("Address or code") == "4/0Abc"
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert ask("Address or code") is None
