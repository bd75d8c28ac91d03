"""bots.yaml's broadcasts: section (quiet hours, warm-up, opt-out words): read, checked
with one line per problem naming the key and the fix, and turned into the engine's rules."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import pytest

from linda_tui.broadcast.pacing import DEFAULT_WARM_UP, QuietHours
from linda_tui.broadcast.settings import broadcast_settings
from linda_tui.config import ConfigError, parse_fleet

BOTS = "bots:\n  - id: main\n    name: Main\n    phone: '+971501234561'\n    role: primary\n"
DUBAI = ZoneInfo("Asia/Dubai")


def fleet_with(section: str):  # type: ignore[no-untyped-def]
    return parse_fleet(BOTS + "broadcasts:\n" + section, "bots.yaml")


def problems_of(section: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        fleet_with(section)
    return caught.value.problems


def test_without_the_section_the_defaults_apply() -> None:
    fleet = parse_fleet(BOTS, "bots.yaml")
    rules = broadcast_settings(fleet, DUBAI, demo=False)
    assert rules.quiet_hours == QuietHours(time(21), time(9), DUBAI)
    assert rules.warm_up == DEFAULT_WARM_UP
    assert fleet.broadcasts.opt_out_words == () and fleet.broadcasts.opt_out_defaults


def test_every_setting_is_read_as_written() -> None:
    fleet = fleet_with(
        "  quiet_hours: 22:30-7:00\n"
        "  warm_up:\n"
        "    - days: 1-3\n      per_hour: 10\n      per_day: 30\n"
        "    - days: 4\n      per_hour: 30\n      per_day: 90\n"
        "  opt_out_words: [basta, no, '  Not   interested ']\n"
    )
    rules = broadcast_settings(fleet, DUBAI, demo=False, seed=5)
    assert rules.quiet_hours == QuietHours(time(22, 30), time(7, 0), DUBAI)
    assert rules.warm_up is not None
    assert [(s.last_day, s.per_hour, s.per_day) for s in rules.warm_up.steps] == [
        (3, 10, 30),
        (4, 30, 90),
    ]
    assert rules.seed == 5 and rules.demo is False
    # "no" stays the word no (YAML 1.1 would read false); spaces are collapsed.
    assert fleet.broadcasts.opt_out_words == ("basta", "no", "Not interested")


def test_quiet_hours_and_warm_up_can_be_turned_off() -> None:
    rules = broadcast_settings(
        fleet_with("  quiet_hours: off\n  warm_up: off\n"), DUBAI, demo=False
    )
    assert rules.quiet_hours is None and rules.warm_up is None


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            "  quiet_hours: 21:00\n",
            "bots.yaml:7: quiet_hours: '21:00' is not a range of hours — write it as "
            "21:00-09:00, or off for none",
        ),
        (
            "  quiet_hours: 9pm-9am\n",
            "bots.yaml:7: quiet_hours: '9pm' is not a time of day — write it as HH:MM, e.g. 21:00",
        ),
        (
            "  quiet_hours: 09:00-09:00\n",
            "bots.yaml:7: quiet_hours: 09:00-09:00 start and end at the same time — write "
            "e.g. 21:00-09:00, or off for none",
        ),
        (
            "  quiet_hour: 21:00-09:00\n",
            "bots.yaml:7: unknown key 'quiet_hour' — did you mean quiet_hours? (allowed here: "
            "opt_out_defaults, opt_out_words, quiet_hours, warm_up)",
        ),
        (
            "  warm_up: slow\n",
            "bots.yaml:7: warm_up 'slow' is not a list of steps — write off, or steps such as "
            "'- days: 1-2' with per_hour and per_day under each",
        ),
        (
            "  warm_up: []\n",
            "bots.yaml:7: warm_up is an empty list — list its steps ('- days: 1-2', per_hour, "
            "per_day), or write warm_up: off",
        ),
        (
            "  warm_up:\n    - days: two\n      per_hour: 20\n      per_day: 50\n",
            "bots.yaml:8: warm_up days 'two' is not a day or a range of days — write e.g. "
            "days: 1-2 (day 1 is the first 24 hours after pairing) or days: 3",
        ),
        (
            "  warm_up:\n    - days: 3-1\n      per_hour: 20\n      per_day: 50\n",
            "bots.yaml:8: warm_up days '3-1' is out of order or range — write days from 1 to "
            "90, the first no later than the last, e.g. days: 3-4",
        ),
        (
            "  warm_up:\n    - days: 1\n      per_hour: 20\n",
            "bots.yaml:8: per_day is missing — write e.g. per_day: 5",
        ),
        (
            "  warm_up:\n    - days: 1\n      per_hour: 0\n      per_day: 50\n",
            "bots.yaml:9: per_hour must be at least 1, not 0 — change the value",
        ),
        (
            "  opt_out_defaults: false\n",
            "bots.yaml:7: opt_out_defaults is false and opt_out_words lists nothing, so nobody "
            "could opt out — list the words under opt_out_words, or remove opt_out_defaults",
        ),
        (
            "  opt_out_words: ['!!']\n",
            "bots.yaml:7: opt-out word '!!' has no letter or digit — write a word people reply "
            "with, e.g. stop",
        ),
        (
            '  opt_out_words: ["st\\u202eop"]\n',
            "bots.yaml:7: opt-out word 'st\\u202eop' contains the character U+202E — write the "
            "word as plain text",
        ),
        (
            "  opt_out_words: {stop: yes}\n",
            "bots.yaml:7: opt_out_words must be a list, not a mapping — list words such as "
            "[basta, arrêt]",
        ),
    ],
)
def test_a_bad_value_is_one_line_naming_the_key_and_the_fix(section: str, expected: str) -> None:
    assert problems_of(section) == [expected]


def test_warm_up_steps_follow_each_other_and_only_rise() -> None:
    problems = problems_of(
        "  warm_up:\n"
        "    - days: 1-2\n      per_hour: 20\n      per_day: 50\n"
        "    - days: 4-5\n      per_hour: 10\n      per_day: 100\n"
    )
    assert problems == [
        "bots.yaml:11: warm_up days 4-5 should start on day 3 — list the steps in order from "
        "day 1, each starting the day after the last ended",
        "bots.yaml:12: warm_up days 4-5 lowers per_hour to 10 (days 1-2 allow 20) — a warm-up "
        "only rises: make it at least the step before's",
    ]
