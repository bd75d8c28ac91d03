"""The `linda` command: global options, the console, subcommands and one-line errors.

Adding a subcommand: write it in its own module under ``linda_tui/cli/`` (import
neonize, textual and the fleet inside the function, not at module top: `linda --help`
and `linda config check` must stay light, and logging must be set up first), take
the configuration with ``@pass_runtime``, fail with ``CommandError``, then name it in
COMMANDS below. A subcommand's module is imported only when that command runs (or help
lists it): the console starts without any of them.
"""

from __future__ import annotations

import importlib
import logging
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from linda_tui import __version__
from linda_tui.cli.context import LindaContext, linda_command, with_global_options
from linda_tui.cli.errors import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    echo,
    one_line,
)
from linda_tui.config import DEFAULT_CONFIG_PATH, ConfigError, Runtime
from linda_tui.logsetup import configure_logging, current_log_file, redact
from linda_tui.startup import resume_gc

log = logging.getLogger(__name__)

FALLBACK_LOG_FILE = Path("logs") / "linda.log"
# The group's own options, with what follows each on the command line.
GLOBAL_OPTIONS = {"--demo": "", "--config": " PATH", "--data-dir": " PATH"}


def _say(line: str) -> None:
    """One line on stderr, control characters escaped (it may quote anything: a path, a
    phone number as typed, a server's reply)."""
    echo(one_line(line), err=True)


def _misplaced_global_option(exc: click.UsageError, where: str) -> str | None:
    """For `linda status --demo`: where the option goes, or None for any other mistake."""
    if not isinstance(exc, click.NoSuchOption) or exc.option_name not in GLOBAL_OPTIONS:
        return None
    first, _, command = where.partition(" ")
    if not command:  # the group itself: a real unknown option
        return None
    option = exc.option_name
    return (
        f"linda: {option} goes before the command: "
        f"{first} {option}{GLOBAL_OPTIONS[option]} {command}"
    )


def _missing_command(exc: click.UsageError) -> str | None:
    """The one line for a command group run without its command (`linda contacts`):
    click's error would be the group's whole help."""
    ctx = exc.ctx
    if ctx is None or not isinstance(ctx.command, click.Group):
        return None
    if not isinstance(exc, getattr(click.exceptions, "NoArgsIsHelpError", ())):
        return None
    group = ctx.command
    names = [
        name
        for name in group.list_commands(ctx)
        if (command := group.get_command(ctx, name)) is not None and not command.hidden
    ]
    where = ctx.command_path
    return f"{where}: missing command ({', '.join(names)}) — try '{where} --help'"


def _log_unexpected(exc: BaseException) -> Path | None:
    """Write the traceback to the log file (starting a fallback log if needed)."""
    log_file = current_log_file()
    if log_file is None:
        try:
            log_file = configure_logging(FALLBACK_LOG_FILE)
        except OSError:
            return None
    log.error("unexpected error", exc_info=exc)
    return log_file


def run_guarded(invoke: Callable[[], Any]) -> int:
    """Run the command line and turn every outcome into an exit status.

    Problems are printed to stderr one line each: usage errors and configuration
    errors exit 2, a CommandError with its own status, anything unexpected exits 1
    with its traceback in the log file, never on screen.
    """
    try:
        result = invoke()
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "linda"
        missing = _missing_command(exc)
        if missing is not None:
            _say(missing)
            return EXIT_USAGE
        message = one_line(exc.format_message()).rstrip(".")
        misplaced = _misplaced_global_option(exc, where)
        if misplaced is not None:
            _say(misplaced)
            return EXIT_USAGE
        if isinstance(exc, click.NoSuchOption) and where.endswith(" send"):
            # `linda send --to N "-5% off"`: the text looks like an option.
            options = exc.ctx.find_object(LindaContext) if exc.ctx else None
            example = ("send", "--to", "+971501234567", "--", "-5% off today")
            _say(
                f"linda: {message} — a message that starts with '-' goes after '--', e.g. "
                + (options.command(*example) if options else shlex.join(["linda", *example]))
            )
            return EXIT_USAGE
        _say(f"linda: {message} — try '{where} --help'")
        return EXIT_USAGE
    except click.ClickException as exc:
        _say(f"linda: {exc.format_message()}")
        return exc.exit_code
    except click.Abort:
        _say("linda: interrupted")
        return EXIT_INTERRUPTED
    except ConfigError as exc:
        for problem in exc.problems:
            _say(problem)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`linda config check | head`): say nothing more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILURE
    except Exception as exc:
        log_file = _log_unexpected(exc)
        where = f"details in {log_file}" if log_file else "no log file could be written"
        reason = one_line(redact(f"{type(exc).__name__}: {exc}"))[:200]
        _say(f"linda: unexpected error ({reason}) — {where}; please report it")
        return EXIT_FAILURE
    return result if isinstance(result, int) and not isinstance(result, bool) else EXIT_OK


