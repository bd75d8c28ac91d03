"""What every subcommand receives from the global options: the resolved Runtime.

A subcommand takes the Runtime with ``@pass_runtime`` (configuration errors then end
the command with one line per problem and exit status 2), or the LindaContext with
``@pass_linda`` when it wants to handle ConfigError itself (e.g. ``doctor``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import click

from linda_tui import __version__
from linda_tui.config import ConfigError, Runtime, load_runtime
from linda_tui.logsetup import configure_logging

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger(__name__)


@dataclass
class LindaContext:
    """The global options of one `linda` invocation (stored as click's ``ctx.obj``)."""

    config_path: Path
    data_dir: Path | None
    demo: bool
    _runtime: Runtime | None = field(default=None, repr=False)

    def runtime(self) -> Runtime:
        """The resolved configuration, loaded on first use; logging starts at the same time.

        Raises ConfigError (one line per problem), including when the log file cannot
        be opened.
        """
        if self._runtime is None:
            runtime = load_runtime(self.config_path, self.data_dir, self.demo)
            try:
                configure_logging(runtime.log_file, runtime.settings.log_level)
            except OSError as exc:
                raise ConfigError(
                    [
                        f"{runtime.log_file}: cannot write the log file ({exc.strerror}) — "
                        "set LINDA_LOG_FILE to a writable path"
                    ]
                ) from None
            log.info(
                "linda %s started: %s, data in %s",
                __version__,
                "demo fleet" if runtime.demo else f"fleet from {runtime.config_path}",
                runtime.data_dir,
            )
            self._runtime = runtime
        return self._runtime


def get_linda_context() -> LindaContext:
    """The LindaContext of the command being run."""
    obj = click.get_current_context().find_object(LindaContext)
    if obj is None:  # a command invoked outside the `linda` group
        raise RuntimeError("this command must run under the `linda` group")
    return obj


def pass_linda(f: Callable[Concatenate[LindaContext, P], R]) -> Callable[P, R]:
    """Decorator: call the command with the LindaContext as its first argument."""

    @functools.wraps(f)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return f(get_linda_context(), *args, **kwargs)

    return wrapper


def pass_runtime(f: Callable[Concatenate[Runtime, P], R]) -> Callable[P, R]:
    """Decorator: call the command with the resolved Runtime as its first argument."""

    @functools.wraps(f)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return f(get_linda_context().runtime(), *args, **kwargs)

    return wrapper


__all__ = ["LindaContext", "get_linda_context", "pass_linda", "pass_runtime"]
