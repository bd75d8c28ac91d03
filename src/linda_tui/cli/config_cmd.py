"""`linda config check`: validate the configuration and show what Linda will run with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from linda_tui.cli.context import pass_runtime
from linda_tui.cli.errors import echo
from linda_tui.config import ConfigError, Runtime
from linda_tui.logsetup import redact
from linda_tui.terminal_text import visible

NOT_SET = "(not set)"


def _shown(value: object) -> str | None:
    """A setting as text with any secret in it masked; None stays None."""
    if value is None:
        return None
    return redact(str(value))


def resolved_settings(runtime: Runtime) -> dict[str, str | None]:
    """Every setting after resolution, secrets masked, in a fixed order."""
    s = runtime.settings
    return {
        "mode": "demo" if runtime.demo else "fleet",
        "config": _shown(runtime.config_path),
        "data_dir": _shown(runtime.data_dir),
        "store_url": _shown(runtime.store_url),
        "sessions_dir": _shown(runtime.sessions_dir),
        "log_file": _shown(runtime.log_file),
        "log_level": s.log_level,
        "timezone": s.timezone,
        "default_region": runtime.fleet.default_region,
        "google_credentials": _shown(s.google_credentials),
        "google_token": _shown(s.google_token),
        "google_subject": _shown(s.google_subject),
        "people_api_endpoint": _shown(s.people_api_endpoint),
    }


def fleet_rows(runtime: Runtime) -> list[dict[str, Any]]:
    """One row per bot: id, name, phone, role, enabled and its effective pacing."""
    fleet = runtime.fleet
    return [
        {
            "id": bot.id,
            "name": bot.name,
            "phone": bot.phone,
            "role": bot.role.value,
            "enabled": bot.enabled,
            "pacing": fleet.pacing_for(bot.id).as_dict(),
        }
        for bot in fleet.bots
    ]


def broadcast_lines(runtime: Runtime) -> list[str]:
    """bots.yaml's broadcasts: section as `config check` prints it (words escaped)."""
    rules = runtime.fleet.broadcasts
    quiet = f"{rules.quiet_hours} ({runtime.settings.timezone})" if rules.quiet_hours else "off"
    warm_up = (
        ", ".join(
            f"day{'s' if '-' in s.days else ''} {s.days} {s.per_hour}/h {s.per_day}/day"
            for s in rules.warm_up
        )
        + ", then the pacing above"
        if rules.warm_up
        else "off"
    )
    own = ", ".join(visible(word) for word in rules.opt_out_words)
    if rules.opt_out_defaults:
        words = "Linda's list (STOP, توقف...)" + (f" and {own}" if own else "")
    else:
        words = f"only {own}"
    return [
        f"Broadcasts: quiet hours {quiet}",
        f"  warm-up after pairing: {warm_up}",
        f"  opt-out words: {words}",
    ]


def render_table(runtime: Runtime) -> str:
    """The human-readable report `config check` prints."""
    columns = ("id", "name", "phone", "role", "enabled")
    # Escaped before measuring, so that the columns line up as printed.
    rows = [
        [visible(str(row[c])) if c != "enabled" else ("yes" if row[c] else "no") for c in columns]
        for row in fleet_rows(runtime)
    ]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]

    pacing = runtime.fleet.pacing
    lines += [
        "",
        f"Pacing: {pacing.min_delay_seconds:g}-{pacing.max_delay_seconds:g} s between messages, "
        f"at most {pacing.per_minute}/min, {pacing.per_hour}/h, {pacing.per_day}/day per bot",
        *broadcast_lines(runtime),
        "",
        "Settings:",
    ]
    settings = resolved_settings(runtime)
    width = max(len(k) for k in settings)
    lines += [
        f"  {key.ljust(width)}  {visible(value) if value else NOT_SET}"
        for key, value in settings.items()
    ]
    fleet = runtime.fleet
    primary = fleet.primary.id if fleet.primary else "none"
    lines += [
        "",
        f"OK: {len(fleet.bots)} bots, {len(fleet.enabled_bots)} enabled, primary {primary}",
    ]
    return "\n".join(lines)


def render_json(runtime: Runtime) -> str:
    """The machine-readable report of `config check --json`."""
    fleet = runtime.fleet
    document = {
        "ok": True,
        "demo": runtime.demo,
        "config_path": _shown(runtime.config_path),
        "fleet": {
            "default_region": fleet.default_region,
            "primary": fleet.primary.id if fleet.primary else None,
            "pacing": fleet.pacing.as_dict(),
            "broadcasts": fleet.broadcasts.as_dict(),
            "bots": fleet_rows(runtime),
        },
        "settings": resolved_settings(runtime),
    }
    return json.dumps(document, indent=2, default=lambda v: str(v) if isinstance(v, Path) else v)


@click.group("config")
def config() -> None:
    """Check the configuration (bots.yaml and LINDA_* settings)."""


@config.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the resolved configuration as JSON.")
@pass_runtime
def check(runtime: Runtime, as_json: bool) -> None:
    """Validate bots.yaml and the settings, and print what Linda will run with.

    Exits with status 2 and one line per problem when something is wrong.
    """
    if runtime.fleet.keys:
        # The console's modules: only here.
        from linda_tui.tui.keymap import clashing_keys, unknown_bindings

        problems = unknown_bindings(runtime.fleet.keys) + clashing_keys(runtime.fleet.keys)
        if problems:
            raise ConfigError(problems)
    echo(render_json(runtime) if as_json else render_table(runtime))
