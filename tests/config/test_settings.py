"""LINDA_* settings from the environment and .env: defaults, precedence, one-line errors."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from linda_tui.config import ConfigError, load_settings, normalise_store_url


def problems_of(env_file: str | None = ".env") -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file)
    return caught.value.problems


def test_defaults_without_env_or_file() -> None:
    settings = load_settings()
    assert settings.data_dir == Path(".")
    assert settings.store_url is None and settings.sessions_dir is None
    assert settings.log_file is None and settings.log_level == "INFO"
    assert settings.timezone == "UTC" and settings.tz is UTC
    assert settings.default_region == "AE"
    assert settings.google_credentials is None and settings.people_api_endpoint is None


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINDA_TIMEZONE", "Asia/Dubai")
    monkeypatch.setenv("LINDA_STORE_URL", "mongodb://db.example/linda")
    monkeypatch.setenv("LINDA_GOOGLE_SUBJECT", "admin@example.com")
    monkeypatch.setenv("LINDA_DEFAULT_REGION", "gb")
    monkeypatch.setenv("linda_log_level", "debug")  # names are case-insensitive
    settings = load_settings()
    assert settings.tz == ZoneInfo("Asia/Dubai")
    assert settings.store_url == "mongodb://db.example/linda"
    assert settings.google_subject == "admin@example.com"
    assert settings.default_region == "GB"
    assert settings.log_level == "DEBUG"


def test_values_from_dot_env_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "# comment\nLINDA_TIMEZONE=Europe/London\nexport LINDA_SESSIONS_DIR=/srv/s\n"
        "LINDA_PEOPLE_API_ENDPOINT=http://127.0.0.1:8080/\nOTHER_APP=1\n"
    )
    monkeypatch.setenv("LINDA_SESSIONS_DIR", "/elsewhere")
    settings = load_settings()
    assert settings.timezone == "Europe/London"
    assert settings.people_api_endpoint == "http://127.0.0.1:8080/"
    assert settings.sessions_dir == Path("/elsewhere")


def test_dot_env_is_read_as_other_tools_read_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPERATOR_HOME", "/home/op")
    (tmp_path / ".env").write_bytes(
        b'\xef\xbb\xbfLINDA_TIMEZONE="Asia/Dubai"\n'  # a byte order mark, double quotes
        b"LINDA_LOG_LEVEL='warning'  # quieter\n"
        b"LINDA_DATA_DIR=${OPERATOR_HOME}/linda\n"
        b"linda_google_subject = admin@example.com\n"
        b"LINDA_SESSIONS_DIR\n"  # no value: unset
        b"LINDA_LOG_FILE=\n"
    )
    settings = load_settings()
    assert settings.timezone == "Asia/Dubai" and settings.log_level == "WARNING"
    assert settings.data_dir == Path("/home/op/linda")
    assert settings.google_subject == "admin@example.com"
    assert settings.sessions_dir is None and settings.log_file is None


def test_an_empty_value_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINDA_SESSIONS_DIR", "")
    monkeypatch.setenv("LINDA_TIMEZONE", "")
    settings = load_settings()
    assert settings.sessions_dir is None and settings.timezone == "UTC"


def test_a_bad_environment_value_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINDA_TIMEZONE", "Mars/Olympus")
    assert problems_of() == [
        "env LINDA_TIMEZONE: 'Mars/Olympus' is not a known time zone — use an IANA name such "
        "as Asia/Dubai, Europe/London or UTC"
    ]


def test_a_bad_dot_env_value_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LINDA_LOG_LEVEL=INFO\nLINDA_LOG_LEVEL=loud\n")
    assert problems_of() == [
        ".env:2: LINDA_LOG_LEVEL: 'loud' is not a log level — use one of DEBUG, INFO, "
        "WARNING, ERROR"
    ]


@pytest.mark.parametrize(
    "name, value, expected",
    [
        (
            "LINDA_STORE_URL",
            "postgres://db/linda",
            "env LINDA_STORE_URL: store scheme 'postgres' is not supported — use a SQLite file "
            "(./linda.db or sqlite:///path/linda.db) or mongodb://host/database",
        ),
        (
            "LINDA_DEFAULT_REGION",
            "Emirates",
            "env LINDA_DEFAULT_REGION: default_region 'Emirates' is not a country code known "
            "to phonenumbers — use a two-letter code such as AE, GB or US",
        ),
        (
            "LINDA_PEOPLE_API_ENDPOINT",
            "localhost:8080",
            "env LINDA_PEOPLE_API_ENDPOINT: 'localhost:8080' is not an http(s) URL — write e.g. "
            "http://127.0.0.1:8080/",
        ),
        (
            "LINDA_GOOGLE_SUBJECT",
            "admin",
            "env LINDA_GOOGLE_SUBJECT: 'admin' is not an email address — write the Workspace "
            "user to act as, e.g. admin@example.com",
        ),
        (
            "LINDA_TIMEZONE",
            "../../etc/passwd",
            "env LINDA_TIMEZONE: '../../etc/passwd' is not a known time zone — use an IANA name "
            "such as Asia/Dubai, Europe/London or UTC",
        ),
    ],
)
def test_each_bad_value(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    assert problems_of() == [expected]


def test_all_problems_are_reported_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("LINDA_TIMEZON=UTC\nLINDA_TIMEZONE=Nowhere\n")
    monkeypatch.setenv("LINDA_LOG_LEVEL", "chatty")
    problems = problems_of()
    assert problems[0] == ".env:1: unknown setting LINDA_TIMEZON — did you mean LINDA_TIMEZONE?"
    assert sorted(p.split(":")[0] for p in problems[1:]) == [".env", "env LINDA_LOG_LEVEL"]
    assert len(problems) == 3


def test_test_suite_variables_in_dot_env_are_not_settings_errors(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LINDA_TEST_MONGODB_URI=mongodb://localhost/t\n")
    assert load_settings().store_url is None


def test_a_dot_env_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"LINDA_TIMEZONE=UTC\nLINDA_GOOGLE_SUBJECT=caf\xe9@x\n")
    assert problems_of() == [".env:2: not UTF-8 text (byte 0xe9) — save it as UTF-8"]


def test_a_dot_env_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / ".env").mkdir()
    assert problems_of() == [
        ".env: is a folder, not a file — remove it or make it a file of KEY=value"
    ]


def test_no_env_file_at_all_when_none(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LINDA_TIMEZONE=Nowhere\n")
    assert load_settings(None).timezone == "UTC"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("mongodb://u:p@h/db", "mongodb://u:p@h/db"),
        ("mongodb+srv://cluster.example/db", "mongodb+srv://cluster.example/db"),
        ("data/linda.db", "sqlite:///{cwd}/data/linda.db"),
        ("sqlite:///rel.db", "sqlite:///{cwd}/rel.db"),
        ("sqlite:////abs/x.db", "sqlite:////abs/x.db"),
        ("/abs/../abs/y.db", "sqlite:////abs/y.db"),
    ],
)
def test_store_urls_are_normalised(tmp_path: Path, raw: str, expected: str) -> None:
    assert normalise_store_url(raw) == expected.format(cwd=tmp_path)
