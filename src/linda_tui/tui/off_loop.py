"""Work the console must not do on its event loop: reading a 100,000-row CSV, checking
every number of it, planning a broadcast for each row.

``in_thread`` runs a function in a daemon thread and awaits its result: the loop keeps
drawing and taking keys meanwhile (Python hands the interpreter back and forth every few
milliseconds), and quitting never waits for it (asyncio.to_thread's executor is joined
when the loop closes, so a long read would hold the exit). ``OnLoop`` lets that thread
use an object of the loop's, the store: each call is run on the loop, where the store's
connection lives, and the thread awaits its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def in_thread(function: Callable[[], T], name: str = "linda-off-loop") -> T:
    """function() in a daemon thread; its result, or its exception, here."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if done.cancelled():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result, error = function(), None
        except BaseException as exc:  # handed to the awaiting task, raised there
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return await done


class OnLoop:
    """target's coroutine methods, callable from another thread's event loop: each call
    runs on loop (target's own) and is awaited from the caller's."""

    def __init__(self, target: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._target = target
        self._loop = loop

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._target, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            future = asyncio.run_coroutine_threadsafe(method(*args, **kwargs), self._loop)
            return await asyncio.wrap_future(future)

        return call
