"""The log file is private and quiet: never written through a link, never a device's mode
changed, and a write that fails never reaches the terminal nor breaks anything."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from linda_tui import logsetup
from linda_tui.logsetup import PrivateRotatingFileHandler, configure_logging
from linda_tui.private_files import UnsafePathError


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def read(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_under_any_umask_the_folder_is_0700_and_the_file_0600(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = configure_logging(tmp_path / "a" / "logs" / "linda.log")
    finally:
        os.umask(old)
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "logs") == 0o700
    assert mode(path) == 0o600


def test_a_link_planted_at_the_log_is_refused_and_its_target_untouched(
    tmp_path: Path, victim: Path
) -> None:
    (tmp_path / "linda.log").symlink_to(victim)
    with pytest.raises(UnsafePathError) as caught:
        configure_logging(tmp_path / "linda.log")
    assert "the log file is a symbolic link" in str(caught.value)


def test_links_planted_at_rotated_names_are_moved_never_written_through(
    tmp_path: Path, victim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logsetup, "MAX_LOG_BYTES", 2000)
    for n in range(1, 6):
        (tmp_path / f"r.log.{n}").symlink_to(victim)
    path = configure_logging(tmp_path / "r.log")
    for i in range(400):
        logging.getLogger("x").info("line %d %s", i, "x" * 50)
    assert "line 399" in read(path)
    names = sorted(os.listdir(tmp_path))
    assert names == ["r.log", "r.log.1", "r.log.2", "r.log.3", "r.log.4", "r.log.5", "victim"]
    for name in names[:-1]:
        assert not (tmp_path / name).is_symlink() and mode(tmp_path / name) == 0o600


def test_a_link_planted_at_the_log_after_a_rotation_is_not_followed(
    tmp_path: Path, victim: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    handler = PrivateRotatingFileHandler(tmp_path / "r.log", maxBytes=500, backupCount=2)
    logger = logging.getLogger("linda.test.rotation")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("first")
        handler.close()  # as at a rotation: the next record reopens the file
        (tmp_path / "r.log").rename(tmp_path / "r.log.1")
        (tmp_path / "r.log").symlink_to(victim)
        logger.warning("never through the link")
        assert handler.lost == 1
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.propagate = True
    assert capfd.readouterr() == ("", "")


def test_records_that_cannot_be_written_are_counted_quietly_then_reported(
    tmp_path: Path, device: Callable[[str], Path], capfd: pytest.CaptureFixture[str]
) -> None:
    handler = PrivateRotatingFileHandler(tmp_path / "q.log", maxBytes=0, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    logger = logging.getLogger("linda.test.full")
    logger.addHandler(handler)
    logger.propagate = False
    full = device("full")
    real_open = handler._open
    try:
        handler.stream.close()
        handler.stream = open(full, "a", encoding="utf-8")  # noqa: SIM115 - a full disk
        handler._open = lambda: open(full, "a", encoding="utf-8")  # type: ignore[method-assign] # noqa: SIM115
        for i in range(3):
            logger.warning("lost %d", i)  # the disk is full: no traceback, no exception
        assert handler.lost == 3
        handler._open = real_open  # type: ignore[method-assign]  # room again
        logger.warning("back")
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.propagate = True
    assert capfd.readouterr() == ("", "")
    lines = (tmp_path / "q.log").read_text().splitlines()
    assert "3 log record(s) could not be written before this one" in lines[-2]
    assert "No space left on device" in lines[-2]
    assert lines[-1].endswith("linda.test.full: back")


@pytest.mark.parametrize("kind", ["null", "full"])
def test_a_device_as_the_log_is_refused_and_its_mode_kept(
    device: Callable[[str], Path], kind: str
) -> None:
    dev = device(kind)
    with pytest.raises(UnsafePathError) as caught:
        configure_logging(dev)
    assert "is a character device, not a regular file" in str(caught.value)
    assert stat.S_IMODE(os.stat(dev).st_mode) == 0o666
