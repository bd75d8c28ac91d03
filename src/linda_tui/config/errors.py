"""The one error type configuration loading raises."""

from __future__ import annotations

from collections.abc import Iterable


class ConfigError(Exception):
    """The configuration cannot be used.

    ``problems`` holds one line per problem, each in the form
    ``bots.yaml:LINE: what is wrong — how to fix it`` (or ``.env:LINE: ...`` /
    ``$LINDA_X: ...`` for settings), ready to print as they are.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems) or ["configuration error — see README.md"]
        super().__init__("\n".join(self.problems))
