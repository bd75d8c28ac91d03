"""Settings from the environment (LINDA_*) and a .env file, validated.

Environment variables win over .env. Empty values count as unset. Every problem
becomes one line: ``.env:LINE: LINDA_X: what is wrong — how to fix it`` for a value
from the file, ``env LINDA_X: ...`` for one from the environment.
"""

from __future__ import annotations

import codecs
import difflib
import io
import os
import re
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any

from linda_tui.config.errors import ConfigError
from linda_tui.config.models import DEFAULT_REGION, check_region
from linda_tui.config.validation import (
    ConfigValueError,
    ErrorDetails,
    checked,
    field_names,
    to_path,
    to_text,
    validate,
)
from linda_tui.input_files import InputFileError, read_input

ENV_PREFIX = "LINDA_"
MAX_ENV_FILE_BYTES = 1024 * 1024
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Variables with this prefix belong to the test suite, not to the application.
_TEST_PREFIX = "LINDA_TEST_"


def load_timezone(name: str) -> tzinfo:
    """The tzinfo for an IANA zone name; UTC works even without a time zone database."""
    if name.upper() == "UTC":
        return UTC
    # Imported here: zoneinfo brings sysconfig along, and UTC (the default) needs neither.
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _real_zone(value: str) -> str:
    try:
        load_timezone(value)
    except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(
            f"{value!r} is not a known time zone — use an IANA name such as "
            "Asia/Dubai, Europe/London or UTC"
        ) from None
    return value


def _level(value: object) -> str:
    level = str(value).strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"{value!r} is not a log level — use one of {', '.join(LOG_LEVELS)}")
    return level


def _store(value: str) -> str:
    value = value.strip()
    if value.startswith(("mongodb://", "mongodb+srv://", "sqlite:///")):
        return value
    if "://" in value:
        scheme = value.split("://", 1)[0]
        raise ValueError(
            f"store scheme {scheme!r} is not supported — use a SQLite file "
            "(./linda.db or sqlite:///path/linda.db) or mongodb://host/database"
        )
    return value  # a plain path: a SQLite file


