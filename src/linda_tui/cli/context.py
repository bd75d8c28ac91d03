"""What every subcommand receives from the global options: the resolved Runtime.

A subcommand takes the Runtime with ``@pass_runtime`` (configuration errors then end
the command with one line per problem and exit status 2), or the LindaContext with
``@pass_linda`` when it wants to handle ConfigError itself (e.g. ``doctor``).
"""

from __future__ import annotations

import functools
import logging
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import click

from linda_tui import __version__
from linda_tui.config import DEFAULT_CONFIG_PATH, ConfigError, Runtime, load_runtime
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

    def command(self, *args: str) -> str:
        """The `linda` command line that runs args with this invocation's global options.

        Advice names commands this way (``linda --demo pair demo-sales``), so that
        following it reaches the same fleet instead of being refused.
        """
        words = ["linda"]
        if self.demo:
            words.append("--demo")
        elif self.config_path != Path(DEFAULT_CONFIG_PATH):
            words += ["--config", str(self.config_path)]
        if self.data_dir is not None:
            words += ["--data-dir", str(self.data_dir)]
        return shlex.join([*words, *args])

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


def linda_command(*args: str) -> str:
    """The `linda` command line for args, with the running command's global options."""
    return get_linda_context().command(*args)


# A command named in advice: `linda`, `linda status`, `linda pair demo-sales`.
_NAMED_COMMAND = re.compile(r"`linda((?: [^`]*)?)`")


def with_global_options(message: str, options: LindaContext | None = None) -> str:
    """message with every command it names (```linda status```, ```linda```) given this
    run's global options (```linda --demo status```), those of ``options`` when given
    (else the running command's): the core's advice names plain commands, and the CLI
    passes every error and piece of advice it prints through here, so that following it
    reaches the same fleet (README: advice keeps the global options)."""
    context = options if options is not None else get_linda_context()

    def complete(match: re.Match[str]) -> str:
        try:
            args = shlex.split(match.group(1))
        except ValueError:
            return match.group(0)
        if args and args[0].startswith("-"):  # already has its options
            return match.group(0)
        return f"`{context.command(*args)}`"

    return _NAMED_COMMAND.sub(complete, message)


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


__all__ = [
    "LindaContext",
    "get_linda_context",
    "linda_command",
    "pass_linda",
    "pass_runtime",
    "with_global_options",
]