class LindaGroup(click.Group):
    """A click group whose standalone run prints one line per problem (see run_guarded),
    and whose subcommands (COMMANDS) are imported when first asked for, every command
    an error names carrying this run's global options."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in COMMANDS:
            module, _, name = COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), name)
            self.add_command(command, cmd_name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CommandError as exc:
            # Whatever raised it (a command, the core's advice, the host's reply), the
            # commands it names keep --demo / --data-dir / --config.
            if not isinstance(ctx.obj, LindaContext):
                raise
            advised = with_global_options(exc.message, ctx.obj)
            if advised == exc.message:
                raise
            raise CommandError(advised, exit_code=exc.exit_code) from None

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        status = run_guarded(
            lambda: super(LindaGroup, self).main(
                args, prog_name or "linda", complete_var, standalone_mode=False, **extra
            )
        )
        sys.exit(status)


def has_terminal() -> bool:
    """Whether the console can draw: stdin and stdout are a terminal."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def open_console(runtime: Runtime) -> int | None:
    """Open the full-screen console on this runtime (what plain `linda` does).

    Returns the console's exit status. Ends with status 1 and one line when this
    build has no console.
    """
    try:
        from linda_tui.tui.app import run_console
    except ImportError as exc:
        # Only a missing console is expected; a broken import inside it is a bug to report.
        if exc.name not in {"linda_tui.tui", "linda_tui.tui.app"}:
            raise
        log.warning("console unavailable: %s", exc)
        raise CommandError(
            "the console is not part of this build yet — "
            f"`{linda_command('config', 'check')}` validates your configuration meanwhile"
        ) from None
    if not has_terminal():
        # Drawn into a pipe or a file, the console would be a stream of escape codes.
        raise CommandError(
            "the console needs a terminal (stdin and stdout) — run linda in one, or use "
            "`linda status`, `linda send` or `linda serve` from scripts",
            exit_code=EXIT_USAGE,
        )
    runtime.prepare_folders()
    # The console's first frame ends start-up (see linda_tui.startup).
    return run_console(runtime, on_first_frame=resume_gc, advise=with_global_options)


@click.group(
    cls=LindaGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_CONFIG_PATH,
    show_default=True,
    help="The fleet file (ignored with --demo).",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the store, sessions and logs [default: LINDA_DATA_DIR or the current "
    "folder; ./.linda-demo with --demo].",
)
@click.option("--demo", is_flag=True, help="Run a built-in fleet of three simulated bots.")
@click.version_option(__version__, "--version", prog_name="linda", message="%(prog)s %(version)s")
@click.pass_context
def linda(ctx: click.Context, config_path: Path, data_dir: Path | None, demo: bool) -> int | None:
    """Linda: run a fleet of WhatsApp accounts from one terminal console.

    With no command, opens the console. Configuration: bots.yaml plus LINDA_*
    environment variables or a .env file (see README.md).
    """
    ctx.obj = LindaContext(config_path=config_path, data_dir=data_dir, demo=demo)
    if ctx.invoked_subcommand is None:
        return open_console(ctx.obj.runtime())  # resumes the collector once on screen
    resume_gc()  # a command: start-up is over (see linda_tui.startup)
    return None


# The subcommands: each name and where its command is ("module:attribute"). A module
# is imported when one of its commands runs, or when help lists them all.
COMMANDS: dict[str, str] = {
    "config": "linda_tui.cli.config_cmd:config",
    "status": "linda_tui.cli.fleet_cmds:status_cmd",
    "send": "linda_tui.cli.fleet_cmds:send_cmd",
    "pair": "linda_tui.cli.fleet_cmds:pair_cmd",
    "logout": "linda_tui.cli.fleet_cmds:logout_cmd",
    "broadcast": "linda_tui.cli.broadcast_cmd:broadcast",
    "sync": "linda_tui.cli.contacts_cmd:sync_cmd",
    "contacts": "linda_tui.cli.contacts_cmd:contacts",
    "google": "linda_tui.cli.contacts_cmd:google",
    "serve": "linda_tui.cli.serve_cmd:serve_cmd",
    "doctor": "linda_tui.cli.doctor_cmd:doctor_cmd",
}


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the `linda` console script: runs the command line and exits."""
    linda.main(args=list(argv) if argv is not None else None, prog_name="linda")
    raise AssertionError("unreachable: LindaGroup.main always exits")  # pragma: no cover
