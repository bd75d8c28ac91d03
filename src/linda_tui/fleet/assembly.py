"""Deprecated names for the composition root (``linda_tui.services``), kept while the
console and the commands move over to it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from linda_tui.services import DEMO_PRE_PAIRED, Services

if TYPE_CHECKING:
    from linda_tui.clock import Clock
    from linda_tui.config.models import FleetConfig
    from linda_tui.config.runtime import Runtime
    from linda_tui.fleet.lock import InstanceLock

FleetSetup = Services
build_fleet = Services.build


def build_runtime_fleet(
    runtime: Runtime,
    *,
    config: FleetConfig | None = None,
    clock: Clock | None = None,
    lock: InstanceLock | None = None,
) -> Services:
    """Services for one run (see ``Services.for_runtime``)."""
    services = Services.build(
        config or runtime.fleet,
        store_url=runtime.store_url,
        sessions_dir=runtime.sessions_dir,
        data_dir=runtime.data_dir,
        demo=runtime.demo,
        timezone=runtime.timezone,
        clock=clock,
        lock=lock,
    )
    services.runtime = runtime
    return services


@contextlib.contextmanager
def native_output_to_log(runtime: Runtime) -> Iterator[None]:
    """See ``Services.native_output``."""
    if runtime.demo:
        yield
        return
    from linda_tui.whatsapp.stdio_redirect import redirect_native_stdio

    with redirect_native_stdio(runtime.log_file):
        yield


__all__ = ["DEMO_PRE_PAIRED", "FleetSetup", "build_fleet", "build_runtime_fleet"]
