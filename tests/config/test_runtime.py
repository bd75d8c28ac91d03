"""load_runtime: where data lives in each mode, demo isolation, every problem at once."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from linda_tui.config import ConfigError, Role, demo_fleet, load_runtime

REPO_ROOT = Path(__file__).resolve().parents[2]
ONE_BOT = 'bots:\n  - id: main\n    name: Main\n    phone: "+971501234561"\n    role: primary\n'


@pytest.fixture
def bots_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "bots.yaml"
    path.write_text(ONE_BOT)
    return path


def test_defaults_live_in_the_current_folder(tmp_path: Path, bots_yaml: Path) -> None:
    runtime = load_runtime()
    assert runtime.config_path == bots_yaml and not runtime.demo
    assert runtime.data_dir == tmp_path
    assert runtime.store_url == f"sqlite:///{tmp_path}/linda.db"
    assert runtime.sqlite_path == tmp_path / "linda.db"
    assert runtime.sessions_dir == tmp_path / "sessions"
    assert runtime.log_file == tmp_path / "logs" / "linda.log"
    assert runtime.session_path("main") == tmp_path / "sessions" / "main.db"
    assert [b.id for b in runtime.fleet.bots] == ["main"]


def test_loading_creates_nothing_on_disk(tmp_path: Path, bots_yaml: Path) -> None:
    load_runtime(data_dir="data")
    load_runtime(demo=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bots.yaml"]


def test_data_dir_option_beats_the_environment(
    tmp_path: Path, bots_yaml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINDA_DATA_DIR", "/srv/linda")
    assert load_runtime().data_dir == Path("/srv/linda")
    runtime = load_runtime(data_dir="here")
    assert runtime.data_dir == tmp_path / "here"
    assert runtime.sessions_dir == tmp_path / "here" / "sessions"


def test_explicit_paths_override_the_data_dir(
    tmp_path: Path, bots_yaml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINDA_STORE_URL", "mongodb://db.example/linda")
    monkeypatch.setenv("LINDA_SESSIONS_DIR", "wa")
    monkeypatch.setenv("LINDA_LOG_FILE", "/var/log/linda/l.log")
    runtime = load_runtime(data_dir="data")
    assert runtime.store_url == "mongodb://db.example/linda"
    assert runtime.store_is_mongodb and runtime.sqlite_path is None
    assert runtime.sessions_dir == tmp_path / "wa"
    assert runtime.log_file == Path("/var/log/linda/l.log")


def test_demo_keeps_everything_in_its_own_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No bots.yaml here, and real-data settings that a demo must never touch.
    monkeypatch.setenv("LINDA_STORE_URL", "mongodb://production.example/linda")
    monkeypatch.setenv("LINDA_SESSIONS_DIR", "/srv/real-sessions")
    runtime = load_runtime(demo=True)
    demo_dir = tmp_path / ".linda-demo"
    assert runtime.demo and runtime.config_path is None
    assert runtime.data_dir == demo_dir
    assert runtime.store_url == f"sqlite:///{demo_dir}/linda.db"
    assert runtime.sessions_dir == demo_dir / "sessions"
    assert runtime.log_file == demo_dir / "logs" / "linda.log"
    assert [b.id for b in runtime.fleet.bots] == ["demo-main", "demo-sales", "demo-support"]


def test_demo_with_a_data_dir(tmp_path: Path) -> None:
    assert load_runtime(demo=True, data_dir="/tmp/x/demo").data_dir == Path("/tmp/x/demo")


def test_the_demo_fleet() -> None:
    fleet = demo_fleet()
    assert [(b.id, b.phone, b.role) for b in fleet.bots] == [
        ("demo-main", "+971501234561", Role.PRIMARY),
        ("demo-sales", "+971501234562", Role.SECONDARY),
        ("demo-support", "+971501234563", Role.SECONDARY),
    ]
    assert fleet.primary is not None and fleet.primary.id == "demo-main"


def test_settings_and_fleet_problems_come_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bots.yaml").write_text("bots: 5\n")
    monkeypatch.setenv("LINDA_TIMEZONE", "Nowhere")
    with pytest.raises(ConfigError) as caught:
        load_runtime()
    assert [p.split(":")[0] for p in caught.value.problems] == ["env LINDA_TIMEZONE", "bots.yaml"]


def test_a_data_dir_that_is_a_file(tmp_path: Path, bots_yaml: Path) -> None:
    (tmp_path / "taken").write_text("")
    with pytest.raises(ConfigError) as caught:
        load_runtime(data_dir="taken")
    assert caught.value.problems == [
        f"{tmp_path}/taken: the data folder is a file, not a folder — point --data-dir or "
        "LINDA_DATA_DIR at a folder"
    ]


def test_prepare_folders_makes_private_sessions(tmp_path: Path, bots_yaml: Path) -> None:
    (tmp_path / "data" / "sessions").mkdir(parents=True, mode=0o755)
    runtime = load_runtime(data_dir="data")
    runtime.prepare_folders()
    assert stat.S_IMODE(runtime.sessions_dir.stat().st_mode) == 0o700  # tightened
    assert runtime.log_file.parent.is_dir()


def test_the_timezone_is_resolved(bots_yaml: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINDA_TIMEZONE", "Asia/Dubai")
    assert str(load_runtime().timezone) == "Asia/Dubai"
