"""msgspec against Linda's own code, measured before deciding whether to adopt it.

    uv run --with msgspec python benchmarks/wire_msgspec.py [--seconds 3] [--rounds 5]

msgspec is not a dependency: ``--with`` lends it to this run only.

1. The socket protocol's events: real events captured from a 50-bot simulated fleet
   streaming sends, receipts and replies (status changes, messages recorded, account
   events), each encoded to one protocol line and decoded back, as the host and an
   attached client do:
   - Linda: ``protocol.encode({"event": to_wire(e)})`` then ``from_wire(decode(line))``;
   - msgspec as the JSON layer only: the same ``to_wire``/``from_wire`` (same wire
     format), with ``msgspec.json`` for the bytes instead of ``json``;
   - msgspec alone (an upper bound, not a replacement): ``msgspec.json.encode(e)``
     and ``decode(line, type=type(e))`` with the concrete class known in advance. It
     cannot carry the protocol: a field typed by a base class (``AccountEventForwarded.
     event: AccountEvent``) comes back as the base class, since msgspec tags unions
     of Structs only, not of dataclasses.
2. Configuration: a 50-bot bots.yaml read and validated (``parse_fleet``), against the
   YAML parse alone and against ``msgspec.convert`` of the same data to the same
   dataclasses (which calls their ``__post_init__``, i.e. Linda's checks as well:
   msgspec would replace the coercions, never the phone, role or schedule rules).
3. What one error looks like from each.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet import recipients  # noqa: E402  (benchmarks/fleet.py)
from host import build_services  # noqa: E402  (benchmarks/host.py)


async def capture(seconds: float, bots: int = 50) -> list[Any]:
    """Events from a simulated fleet streaming traffic, as the host's stream has them."""

    with tempfile.TemporaryDirectory(prefix="linda-bench-") as tmp:
        folder = Path(tmp)
        services: Any = build_services(folder, bots, speed=20.0, reply_rate=0.3)
        seen: list[Any] = []
        services.subscribe(seen.append)
        await services.open()
        fleet = services.fleet
        numbers = recipients(2000)
        end = time.monotonic() + seconds
        k = 0
        while time.monotonic() < end:
            bot = fleet.bot_ids[k % bots]
            try:
                await fleet.send(numbers[k % len(numbers)], f"Offer {k} for you", bot=bot)
            except Exception:
                pass
            k += 1
            await asyncio.sleep(0.002)
        await services.close()
    return seen


def best_of(rounds: int, run: Any) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def events_bench(events: list[Any], rounds: int) -> None:
    import msgspec

    from linda_tui.host import protocol
    from linda_tui.host.codec import from_wire, to_wire

    enc, dec = msgspec.json.Encoder(), msgspec.json.Decoder()

    def linda() -> None:
        for e in events:
            line = protocol.encode({"event": to_wire(e)})
            from_wire(protocol.decode(line)["event"])

    def msgspec_bytes() -> None:
        for e in events:
            line = enc.encode({"event": to_wire(e)}) + b"\n"
            from_wire(dec.decode(line)["event"])

    typed = {t: msgspec.json.Decoder(t) for t in {type(e) for e in events}}

    def msgspec_native() -> None:
        for e in events:
            line = enc.encode(e) + b"\n"
            typed[type(e)].decode(line)

    # Same results first: the JSON layer swap must not change what a client gets.
    for e in events:
        assert from_wire(dec.decode(enc.encode({"event": to_wire(e)}))["event"]) == e
    lost = 0
    for e in events:
        back = typed[type(e)].decode(enc.encode(e))
        lost += back != e
    kinds: dict[str, int] = {}
    for e in events:
        kinds[type(e).__name__] = kinds.get(type(e).__name__, 0) + 1
    print(f"Events: {len(events):,} captured ({', '.join(f'{k} {v}' for k, v in kinds.items())})")
    base = best_of(rounds, linda)
    for label, run in (
        ("Linda (json + codec)", linda),
        ("msgspec.json + codec", msgspec_bytes),
        ("msgspec alone*", msgspec_native),
    ):
        took = base if run is linda else best_of(rounds, run)
        print(
            f"  {label:<22} {len(events) / took:>10,.0f} events/s encode+decode  "
            f"({took / len(events) * 1e6:.1f} µs each, {base / took:.2f}x Linda)"
        )
    print(f"  * decoded to a different value for {lost} of {len(events)} events")


def config_bench(rounds: int) -> None:
    import msgspec
    import yaml

    from linda_tui.config.loader import parse_fleet
    from linda_tui.config.models import FleetConfig
    from linda_tui.config.validation import build

    lines = ["default_region: AE", "bots:"]
    for i in range(50):
        lines += [
            f"  - id: bot-{i:02d}",
            f"    name: Bot {i}",
            f'    phone: "+9715012300{i:02d}"',
            f"    role: {'primary' if i == 0 else 'secondary'}",
        ]
    text = "\n".join(lines) + "\n"
    data = yaml.safe_load(text)
    n = 50
    linda = best_of(rounds, lambda: [parse_fleet(text) for _ in range(n)]) / n
    yaml_only = best_of(rounds, lambda: [yaml.safe_load(text) for _ in range(n)]) / n
    ours = best_of(rounds, lambda: [build(FleetConfig, data) for _ in range(n)]) / n
    try:
        convert = (
            best_of(
                rounds,
                lambda: [msgspec.convert(data, FleetConfig, strict=False) for _ in range(n)],
            )
            / n
        )
        converted = f"{convert * 1000:.2f} ms (validation only, on the parsed data)"
    except Exception as exc:  # what msgspec makes of the config classes
        converted = f"fails: {type(exc).__name__}: {str(exc)[:120]}"
    print("Configuration, a 50-bot bots.yaml (best of rounds):")
    print(f"  Linda parse_fleet (YAML with lines + validation): {linda * 1000:.2f} ms")
    print(f"  a plain yaml.safe_load of the same text:          {yaml_only * 1000:.2f} ms")
    print(f"  Linda's validator alone (build, on parsed data):  {ours * 1000:.2f} ms")
    print(f"  msgspec.convert to FleetConfig:                   {converted}")

    bad = {
        "pacing": {"per_minute": "lots"},
        "bots": [{"id": "b1", "name": "B", "phone": "+971501234567"}],
    }
    try:
        msgspec.convert(bad, FleetConfig, strict=False)
    except Exception as exc:
        print(f"  msgspec's error for per_minute: lots  -> {exc}")
    try:
        parse_fleet(
            "pacing:\n  per_minute: lots\nbots:\n  - id: b1\n    name: B\n"
            "    phone: '+971501234567'\n"
        )
    except Exception as exc:
        print(f"  Linda's error for per_minute: lots    -> {exc}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="traffic captured")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    try:
        import msgspec  # noqa: F401
    except ImportError:
        raise SystemExit(
            "msgspec is not installed — run: uv run --with msgspec python benchmarks/wire_msgspec.py"
        ) from None
    events = asyncio.run(capture(args.seconds))
    events_bench(events, args.rounds)
    config_bench(args.rounds)


if __name__ == "__main__":
    main()