def _http(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{value!r} is not an http(s) URL — write e.g. http://127.0.0.1:8080/")
    return value


def _email(value: str) -> str:
    if "@" not in value:
        raise ValueError(
            f"{value!r} is not an email address — write the Workspace user to act as, "
            "e.g. admin@example.com"
        )
    return value


def _message(error: ErrorDetails) -> str:
    """A settings problem as `what is wrong — how to fix it`."""
    text = str(error["msg"]).removeprefix("Value error, ")
    if " — " not in text:
        text = f"{text} — see .env.example for the accepted values"
    return " ".join(text.split())


def _explain(error: ErrorDetails) -> str:
    field = str(error["loc"][0]) if error["loc"] else "?"
    return f"{env_name(field)}: {_message(error)}"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything an operator sets outside bots.yaml. Paths left unset follow data_dir.

    ``load_settings`` reads them from LINDA_* variables and .env; built directly, the
    given values are checked the same way (a bad one raises ConfigValueError).
    """

    data_dir: Path = checked(Path("."), to_path)
    store_url: str | None = checked(None, to_text, optional=True, after=_store)
    # default store: SQLite file <data_dir>/linda.db
    sessions_dir: Path | None = checked(None, to_path, optional=True)  # <data_dir>/sessions
    log_file: Path | None = checked(None, to_path, optional=True)  # <data_dir>/logs/linda.log
    log_level: str = checked("INFO", to_text, before=_level)
    timezone: str = checked("UTC", to_text, after=_real_zone)
    default_region: str = checked(DEFAULT_REGION, to_text, before=check_region)
    # service-account key or OAuth client JSON
    google_credentials: Path | None = checked(None, to_path, optional=True)
    google_token: Path | None = checked(None, to_path, optional=True)  # stored OAuth token
    # the user to impersonate with domain-wide delegation
    google_subject: str | None = checked(None, to_text, optional=True, after=_email)
    # e.g. a local fake People API in tests
    people_api_endpoint: str | None = checked(None, to_text, optional=True, after=_http)

    def __post_init__(self) -> None:
        validate(self, _explain)

    @property
    def tz(self) -> tzinfo:
        """The configured time zone."""
        return load_timezone(self.timezone)


def env_name(field: str) -> str:
    """The environment variable that sets a field, e.g. LINDA_TIMEZONE."""
    return ENV_PREFIX + field.upper()


_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


def _read_env_file(path: Path) -> tuple[str | None, list[str]]:
    """The .env text (None when there is no file) and any problem reading it."""
    shown = str(path)
    try:
        data = read_input(path, limit=MAX_ENV_FILE_BYTES)
    except InputFileError as exc:
        if exc.missing:
            return None, []
        if exc.kind in ("folder", "special"):
            return None, [f"{exc} — remove it or make it a file of KEY=value"]
        if exc.kind == "too-large":
            return None, [f"{shown}: larger than 1 MiB — it should hold a few KEY=value lines"]
        return None, [f"{exc} — fix its permissions"]
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            f"{shown}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}) — save it as UTF-8"
        ]


def _env_file_keys(text: str) -> dict[str, int]:
    """Upper-cased keys written in a .env file, with the line of their last assignment."""
    keys: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ENV_LINE.match(line)
        if match:
            keys[match.group(1).upper()] = number
    return keys


def _lower_keys(pairs: dict[str, str | None]) -> dict[str, str | None]:
    """Names case-insensitive (the last spelling wins) and empty values dropped: unset."""
    return {key.lower(): value for key, value in pairs.items() if value != ""}


def _dotenv_values(text: str) -> dict[str, str | None]:
    """The KEY=value pairs of a .env file, read by python-dotenv: quotes, escapes,
    ``export`` and ``${VAR}`` expansion work as in every other tool that reads .env."""
    # Imported here: most runs have no .env, and start-up should not pay for the parser.
    from dotenv import dotenv_values

    return dict(dotenv_values(stream=io.StringIO(text)))


def load_settings(env_file: Path | str | None = ".env") -> Settings:
    """Settings from LINDA_* environment variables and ``env_file`` (skipped when None/missing).

    The environment wins over the file; an empty value counts as unset; names are
    case-insensitive. Raises ConfigError with one line per problem.
    """
    env_path = Path(env_file) if env_file is not None else None
    text, problems = _read_env_file(env_path) if env_path is not None else (None, [])
    file_keys = _env_file_keys(text) if text is not None else {}
    known = {env_name(field) for field in field_names(Settings)}
    for key, line in file_keys.items():
        if key.startswith(ENV_PREFIX) and key not in known and not key.startswith(_TEST_PREFIX):
            close = difflib.get_close_matches(key, sorted(known), n=1)
            fix = f"did you mean {close[0]}?" if close else "remove it (see .env.example)"
            problems.append(f"{env_path}:{line}: unknown setting {key} — {fix}")

    from_environment = _lower_keys(dict(os.environ))
    from_file = _lower_keys(_dotenv_values(text)) if text is not None else {}
    values: dict[str, Any] = {}
    for field in field_names(Settings):
        name = env_name(field).lower()
        value = from_environment.get(name)
        if value is None:
            value = from_file.get(name)  # None too for a bare `LINDA_X` line: unset
        if value is not None:
            values[field] = value

    environ_keys = {key.upper() for key, value in os.environ.items() if value != ""}
    settings: Settings | None = None
    try:
        settings = Settings(**values)
    except ConfigValueError as exc:
        for error in exc.details:
            field = str(error["loc"][0]) if error["loc"] else "?"
            name = env_name(field)
            if name in environ_keys or name not in file_keys:
                where = f"env {name}"
            else:
                where = f"{env_path}:{file_keys[name]}: {name}"
            problems.append(f"{where}: {_message(error)}")
    if problems or settings is None:
        raise ConfigError(problems)
    return settings
