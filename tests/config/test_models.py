"""Config objects built in code or read from bots.yaml: validated, normalised, and lax
where an operator may rely on it (numbers written as text, yes/no for booleans)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from linda_tui.config import (
    BotConfig,
    ConfigError,
    ConfigValueError,
    FleetConfig,
    Pacing,
    PacingOverride,
    Role,
    Settings,
    demo_fleet,
    parse_fleet,
)

MAIN = {"id": "main", "name": "Main", "phone": "+971501234561", "role": Role.PRIMARY}
ONE_BOT = 'bots:\n  - id: main\n    name: Main\n    phone: "+971501234561"\n    role: primary\n'


def main_bot(**changes: Any) -> BotConfig:
    return BotConfig(**{**MAIN, **changes})


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_fleet(text)
    return caught.value.problems


def test_direct_construction_normalises_like_the_loader() -> None:
    bot = BotConfig(id="main", name="Main", phone="050 123 4561", role="primary")
    assert bot.phone == "+971501234561"
    assert bot.role is Role.PRIMARY and bot.is_primary and bot.enabled
    fleet = FleetConfig(default_region=" gb ", bots=[bot])
    assert fleet.default_region == "GB"
    assert fleet.pacing == Pacing()
    assert fleet.primary == bot and fleet.bot("main") == bot


BAD_DIRECT: dict[str, tuple[Callable[[], object], str]] = {
    "id not a slug": (
        lambda: main_bot(id="Main_Office"),
        "bot id 'Main_Office' must be a slug of lowercase letters, digits and '-' "
        "(it becomes a file name) — write it like main-office",
    ),
    "empty name": (lambda: main_bot(name=""), "name is empty — write e.g. name: Main office"),
    "a number as the name": (
        lambda: main_bot(name=5),
        "name must be text, not 5 — write e.g. name: Main office",
    ),
    "a number as the id": (
        lambda: main_bot(id=7),
        "id must be text, not 7 — write e.g. id: main-office",
    ),
    "a float as the phone": (
        lambda: main_bot(phone=5.5),
        'phone must be text, not 5.5 — write e.g. phone: "+971501234567"',
    ),
    "not a phone number": (
        lambda: main_bot(phone="call-me"),
        "'call-me' has letters in it — write the number in digits, e.g. +971501234567 "
        "(spaces and + . - ( ) / may separate them)",
    ),
    "unknown role": (
        lambda: main_bot(role="boss"),
        "role must be 'primary' or 'secondary', not 'boss' — write role: primary or "
        "role: secondary",
    ),
    "role in capitals": (
        lambda: main_bot(role="PRIMARY"),
        "role must be 'primary' or 'secondary', not 'PRIMARY' — write role: primary or "
        "role: secondary",
    ),
    "enabled maybe": (
        lambda: main_bot(enabled="maybe"),
        "enabled must be true or false, not 'maybe' — write enabled: true or enabled: false",
    ),
    "override above the limit": (
        lambda: PacingOverride(per_minute=31),
        "per_minute must be at most 30, not 31 — change the value",
    ),
    "pacing delays inverted": (
        lambda: Pacing(min_delay_seconds=50, max_delay_seconds=10),
        "max_delay_seconds (10) is smaller than min_delay_seconds (50) — "
        "make max_delay_seconds at least min_delay_seconds",
    ),
    "unknown region": (
        lambda: FleetConfig(default_region="XX", bots=[main_bot()]),
        "default_region 'XX' is not a country code known to phonenumbers — "
        "use a two-letter code such as AE, GB or US",
    ),
    "no primary": (
        lambda: FleetConfig(bots=[main_bot(role=Role.SECONDARY)]),
        "no enabled bot has role: primary — set role: primary on exactly one enabled bot",
    ),
    "a bad override in a fleet": (
        lambda: FleetConfig(bots=[main_bot(pacing=PacingOverride(max_delay_seconds=10))]),
        "with this override max_delay_seconds (10) is smaller than min_delay_seconds (30) — "
        "make max_delay_seconds at least min_delay_seconds",
    ),
}


@pytest.mark.parametrize("build, message", BAD_DIRECT.values(), ids=BAD_DIRECT.keys())
def test_bad_values_in_code_raise_a_value_error_in_the_loaders_words(
    build: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        build()
    assert isinstance(caught.value, ConfigValueError)
    assert str(caught.value) == message
    assert caught.value.problems == [message]


def test_every_rule_broken_by_a_fleet_in_code_is_listed() -> None:
    with pytest.raises(ConfigValueError) as caught:
        FleetConfig(bots=[main_bot(), main_bot()])
    assert caught.value.problems == [
        "bot id 'main' is used twice — give every bot its own id",
        "phone +971501234561 is already used by bot 'main' — every bot needs its own "
        "WhatsApp number",
        "bot 'main' is a second primary — exactly one enabled bot may be primary "
        "('main' is); make the others role: secondary",
    ]
    assert [d["loc"] for d in caught.value.details] == [
        ("bots", 1, "id"),
        ("bots", 1, "phone"),
        ("bots", 1, "role"),
    ]


def test_replace_checks_the_copy() -> None:
    bot = main_bot()
    assert replace(bot, pacing=PacingOverride(per_minute=2)).pacing == PacingOverride(per_minute=2)
    with pytest.raises(ConfigValueError, match="must be a slug"):
        replace(bot, id="Not A Slug")
    fleet = FleetConfig(bots=[bot])
    with pytest.raises(ConfigValueError, match="second primary"):
        replace(fleet, bots=[bot, main_bot(id="other", phone="+971501234562")])


def test_configs_are_frozen() -> None:
    bot = main_bot()
    with pytest.raises(AttributeError):
        bot.name = "Other"  # type: ignore[misc]


def test_a_fleet_narrowed_to_one_secondary_bot() -> None:
    fleet = demo_fleet()
    sales = fleet.bot("demo-sales")
    assert sales is not None
    narrowed = fleet.narrowed_to(sales)
    assert narrowed.bots == [sales] and narrowed.primary is None
    assert narrowed.pacing == fleet.pacing
    assert [b.id for b in fleet.bots] == ["demo-main", "demo-sales", "demo-support"]


def test_pacing_as_a_plain_dict() -> None:
    assert Pacing().as_dict() == {
        "min_delay_seconds": 30.0,
        "max_delay_seconds": 60.0,
        "per_minute": 5,
        "per_hour": 80,
        "per_day": 500,
    }
    assert json.loads(json.dumps(Pacing().as_dict())) == Pacing().as_dict()
    assert PacingOverride(per_minute=2).as_dict() == {"per_minute": 2}
    fleet = FleetConfig(bots=[main_bot(pacing=PacingOverride(per_minute=2))])
    assert fleet.pacing_for("main") == Pacing(per_minute=2)
    assert fleet.pacing_for("nobody") == Pacing()


# --- pydantic's lax coercions, kept -------------------------------------------------


@pytest.mark.parametrize("raw", [5, 5.0, "5", " 5 ", "5.0", "+5"])
def test_a_whole_number_takes_integral_floats_and_numeric_text(raw: object) -> None:
    value = Pacing(per_minute=raw).per_minute
    assert value == 5 and type(value) is int


@pytest.mark.parametrize("raw, expected", [(2, 2.0), (2.5, 2.5), ("2.5", 2.5), (" 1e1 ", 10.0)])
def test_a_number_takes_ints_and_numeric_text(raw: object, expected: float) -> None:
    value = Pacing(min_delay_seconds=raw).min_delay_seconds
    assert value == expected and type(value) is float


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("yes", True),
        ("No", False),
        ("ON", True),
        ("off", False),
        ("TRUE", True),
        ("false", False),
        ("1", True),
        ("0", False),
        ("y", True),
        ("N", False),
        (1, True),
        (0, False),
    ],
)
def test_a_boolean_takes_yes_no_on_off_and_1_0(raw: object, expected: bool) -> None:
    assert main_bot(enabled=raw).enabled is expected


def test_the_role_takes_its_value() -> None:
    assert main_bot(role="secondary").role is Role.SECONDARY


def test_numbers_written_as_text_in_bots_yaml() -> None:
    fleet = parse_fleet(
        'pacing:\n  per_minute: "3"\n  per_hour: 40.0\n  min_delay_seconds: 5\n'
        '  max_delay_seconds: "9.5"\n'
        + ONE_BOT
        + '    enabled: "Yes"\n    pacing:\n      per_day: "100"\n'
    )
    assert fleet.pacing == Pacing(
        per_minute=3, per_hour=40, min_delay_seconds=5.0, max_delay_seconds=9.5
    )
    assert fleet.bots[0].enabled is True
    assert fleet.pacing_for("main").per_day == 100


BAD_YAML: dict[str, tuple[str, str]] = {
    "fraction for a whole number": (
        "pacing:\n  per_minute: 2.5\n",
        "bots.yaml:2: per_minute must be a whole number, not 2.5 — write e.g. per_minute: 5",
    ),
    "text for a whole number": (
        "pacing:\n  per_hour: 1e2\n",
        "bots.yaml:2: per_hour must be a whole number, not '1e2' — write e.g. per_hour: 5",
    ),
    "infinity for a whole number": (
        "pacing:\n  per_day: .inf\n",
        "bots.yaml:2: per_day must be a number, not inf — write e.g. per_day: 5",
    ),
    "a huge float for a whole number": (
        "pacing:\n  per_day: 1.0e+300\n",
        "bots.yaml:2: per_day must be a whole number, not 1e+300 — write e.g. per_day: 5",
    ),
    "text for a number": (
        "pacing:\n  min_delay_seconds: soon\n",
        "bots.yaml:2: min_delay_seconds must be a number, not 'soon' — "
        "write e.g. min_delay_seconds: 5",
    ),
    "not a number for a number": (
        "pacing:\n  min_delay_seconds: .nan\n",
        "bots.yaml:2: min_delay_seconds must be a number, not nan — write e.g. "
        "min_delay_seconds: 5",
    ),
    "a list for a number": (
        "pacing:\n  max_delay_seconds: [1]\n",
        "bots.yaml:2: max_delay_seconds must be a number, not a list — "
        "write e.g. max_delay_seconds: 5",
    ),
    "a whole number that is not 0 or 1 for a boolean": (
        "pacing: {}\n" + ONE_BOT + "    enabled: 2\n",
        "bots.yaml:7: enabled must be true or false, not 2 — write enabled: true or enabled: false",
    ),
    "a date for a boolean": (
        ONE_BOT + "    enabled: 2024-01-01\n",
        "bots.yaml:6: enabled must be true or false, not datetime.date(2024, 1, 1) — "
        "write enabled: true or enabled: false",
    ),
    "an empty value": (
        "pacing:\n  per_hour:\n",
        "bots.yaml:2: per_hour has no value — write e.g. per_hour: 5",
    ),
    "pacing is text": (
        "pacing: fast\n",
        "bots.yaml:1: pacing must be a mapping, not 'fast' — write the limits under it, "
        "e.g. per_minute: 5",
    ),
}


@pytest.mark.parametrize("text, expected", BAD_YAML.values(), ids=BAD_YAML.keys())
def test_refused_values_in_bots_yaml(text: str, expected: str) -> None:
    if "bots:" not in text:
        text += ONE_BOT
    assert problems_of(text) == [expected]


def test_an_unknown_region_is_the_only_complaint_about_local_numbers() -> None:
    # The numbers cannot be read without a region: one line about the region, no noise.
    text = (
        "default_region: XX\nbots:\n  - id: main\n    name: Main\n    phone: call-me\n"
        "    role: primary\n  - id: b\n    name: B\n    phone: 0501234562\n"
    )
    assert problems_of(text) == [
        "bots.yaml:1: default_region 'XX' is not a country code known to phonenumbers — "
        "use a two-letter code such as AE, GB or US"
    ]


# --- settings built in code ---------------------------------------------------------


def test_settings_in_code_are_checked_and_normalised() -> None:
    settings = Settings(data_dir="data", log_level=" debug ", default_region="gb")
    assert settings.data_dir == Path("data")
    assert settings.log_level == "DEBUG" and settings.default_region == "GB"
    assert Settings() == Settings(data_dir=Path("."), timezone="UTC", log_level="INFO")


def test_bad_settings_in_code_name_the_variable() -> None:
    with pytest.raises(ConfigValueError) as caught:
        Settings(timezone="Mars/Olympus", people_api_endpoint="localhost:8080")
    assert caught.value.problems == [
        "LINDA_TIMEZONE: 'Mars/Olympus' is not a known time zone — use an IANA name such "
        "as Asia/Dubai, Europe/London or UTC",
        "LINDA_PEOPLE_API_ENDPOINT: 'localhost:8080' is not an http(s) URL — write e.g. "
        "http://127.0.0.1:8080/",
    ]
