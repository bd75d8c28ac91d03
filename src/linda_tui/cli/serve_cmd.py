"""`linda serve`: run the fleet with no screen, as the host other terminals reach.

For a service manager (systemd) or a tmux pane: it logs to the log file, prints one
line when it is up (pid, socket, bots) and stops every bot cleanly on SIGTERM or SIGINT.
While it runs, `linda status`, `send`, `pair`, `logout` and consoles go through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal

import click

from linda_tui.cli.context import linda_command, pass_runtime
from linda_tui.cli.errors import CommandError
from linda_tui.config import Runtime
from linda_tui.plain_text import one_line

log = logging.getLogger("linda.serve")


@click.command("serve")
@pass_runtime
def serve_cmd(runtime: Runtime) -> None:
    """Run the fleet without a console until SIGTERM or ctrl+c (the host for others)."""
    from linda_tui.fleet.lock import AlreadyRunningError
    from linda_tui.host.server import HostServer
    from linda_tui.host.socket_path import SocketInTheWayError
    from linda_tui.services import Services
    from linda_tui.store.base import StoreError

    services = Services.for_runtime(runtime, broadcasts=True, contacts=True)
    host = HostServer(services, runtime.sessions_dir)
    services.add(host)
    services.lock.holder = f"`{linda_command('serve')}`"
    services.lock.hosts = True

    async def main() -> str:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        received: list[str] = []

        def on_signal(sig: signal.Signals) -> None:
            received.append(sig.name)
            stop.set()

        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, on_signal, sig)
        try:
            await services.open()
        except AlreadyRunningError as exc:
            raise CommandError(str(exc)) from None
        except (StoreError, SocketInTheWayError) as exc:
            raise CommandError(one_line(exc)) from None
        try:
            bots = ", ".join(services.fleet.bot_ids)
            click.echo(
                f"linda serve: pid {os.getpid()}, socket {host.path.path}, "
                f"{len(services.fleet.bot_ids)} bots ({bots})"
            )
            log.info("serving the fleet on %s", host.path.path)
            await stop.wait()
            log.info("%s received: stopping every bot", received[0] if received else "stop")
        finally:
            await services.close()
        return received[0] if received else "stop"

    with services.native_output():
        reason = asyncio.run(main())
    click.echo(f"linda serve: stopped ({reason}); every bot is offline")
