"""Everything resolved for one run of Linda: the fleet, the settings and where data lives."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from linda_tui.config.demo import DEMO_DATA_DIR, demo_fleet
from linda_tui.config.errors import ConfigError
from linda_tui.config.models import FleetConfig
from linda_tui.config.settings import Settings, load_settings

DEFAULT_CONFIG_PATH = Path("bots.yaml")
SQLITE_PREFIX = "sqlite:///"
MONGODB_PREFIXES = ("mongodb://", "mongodb+srv://")


def _absolute(path: Path) -> Path:
    # abspath, not resolve(): keep the operator's symlinks, drop "..".
    return Path(os.path.abspath(path.expanduser()))


def sqlite_url(path: Path) -> str:
    """The store URL of a SQLite file: ``sqlite:///`` followed by its absolute path."""
    return SQLITE_PREFIX + str(_absolute(path))


def normalise_store_url(raw: str) -> str:
    """A MongoDB URL unchanged; a SQLite path or sqlite:/// URL as an absolute sqlite:/// URL.

    Relative SQLite paths are relative to the current folder.
    """
    if raw.startswith(MONGODB_PREFIXES):
        return raw
    return sqlite_url(Path(raw.removeprefix(SQLITE_PREFIX)))


@dataclass(frozen=True)
class Runtime:
    """The configuration of one run, every path absolute.

    ``store_url`` is either a MongoDB URL as given, or ``sqlite:///<absolute path>``.
    Nothing is created on disk until ``prepare_folders()``.
    """

    fleet: FleetConfig
    settings: Settings
    demo: bool
    config_path: Path | None  # None in demo mode (the fleet is built in)
    data_dir: Path
    sessions_dir: Path
    store_url: str
    log_file: Path

    @property
    def timezone(self) -> tzinfo:
        """The operator's time zone (for display and schedules; records stay in UTC)."""
        return self.settings.tz

    @property
    def store_is_mongodb(self) -> bool:
        return self.store_url.startswith(MONGODB_PREFIXES)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None when the store is MongoDB."""
        if self.store_is_mongodb:
            return None
        return Path(self.store_url.removeprefix(SQLITE_PREFIX))

    def session_path(self, bot_id: str) -> Path:
        """Where a bot's WhatsApp session lives: ``<sessions_dir>/<bot-id>.db``."""
        return self.sessions_dir / f"{bot_id}.db"

    def prepare_folders(self) -> None:
        """Create the data, sessions and log folders; the sessions folder is made 0700.

        Raises ConfigError (one line) when a folder cannot be created.
        """
        folders = [self.data_dir, self.sessions_dir, self.log_file.parent]
        if self.sqlite_path is not None:
            folders.append(self.sqlite_path.parent)
        try:
            for folder in folders:
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Session files are secrets: an existing folder is tightened too.
            self.sessions_dir.chmod(0o700)
        except OSError as exc:
            raise ConfigError(
                [
                    f"{exc.filename or folder}: cannot create the folder ({exc.strerror}) — "
                    "choose another place with --data-dir or LINDA_DATA_DIR"
                ]
            ) from None


def _check_folder(path: Path, what: str, fix: str, problems: list[str]) -> None:
    if path.exists() and not path.is_dir():
        problems.append(f"{path}: the {what} is a file, not a folder — {fix}")


def load_runtime(
    config_path: Path | str | None = DEFAULT_CONFIG_PATH,
    data_dir: Path | str | None = None,
    demo: bool = False,
    *,
    env_file: Path | str | None = ".env",
) -> Runtime:
    """Resolve everything one run needs. Raises ConfigError listing every problem found.

    Data folder: ``data_dir`` if given, else ./.linda-demo in demo mode, else
    LINDA_DATA_DIR, else the current folder. The store, sessions folder and log file
    default to ``<data dir>/linda.db``, ``<data dir>/sessions`` and
    ``<data dir>/logs/linda.log``; LINDA_STORE_URL / LINDA_SESSIONS_DIR / LINDA_LOG_FILE
    override them, except in demo mode, which keeps everything under its data folder
    so a demo never touches real data.
    """
    problems: list[str] = []
    settings: Settings | None = None
    try:
        settings = load_settings(env_file)
    except ConfigError as exc:
        problems.extend(exc.problems)

    fleet: FleetConfig | None = None
    resolved_config: Path | None = None
    if demo:
        fleet = demo_fleet()
    else:
        # Imported here: the YAML parser is a noticeable part of start-up, and the
        # demo (and `linda --help`) never read a bots.yaml.
        from linda_tui.config.loader import load_fleet

        path = Path(config_path) if config_path is not None else DEFAULT_CONFIG_PATH
        resolved_config = _absolute(path)
        try:
            fleet = load_fleet(path, default_region=settings.default_region if settings else None)
        except ConfigError as exc:
            problems.extend(exc.problems)

    if settings is None or fleet is None:
        raise ConfigError(problems)

    if data_dir is not None:
        base = _absolute(Path(data_dir))
    elif demo:
        base = _absolute(Path(DEMO_DATA_DIR))
    else:
        base = _absolute(settings.data_dir)

    if demo:
        store_url = sqlite_url(base / "linda.db")
        sessions_dir = base / "sessions"
        log_file = base / "logs" / "linda.log"
    else:
        store_url = (
            normalise_store_url(settings.store_url)
            if settings.store_url
            else sqlite_url(base / "linda.db")
        )
        sessions_dir = (
            _absolute(settings.sessions_dir) if settings.sessions_dir else base / "sessions"
        )
        log_file = (
            _absolute(settings.log_file) if settings.log_file else base / "logs" / "linda.log"
        )

    _check_folder(base, "data folder", "point --data-dir or LINDA_DATA_DIR at a folder", problems)
    _check_folder(sessions_dir, "sessions folder", "point LINDA_SESSIONS_DIR at a folder", problems)
    if log_file.is_dir():
        problems.append(
            f"{log_file}: the log file is a folder — point LINDA_LOG_FILE at a file, "
            "e.g. logs/linda.log"
        )
    runtime = Runtime(
        fleet=fleet,
        settings=settings,
        demo=demo,
        config_path=resolved_config,
        data_dir=base,
        sessions_dir=sessions_dir,
        store_url=store_url,
        log_file=log_file,
    )
    if runtime.sqlite_path is not None and runtime.sqlite_path.is_dir():
        problems.append(
            f"{runtime.sqlite_path}: the SQLite store is a folder — point LINDA_STORE_URL "
            "at a file, e.g. ./linda.db"
        )
    if problems:
        raise ConfigError(problems)
    return runtime
