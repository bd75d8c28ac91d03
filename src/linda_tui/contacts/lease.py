"""Holding a lease in the store while doing work only one process may do at a time.

The console and a `linda sync` run on the same data must never sync at once. The one
that starts takes the lease (holder id + expiry), renews it while it works, and
releases it at the end. A holder that died without releasing is passed over once its
lease expires, or at once when it ran on this machine and its process is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

from linda_tui.clock import Clock
from linda_tui.models import Lease
from linda_tui.store.base import Store, StoreError

log = logging.getLogger(__name__)

_HOLDER = re.compile(r"\(pid (\d+) on ([^)\s]+)\)")


class LeaseBusy(Exception):
    """Someone else holds the lease; ``lease`` says who and until when."""

    def __init__(self, lease: Lease) -> None:
        super().__init__(lease.holder)
        self.lease = lease


class LeaseLost(Exception):
    """The lease was taken over while the work ran (the renewals stopped getting through)."""


def make_holder(label: str) -> str:
    """A holder id that says who holds it and is unique: "linda sync (pid 42 on host) #a1b2c3"."""
    return f"{label} (pid {os.getpid()} on {socket.gethostname()}) #{secrets.token_hex(3)}"


def holder_label(holder: str) -> str:
    """A holder id as an operator reads it: without its random suffix."""
    return holder.rsplit(" #", 1)[0]


def holder_is_gone(holder: str) -> bool:
    """True when the holder ran on this machine and its process no longer exists."""
    match = _HOLDER.search(holder)
    if match is None or match.group(2) != socket.gethostname():
        return False
    pid = int(match.group(1))
    if pid == os.getpid():
        return False  # another holder in this very process: alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # exists, owned by someone else
    return False


class HeldLease:
    """A lease being held: ``check()`` before each step that must not run unguarded."""

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        self.lost = False

    def check(self) -> None:
        if self.lost:
            raise LeaseLost(self.lease.name)


@contextlib.asynccontextmanager
async def hold_lease(
    store: Store,
    name: str,
    holder: str,
    clock: Clock,
    *,
    ttl: float = 60.0,
    wait: float = 0.0,
    poll: float = 0.5,
) -> AsyncIterator[HeldLease]:
    """Take the lease (waiting up to ``wait`` seconds for it), keep renewing it every
    ttl/3 while the body runs, release it afterwards. Raises LeaseBusy."""
    duration = timedelta(seconds=ttl)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait  # waiting is real time, whatever clock stamps the lease
    take_over: str | None = None
    while True:
        lease = await store.acquire_lease(name, holder, duration, clock.now(), take_over=take_over)
        if lease.holder == holder:
            break
        if holder_is_gone(lease.holder) and take_over != lease.holder:
            log.warning("lease %s: %s is gone; taking it over", name, lease.holder)
            take_over = lease.holder
            continue
        if loop.time() >= deadline:
            raise LeaseBusy(lease)
        await asyncio.sleep(min(poll, deadline - loop.time()))
    held = HeldLease(lease)
    renewing = asyncio.create_task(
        _renew(store, held, holder, duration, clock), name=f"lease {name}"
    )
    try:
        yield held
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
        try:
            await store.release_lease(name, holder)
        except StoreError as exc:  # it expires on its own
            log.warning("lease %s: could not release it: %s", name, exc)


async def _renew(
    store: Store, held: HeldLease, holder: str, duration: timedelta, clock: Clock
) -> None:
    interval = duration.total_seconds() / 3
    while True:
        await asyncio.sleep(interval)
        try:
            renewed = await store.renew_lease(held.lease.name, holder, duration, clock.now())
        except StoreError as exc:
            log.warning("lease %s: renewal failed: %s", held.lease.name, exc)
            continue  # try again; the lease lasts three intervals
        if renewed is None:
            log.error("lease %s: taken over by someone else", held.lease.name)
            held.lost = True
            return
        held.lease = renewed
