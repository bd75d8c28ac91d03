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

    def folders(self) -> list[tuple[Path, str, str]]:
        """Every folder Linda writes in: (path, what it is, the setting that moves it)."""
        data_setting = "--data-dir" if self.demo else "--data-dir or LINDA_DATA_DIR"
        folders = [(self.data_dir, "data folder", data_setting)]
        in_data = "--data-dir" if self.demo else None
        folders.append((self.sessions_dir, "sessions folder", in_data or "LINDA_SESSIONS_DIR"))
        folders.append((self.log_file.parent, "log folder", in_data or "LINDA_LOG_FILE"))
        if self.sqlite_path is not None:
            folders.append((self.sqlite_path.parent, "store folder", in_data or "LINDA_STORE_URL"))
        seen: set[Path] = set()
        unique = []
        for path, what, setting in folders:
            if path not in seen:
                seen.add(path)
                unique.append((path, what, setting))
        return unique

    def prepare_folders(self) -> None:
        """Create the data, sessions, log and store folders: 0700 whatever the umask.

        An existing folder must be yours and writable by nobody else (see
        linda_tui.private_files); the sessions folder is tightened to 0700. Raises
        ConfigError (one line) when a folder cannot be created or used.
        """
        # Imported here: the console's start-up builds its Runtime before it needs this.
        from linda_tui.private_files import ensure_folder

        for folder, what, setting in self.folders():
            try:
                ensure_folder(folder, what, setting, private=folder == self.sessions_dir)
            except ConfigError:
                raise
            except OSError as exc:
                raise ConfigError(
                    [
                        f"{exc.filename or folder}: cannot create the {what} ({exc.strerror}) — "
                        f"choose another place with {setting}"
                    ]
                ) from None


def _folder_problems(runtime: Runtime) -> list[str]:
    """What is wrong with the folders and the log file as they are now (reads only)."""
    from linda_tui.private_files import file_problem, folder_problem
    from linda_tui.terminal_text import visible

    problems: list[str] = []
    log_problem = file_problem(runtime.log_file, "log file")
    if log_problem is not None:
        elsewhere = (
            "remove it, or point --data-dir at another folder"
            if runtime.demo
            else "point LINDA_LOG_FILE at a regular file of your own, e.g. logs/linda.log"
        )
        problems.append(f"{visible(str(runtime.log_file))}: {log_problem.problem} — {elsewhere}")
    refused: set[str] = set()
    for folder, what, setting in runtime.folders():
        if log_problem is not None and folder == runtime.log_file.parent:
            continue  # one line about the log is enough
        problem = folder_problem(folder, what, setting)
        if problem is not None and problem.filename not in refused:
            refused.add(problem.filename)  # one line per folder, however many live in it
            problems.append(problem.message)
    return problems


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
    problems.extend(_folder_problems(runtime))
    if runtime.sqlite_path is not None and runtime.sqlite_path.is_dir():
        problems.append(
            f"{runtime.sqlite_path}: the SQLite store is a folder — point LINDA_STORE_URL "
            "at a file, e.g. ./linda.db"
        )
    if problems:
        raise ConfigError(problems)
    return runtime
