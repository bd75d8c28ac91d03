"""bots.yaml's contacts: section, read strictly like the rest of the file."""

from __future__ import annotations

import pytest

from linda_tui.config.errors import ConfigError
from linda_tui.config.loader import parse_fleet
from linda_tui.config.models import ConfigValueError, ContactsConfig

BOTS = 'bots:\n  - id: main\n    name: Main\n    phone: "+971501234561"\n    role: primary\n'


def contacts(section: str) -> ContactsConfig:
    return parse_fleet(section + BOTS).contacts


def problems(section: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_fleet(section + BOTS)
    return caught.value.problems


def test_by_default_every_six_hours_and_nothing_created_in_google() -> None:
    config = contacts("")
    assert (config.create_from_whatsapp, config.interval_seconds, config.sync_cron) == (
        False,
        21600,
        None,
    )
    assert config.scheduled


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("6h", 21600),
        ("30m", 1800),
        ("1d", 86400),
        ("1h30m", 5400),
        ("2h 15m", 8100),
        ("300s", 300),
        ("1.5h", 5400),
    ],
)
def test_sync_every_takes_a_duration(written: str, seconds: int) -> None:
    assert contacts(f"contacts:\n  sync_every: {written}\n").interval_seconds == seconds


@pytest.mark.parametrize("off", ["off", "false", "no", "never", "OFF"])
def test_sync_every_off_means_only_on_demand(off: str) -> None:
    config = contacts(f"contacts:\n  sync_every: {off}\n")
    assert config.interval_seconds is None and not config.scheduled


def test_a_cron_expression_instead() -> None:
    config = contacts('contacts:\n  create_from_whatsapp: true\n  sync_cron: "0  */4 * * 1-5"\n')
    assert config.sync_cron == "0 */4 * * 1-5" and config.interval_seconds is None
    assert config.create_from_whatsapp and config.scheduled
    assert config.as_dict() == {
        "create_from_whatsapp": True,
        "sync_every": None,
        "sync_cron": "0 */4 * * 1-5",
    }


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            "contacts:\n  sync_every: 360\n",
            "bots.yaml:2: sync_every '360' has no unit — write e.g. 6h",
        ),
        ("contacts:\n  sync_every: 1:30\n", "bots.yaml:2: sync_every '1:30' is not a duration"),
        ("contacts:\n  sync_every: soon\n", "bots.yaml:2: sync_every 'soon' is not a duration"),
        ("contacts:\n  sync_every: 1m\n", "bots.yaml:2: sync_every '1m' is out of range"),
        ("contacts:\n  sync_every: 60d\n", "bots.yaml:2: sync_every '60d' is out of range"),
        (
            'contacts:\n  sync_cron: "0 */4 * *"\n',
            "bots.yaml:2: sync_cron '0 */4 * *' is not a cron expression",
        ),
        (
            'contacts:\n  sync_cron: "99 * * * *"\n',
            "bots.yaml:2: sync_cron '99 * * * *' is not a cron expression",
        ),
        (
            'contacts:\n  sync_every: 2h\n  sync_cron: "0 * * * *"\n',
            "bots.yaml:3: sync_every and sync_cron are both set",
        ),
        (
            "contacts:\n  create_from_whatsapp: maybe\n",
            "bots.yaml:2: create_from_whatsapp must be true or false",
        ),
        (
            "contacts:\n  sync_evry: 2h\n",
            "bots.yaml:2: unknown key 'sync_evry' — did you mean sync_every?",
        ),
        ("contacts: yes\n", "bots.yaml:1: contacts must be a mapping"),
        (
            "contacts:\n  sync_every: 2h\n  sync_every: 3h\n",
            "bots.yaml:3: key 'sync_every' is written twice",
        ),
    ],
)
def test_mistakes_are_one_line_each_with_the_fix(section: str, expected: str) -> None:
    [problem] = problems(section)
    assert problem.startswith(expected), problem
    assert " — " in problem


def test_built_in_code_it_is_checked_the_same_way() -> None:
    assert ContactsConfig(sync_every=3600).interval_seconds == 3600
    with pytest.raises(ConfigValueError, match="both set"):
        ContactsConfig(sync_every="1h", sync_cron="0 * * * *")
    with pytest.raises(ConfigValueError, match="out of range"):
        ContactsConfig(sync_every=10)
