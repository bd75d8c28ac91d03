"""Contacts pane benchmark: keystroke-to-results in the console at 100,000 contacts.

The real console (headless, 120x40) on the demo fleet, with 100,000 generated contacts
in its SQLite store (the address book of benchmarks/search.py). In the Contacts pane,
typical queries are typed one key at a time, as an operator does. Each sample is the
time from the key event to the end of the first screen refresh that shows the results
for the text typed so far (a search per keystroke when the operator types slower than a
search takes). Keys arrive at an operator's pace: 60 ms apart, or as soon as the
results are shown, whichever is later.

Baseline, in the same run: the same keys typed into the pane's search field with the
search switched off (what Textual costs for a key and a refresh), so that the ratio
says what the search and its results table add. Target: p95 under 50 ms.

    uv run python benchmarks/contacts_pane.py [--contacts 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from search import make_contacts, percentile, typical_queries  # noqa: E402

SIZE = (120, 40)
PACE = 0.06  # seconds between two keys at least: a fast typist


async def fill_store(url: str, contacts: list[Any]) -> None:
    from linda_tui.store import open_store

    store = open_store(url)
    await store.open()
    try:
        for start in range(0, len(contacts), 5000):
            await store.upsert_contacts(contacts[start : start + 5000])
    finally:
        await store.close()


def build_console(folder: Path) -> Any:
    from linda_tui.clock import SystemClock
    from linda_tui.config.demo import demo_fleet
    from linda_tui.services import DEMO_PRE_PAIRED, Services
    from linda_tui.store.urls import SQLITE_PREFIX
    from linda_tui.tui.app import create_app
    from linda_tui.whatsapp.simulated import SimulatedNetwork

    clock = SystemClock()
    network = SimulatedNetwork(
        folder / "demo",
        seed=1,
        speed=50.0,
        paired=DEMO_PRE_PAIRED,
        disconnect_rate=0,
        reply_rate=0,
        latency=False,
        clock=clock,
    )
    services = Services.build(
        demo_fleet(),
        store_url=SQLITE_PREFIX + str((folder / "linda.db").absolute()),
        sessions_dir=folder / "sessions",
        data_dir=folder / "demo",
        demo=True,
        clock=clock,
        network=network,
    )
    return create_app(services, clock=clock, demo=True, cursor_blink=False)


async def type_queries(folder: Path, queries: list[str], *, searching: bool) -> list[float]:
    """Milliseconds from each key to the refresh that shows its results."""
    from textual import events

    from linda_tui.tui.screens.contacts import ContactsScreen

    app = build_console(folder)
    samples: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        while not isinstance(app.screen, ContactsScreen):
            await pilot.pause(0.01)
        screen = app.screen
        directory = app.services.contact_directory()
        await directory.wait_ready()  # the index is in memory, as after a console's start-up
        while screen._query != "":  # everyone in name order is on show
            await pilot.pause(0.01)
        shown: list[asyncio.Future[float]] = []
        original = screen._show_results

        def show_results(query: str, rows: Any, more: bool) -> None:
            original(query, rows, more)
            if shown and not shown[0].done() and query == screen._wanted:
                waiting = shown[0]
                app.call_after_refresh(
                    lambda: waiting.done() or waiting.set_result(time.perf_counter())
                )

        screen._show_results = show_results
        if not searching:
            # The baseline: the field takes the key and the screen refreshes; no search.
            screen._ask = lambda query, **_: None
        loop = asyncio.get_running_loop()
        for query in queries:
            for typed in range(1, len(query) + 1):
                char = query[typed - 1]
                shown[:] = [loop.create_future()]
                start = time.perf_counter()
                app.post_message(events.Key(char if char != " " else "space", char))
                if searching:
                    end = await asyncio.wait_for(shown[0], timeout=10)
                else:
                    drawn = shown[0]
                    app.call_after_refresh(
                        lambda drawn=drawn: drawn.done() or drawn.set_result(time.perf_counter())
                    )
                    end = await asyncio.wait_for(drawn, timeout=10)
                samples.append((end - start) * 1000)
                await asyncio.sleep(max(0.0, PACE - (time.perf_counter() - start)))
            await pilot.press("ctrl+u")  # clear the field for the next query
            await pilot.pause(0.2)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    generated = make_contacts(args.contacts, args.seed)
    queries = [q for _, q in typical_queries(generated, args.seed)][:24]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        asyncio.run(
            fill_store(
                "sqlite:///" + str((folder / "linda.db").absolute()),
                [c for c, _ in generated],
            )
        )
        print(f"{args.contacts:,} contacts stored in {time.perf_counter() - start:.1f} s")
        baseline = asyncio.run(type_queries(folder, queries, searching=False))
        linda = asyncio.run(type_queries(folder, queries, searching=True))

    def figures(samples: list[float]) -> str:
        return (
            f"p50 {statistics.median(samples):.1f} ms, p95 {percentile(samples, 95):.1f} ms, "
            f"max {max(samples):.1f} ms ({len(samples)} keys)"
        )

    print(f"baseline (keys into the field, no search): {figures(baseline)}")
    print(f"Contacts pane, key to results on screen:  {figures(linda)}")
    p95 = percentile(linda, 95)
    print(
        f"p95 {p95:.1f} ms, {p95 / percentile(baseline, 95):.1f}x the baseline's p95; "
        f"target p95 < 50 ms: {'met' if p95 < 50 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
