"""Private files and folders (linda_tui.private_files) and capped reads (linda_tui.input_files).

Hostile things are made here, never pointed at the machine's own: /dev/null, /dev/zero
and /dev/full are copied with mknod (as root) into the test's folder, so a regression
can never chmod or fill the real ones.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from linda_tui.input_files import InputFileError, read_input
from linda_tui.private_files import (
    UnsafePathError,
    ensure_folder,
    folder_problem,
    open_private,
    write_private_atomic,
)

NOBODY = 65534
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chown)")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def within(seconds: float, work: Callable[[], Any]) -> Any:
    """work() in a thread; fail if it has not finished in ``seconds`` (a FIFO that
    blocks would otherwise hang the test run for ever)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the test below
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def one_line(error: BaseException) -> str:
    text = str(error)
    assert text.strip() and "\n" not in text, f"not one line: {text!r}"
    return text


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask: what Linda creates must still be private."""
    old = os.umask(0)
    yield
    os.umask(old)


# --- folders -----------------------------------------------------------------------------


def test_folders_and_their_parents_are_made_0700_whatever_the_umask(
    tmp_path: Path, open_umask: None
) -> None:
    made = ensure_folder(tmp_path / "a" / "b" / "c", "data folder")
    assert made == tmp_path / "a" / "b" / "c"
    assert [mode(tmp_path / p) for p in ("a", "a/b", "a/b/c")] == [0o700] * 3


def test_a_folder_only_readable_by_others_is_used_as_it_is_unless_private(
    tmp_path: Path,
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data").chmod(0o755)  # e.g. the folder Linda was cloned into
    ensure_folder(tmp_path / "data", "data folder")
    assert mode(tmp_path / "data") == 0o755  # the operator's folder: never chmod-ed
    ensure_folder(tmp_path / "data", "sessions folder", private=True)
    assert mode(tmp_path / "data") == 0o700  # sessions: secrets, tightened


@pytest.mark.parametrize("bits", [0o777, 0o770, 0o1777, 0o707, 0o720])
def test_a_folder_others_can_write_to_is_refused_with_the_fix(tmp_path: Path, bits: int) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(bits)
    with pytest.raises(UnsafePathError) as caught:
        ensure_folder(folder, "data folder", "--data-dir")
    text = one_line(caught.value)
    assert text.startswith(f"{folder}: the data folder is writable by other users")
    assert f"chmod 700 {folder}" in text and "--data-dir" in text


@pytest.mark.parametrize(("bits", "refused"), [(0o777, True), (0o770, True), (0o1777, False)])
def test_a_folder_is_made_only_where_others_cannot_swap_it(
    tmp_path: Path, bits: int, refused: bool
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(bits)
    if not refused:  # sticky, like /tmp: nobody else can rename what Linda makes there
        ensure_folder(shared / "linda" / "sessions", "sessions folder")
        assert mode(shared / "linda") == mode(shared / "linda" / "sessions") == 0o700
        return
    with pytest.raises(UnsafePathError) as caught:
        ensure_folder(shared / "linda" / "sessions", "sessions folder", "LINDA_SESSIONS_DIR")
    text = one_line(caught.value)
    assert text.startswith(f"{shared}: the folder where Linda would make the sessions folder")
    assert f"chmod go-w {shared}" in text and "LINDA_SESSIONS_DIR" in text
    assert not (shared / "linda").exists()  # refused before anything was made


@ROOT_ONLY
def test_a_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    os.chown(folder, NOBODY, NOBODY)
    with pytest.raises(UnsafePathError) as caught:
        ensure_folder(folder, "data folder", "--data-dir")
    assert f"belongs to another user (uid {NOBODY}" in one_line(caught.value)


@ROOT_ONLY
def test_a_link_to_a_folder_is_followed_only_when_you_made_it(tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.mkdir(mode=0o700)
    mine = tmp_path / "mine"
    mine.symlink_to(target)
    assert folder_problem(mine, "sessions folder") is None
    theirs = tmp_path / "theirs"
    theirs.symlink_to(target)
    os.lchown(theirs, NOBODY, NOBODY)
    problem = folder_problem(theirs, "sessions folder")
    assert problem is not None and "symbolic link made by another user" in one_line(problem)


def test_a_file_where_a_folder_should_be_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("")
    with pytest.raises(UnsafePathError) as caught:
        ensure_folder(tmp_path / "taken" / "logs", "log folder")
    assert "is a file" in one_line(caught.value)


# --- private files -----------------------------------------------------------------------


def test_a_new_private_file_is_0600_whatever_the_umask(tmp_path: Path, open_umask: None) -> None:
    os.close(open_private(tmp_path / "linda.log", os.O_WRONLY | os.O_APPEND, "log file"))
    assert mode(tmp_path / "linda.log") == 0o600


def test_an_existing_loose_file_of_yours_is_tightened(tmp_path: Path) -> None:
    (tmp_path / "linda.log").write_text("old lines\n")
    (tmp_path / "linda.log").chmod(0o644)
    os.close(open_private(tmp_path / "linda.log", os.O_WRONLY | os.O_APPEND, "log file"))
    assert mode(tmp_path / "linda.log") == 0o600
    assert (tmp_path / "linda.log").read_text() == "old lines\n"


def test_a_planted_link_is_never_written_through(tmp_path: Path, victim: Path) -> None:
    (tmp_path / ".linda.lock").symlink_to(victim)
    with pytest.raises(UnsafePathError) as caught:
        open_private(tmp_path / ".linda.lock", os.O_RDWR, "lock file")
    assert "the lock file is a symbolic link" in one_line(caught.value)


def test_a_planted_link_to_nothing_is_not_created_through(tmp_path: Path) -> None:
    (tmp_path / "linda.log").symlink_to(tmp_path / "made-through-the-link")
    with pytest.raises(UnsafePathError):
        open_private(tmp_path / "linda.log", os.O_WRONLY | os.O_APPEND, "log file")
    assert not (tmp_path / "made-through-the-link").exists()


def test_a_hard_link_to_another_file_is_refused(tmp_path: Path, victim: Path) -> None:
    os.link(victim, tmp_path / "linda.log")
    with pytest.raises(UnsafePathError) as caught:
        open_private(tmp_path / "linda.log", os.O_WRONLY | os.O_APPEND, "log file")
    assert "has 2 names (hard links)" in one_line(caught.value)


@pytest.mark.parametrize("flags", [os.O_WRONLY | os.O_APPEND, os.O_RDWR, os.O_RDONLY])
def test_a_fifo_is_refused_without_waiting(tmp_path: Path, flags: int) -> None:
    os.mkfifo(tmp_path / "linda.log")
    with pytest.raises(UnsafePathError) as caught:
        within(5, lambda: open_private(tmp_path / "linda.log", flags, "log file"))
    assert "is a FIFO (named pipe), not a regular file" in one_line(caught.value)


@pytest.mark.parametrize("kind", ["null", "full", "zero"])
def test_a_device_is_refused_and_its_mode_never_changed(
    device: Callable[[str], Path], kind: str
) -> None:
    dev = device(kind)
    with pytest.raises(UnsafePathError) as caught:
        open_private(dev, os.O_WRONLY | os.O_APPEND, "log file")
    assert "is a character device, not a regular file" in one_line(caught.value)
    assert mode(dev) == 0o666  # `LINDA_LOG_FILE=/dev/null` once made /dev/null 0600


@ROOT_ONLY
def test_a_file_of_another_user_is_refused_and_not_chmod_ed(tmp_path: Path) -> None:
    theirs = tmp_path / "linda.db"
    theirs.write_text("")
    theirs.chmod(0o644)
    os.chown(theirs, NOBODY, NOBODY)
    with pytest.raises(UnsafePathError) as caught:
        open_private(theirs, os.O_RDONLY, "store")
    assert "belongs to another user" in one_line(caught.value)
    assert mode(theirs) == 0o644


def test_an_atomic_write_refuses_a_link_at_the_file_and_removes_one_at_its_temporary(
    tmp_path: Path, victim: Path, open_umask: None
) -> None:
    session = tmp_path / "demo-main.json"
    (tmp_path / ".demo-main.json.tmp").symlink_to(victim)
    assert write_private_atomic(session, b'{"simulated": true}', "demo session") is False
    assert not session.is_symlink() and session.read_bytes() == b'{"simulated": true}'
    assert mode(session) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["demo-main.json", "victim"]
    session.unlink()
    session.symlink_to(victim)
    with pytest.raises(UnsafePathError) as caught:
        write_private_atomic(session, b"{}", "demo session")
    assert one_line(caught.value) == (
        f"{session}: the demo session is a symbolic link, not a regular file — remove the link"
    )
    assert session.is_symlink() and sorted(os.listdir(tmp_path)) == ["demo-main.json", "victim"]


@pytest.mark.parametrize("kind", ["fifo", "folder", "null", "link-to-null"])
def test_an_atomic_write_never_replaces_what_is_not_a_regular_file(
    tmp_path: Path, device: Callable[[str], Path], kind: str
) -> None:
    """A rename over /dev/null (as root) made it a regular file: whatever is at the
    path stays exactly what it was, and the one line says so."""
    target = tmp_path / "google-token.json"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    elif kind == "null":
        os.rename(device("null"), target)
    else:
        target.symlink_to(device("null"))
    before = os.lstat(target)
    with pytest.raises(UnsafePathError) as caught:
        within(5, lambda: write_private_atomic(target, b"{}", "token file", elsewhere="pass --x"))
    words = {
        "fifo": "a FIFO (named pipe)",
        "folder": "a folder",
        "null": "a character device",
        "link-to-null": "a symbolic link",
    }[kind]
    noun = "the link" if kind == "link-to-null" else "it"
    assert one_line(caught.value) == (
        f"{target}: the token file is {words}, not a regular file — remove {noun}, or pass --x"
    )
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert [p for p in os.listdir(target.parent) if p.endswith(".tmp")] == []


def test_an_atomic_write_replaces_a_regular_file_and_says_so(
    tmp_path: Path, open_umask: None
) -> None:
    token = tmp_path / "token.json"
    token.write_text("old")
    token.chmod(0o644)
    assert write_private_atomic(token, b"new", "token file", durable=True) is True
    assert token.read_bytes() == b"new" and mode(token) == 0o600


def test_an_atomic_write_makes_every_missing_folder_0700(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "some" / "new" / "dir" / "x" / "tok.json"
    assert write_private_atomic(path, b"{}", "token file") is False
    made = ["some", "some/new", "some/new/dir", "some/new/dir/x"]
    assert [mode(tmp_path / p) for p in made] == [0o700] * 4
    assert mode(path) == 0o600


# --- capped reads ------------------------------------------------------------------------


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    (tmp_path / "key.json").write_bytes(b"{}" * 100)
    assert read_input(tmp_path / "key.json", limit=200) == b"{}" * 100


def hostile(tmp_path: Path, kind: str, device: Callable[[str], Path]) -> Path:
    """A path that is anything but a small regular file."""
    path = tmp_path / f"hostile-{kind}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "huge":
        with open(path, "wb") as handle:
            handle.truncate(8 * 1024**3)  # sparse: 8 GiB that take no room
    else:
        return device(kind)
    return path


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("fifo", "is a FIFO (named pipe), not a regular file"),
        ("zero", "is a character device, not a regular file"),
        ("null", "is a character device, not a regular file"),
        ("folder", "is a folder, not a file"),
        ("huge", "is larger than 1 MiB"),
    ],
)
def test_anything_but_a_small_regular_file_is_refused_at_once(
    tmp_path: Path, device: Callable[[str], Path], kind: str, reason: str
) -> None:
    path = hostile(tmp_path, kind, device)
    with pytest.raises(InputFileError) as caught:
        within(5, lambda: read_input(path, limit=1024 * 1024))
    assert one_line(caught.value) == f"{path}: {reason}"


def test_a_file_that_grows_past_the_cap_while_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "growing"
    path.write_bytes(b"x" * 10)
    real_fstat = os.fstat

    def fstat_then_grow(fd: int) -> os.stat_result:
        info = real_fstat(fd)  # what was seen: small
        with open(path, "ab") as handle:  # then it grows before it is read
            handle.write(b"y" * 100)
        return info

    monkeypatch.setattr(os, "fstat", fstat_then_grow)
    with pytest.raises(InputFileError) as caught:
        read_input(path, limit=50)
    assert caught.value.kind == "too-large"


def test_links_are_followed_for_inputs_but_not_for_private_files(
    tmp_path: Path, victim: Path
) -> None:
    (tmp_path / "bots.yaml").symlink_to(victim)  # the operator's own link: fine
    assert read_input(tmp_path / "bots.yaml", limit=100) == b"precious\n"
    with pytest.raises(InputFileError) as caught:
        read_input(tmp_path / "bots.yaml", limit=100, follow_links=False)
    assert caught.value.kind == "link"


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as caught:
        read_input(tmp_path / "nothing", limit=100)
    assert caught.value.missing


@ROOT_ONLY
def test_a_folder_is_never_made_in_a_folder_another_user_owns(tmp_path: Path) -> None:
    """Their 0755 folder: nobody else can write there, but they can, and swap what Linda
    makes for a link to anywhere (Linda ran as root)."""
    theirs = tmp_path / "mallory"
    theirs.mkdir(mode=0o755)
    os.chown(theirs, NOBODY, NOBODY)
    with pytest.raises(UnsafePathError) as caught:
        ensure_folder(theirs / "data", "data folder", "--data-dir")
    text = one_line(caught.value)
    assert text.startswith(f"{theirs}: the folder where Linda would make the data folder")
    assert f"belongs to another user (uid {NOBODY})" in text
    assert not (theirs / "data").exists()


@ROOT_ONLY
def test_a_link_another_user_made_anywhere_on_the_way_is_refused(tmp_path: Path) -> None:
    """Their link as a parent (--data-dir /tmp/theirs/lnk/sub) led Linda to make and
    write its files where they chose; only a link as the last name was checked."""
    victim = tmp_path / "victim"
    victim.mkdir(mode=0o700)
    sticky = tmp_path / "tmp"
    sticky.mkdir()
    sticky.chmod(0o1777)  # like /tmp: anyone can make a link here
    link = sticky / "lnk"
    link.symlink_to(victim)
    os.lchown(link, NOBODY, NOBODY)
    with pytest.raises(UnsafePathError) as caught:
        ensure_folder(link / "sub", "data folder", "--data-dir")
    text = one_line(caught.value)
    assert text.startswith(f"{link}: a symbolic link on the way to the data folder")
    assert "made by another user" in text and "--data-dir" in text
    assert not (victim / "sub").exists()
    # A link of your own on the way is followed, and what lies beyond it is checked too.
    os.lchown(link, 0, 0)
    assert ensure_folder(link / "sub", "data folder") == link / "sub"
    assert (victim / "sub").is_dir() and mode(victim / "sub") == 0o700
    os.chown(victim, NOBODY, NOBODY)
    problem = folder_problem(link / "sub" / "more", "data folder")
    assert problem is not None and "belongs to another user" in one_line(problem)


@ROOT_ONLY
def test_a_folder_on_the_way_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    (theirs / "inner").mkdir(parents=True, mode=0o700)
    os.chown(theirs, NOBODY, NOBODY)
    problem = folder_problem(theirs / "inner", "sessions folder", "LINDA_SESSIONS_DIR")
    assert problem is not None
    text = one_line(problem)
    assert text.startswith(f"{theirs}: a folder on the way to the sessions folder belongs")
    assert "LINDA_SESSIONS_DIR" in text


@ROOT_ONLY
def test_another_users_link_reached_through_one_of_yours_is_refused(tmp_path: Path) -> None:
    """~/data -> /tmp/shared (yours) -> ~/secret (theirs): their link chose the folder
    Linda writes in, though the path named only yours."""
    secret = tmp_path / "secret"
    secret.mkdir(mode=0o700)
    sticky = tmp_path / "tmp"
    sticky.mkdir()
    sticky.chmod(0o1777)
    theirs = sticky / "shared"
    theirs.symlink_to(secret)
    os.lchown(theirs, NOBODY, NOBODY)
    mine = tmp_path / "data"
    mine.symlink_to(theirs)
    problem = folder_problem(mine, "data folder", "--data-dir")
    assert problem is not None
    text = one_line(problem)
    assert text.startswith(f"{theirs}: a symbolic link on the way to the data folder"), text
