"""Linda's private files and folders: never written through a link, never in a folder
that someone else can write to.

The danger: in a data folder other users can write to (under /tmp, say), anyone could
plant a symbolic link at ``sessions/.linda.lock`` or ``logs/linda.log`` and make Linda
(perhaps run as root) overwrite, append to or chmod the link's target. The rules:

- Folders Linda creates are made 0700 whatever the umask, missing parents too.
- A folder Linda writes in must belong to you and be writable by nobody else (no
  group or other write bit); otherwise a one-line error names it and the fix. A folder
  that is only *readable* by others (0755, e.g. the folder Linda was cloned into) is
  used as it is and never chmod-ed: the files in it are 0600. The sessions folders hold
  secrets and are tightened to 0700 (they are yours: that was checked first).
- A symbolic link to a folder is followed when you (or root) made it; one made by
  another user is refused, wherever it is on the way. So is a folder on the way that
  belongs to another user, or that others may write to without the sticky bit (/tmp
  has it): they could swap what is in it for a link.
- Private files (the lock, the log, the store, sessions, the demo network's files) are
  opened with O_NOFOLLOW, created with O_CREAT|O_EXCL, and must be regular files that
  belong to you and have a single name. Only such files are ever chmod-ed, through the
  open descriptor, so a link swapped in meanwhile is never followed.
- A private file written whole (the Google token, the demo's key and sessions) goes
  through ``write_private_atomic``: it replaces a missing or regular file only, never
  a FIFO, a device, a folder or a link planted at its path.

Errors are UnsafePathError: an OSError (code that handles a file it cannot open handles
this too) and a ConfigError (a command stops with the one line and exit status 2).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from linda_tui.config.errors import ConfigError
from linda_tui.terminal_text import visible

PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700
_WRITABLE_BY_OTHERS = stat.S_IWGRP | stat.S_IWOTH
_OPEN_FLAGS = os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY


class UnsafePathError(OSError, ConfigError):
    """A private file or folder Linda will not use. ``str()`` is the one-line message,
    ``what is wrong — how to fix it``."""

    def __init__(self, path: Path | str, problem: str, fix: str) -> None:
        message = f"{visible(str(path))}: {problem} — {fix}"
        OSError.__init__(self, errno.EPERM, f"{problem} — {fix}", str(path))
        self.problem = problem
        self.fix = fix
        self.problems = [message]
        self.message = message

    def __str__(self) -> str:
        return self.message


def kind_of(mode: int) -> str:
    """What a file mode describes, as words: "a FIFO (named pipe)", "a folder"..."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a file" if stat.S_ISREG(mode) else "not a file"


def _you() -> int:
    return os.geteuid()


# --- folders ---------------------------------------------------------------------------


def folder_problem(
    path: Path | str, what: str, setting: str | None = None
) -> UnsafePathError | None:
    """Why an existing folder must not be used (None when it is fine or missing).

    ``what`` names it in the message ("sessions folder"); ``setting`` is where the
    operator chooses another one ("LINDA_SESSIONS_DIR"). Reads only: nothing is created
    or changed.
    """
    path = Path(path)
    elsewhere = f"point {setting} at" if setting else "choose"
    problem = _way_problem(path, what, elsewhere)
    if problem is not None:
        return problem
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return _ancestor_problem(path, what, elsewhere)
    except OSError as exc:
        return UnsafePathError(
            path, f"cannot look at the {what} ({exc.strerror})", f"{elsewhere} another folder"
        )
    if stat.S_ISLNK(info.st_mode):
        if info.st_uid not in (_you(), 0):
            return UnsafePathError(
                path,
                f"the {what} is a symbolic link made by another user (uid {info.st_uid})",
                f"remove the link, or {elsewhere} another folder",
            )
        try:
            info = os.stat(path)
        except OSError:
            return UnsafePathError(
                path, f"the {what} is a symbolic link to nothing", "remove the link"
            )
    if not stat.S_ISDIR(info.st_mode):
        return UnsafePathError(
            path, f"the {what} is {kind_of(info.st_mode)}, not a folder", f"{elsewhere} a folder"
        )
    if info.st_uid != _you():
        return UnsafePathError(
            path,
            f"the {what} belongs to another user (uid {info.st_uid}; you are {_you()})",
            f"{elsewhere} a folder of your own",
        )
    if info.st_mode & _WRITABLE_BY_OTHERS:
        return UnsafePathError(
            path,
            f"the {what} is writable by other users (mode {stat.S_IMODE(info.st_mode):04o}), "
            "who could plant links in it",
            f"chmod 700 {visible(str(path))}, or {elsewhere} a folder only you can write to",
        )
    return None


# Links followed on the way to a folder before giving up (Linux's own limit is 40).
_MAX_LINKS = 40


def _way_problem(path: Path, what: str, elsewhere: str) -> UnsafePathError | None:
    """Every folder and link on the way to ``path`` (its own checks apart): each link
    must be yours or root's, and each folder passed through yours or root's, writable by
    no one else unless sticky like /tmp. Another user who owns a folder on the way, or
    may write in it, could swap what comes next for a link to a folder of their choice.
    Links are followed one by one, as the kernel does, so each one's owner is seen."""
    you = _you()
    current = Path("/")
    pending = list(Path(os.path.abspath(path)).parts[1:])
    links = 0
    while pending:
        name = pending.pop(0)
        if name in ("", "."):
            continue
        if name == "..":
            current = current.parent
            continue
        step = current / name
        try:
            info = os.lstat(step)
        except OSError:
            return None  # missing (made later, in current) or unreadable: said later
        if stat.S_ISLNK(info.st_mode):
            if info.st_uid not in (you, 0):
                if not pending and not links:
                    return None  # the path itself names such a link: the caller says so
                return UnsafePathError(
                    step,
                    f"a symbolic link on the way to the {what}, made by another user "
                    f"(uid {info.st_uid}), who chooses where it leads",
                    f"remove the link, or {elsewhere} another folder",
                )
            links += 1
            if links > _MAX_LINKS:
                return UnsafePathError(
                    path, f"too many symbolic links on the way to the {what}", "fix the links"
                )
            target = Path(os.readlink(step))
            if target.is_absolute():
                current = Path("/")
                pending = list(target.parts[1:]) + pending
            else:
                pending = list(target.parts) + pending
            continue
        if not stat.S_ISDIR(info.st_mode) or not pending:
            return None  # a file on the way, or the folder itself: checked by the caller
        if not os.path.lexists(step / pending[0]):
            return None  # where the missing folders are made: see _ancestor_problem
        problem = _parent_problem(step, info, f"a folder on the way to the {what}", elsewhere)
        if problem is not None:
            return problem
        current = step
    return None


def _ancestor_problem(path: Path, what: str, elsewhere: str) -> UnsafePathError | None:
    """A missing folder is made in its nearest existing ancestor: refused when it
    belongs to another user, or others can write there without the sticky bit (they
    could swap what Linda makes for a link; /tmp's sticky bit stops that)."""
    probe = Path(os.path.abspath(path)).parent
    while not os.path.lexists(probe) and probe != probe.parent:
        probe = probe.parent
    try:
        info = os.stat(probe)
    except OSError:
        return None  # creating the folder will fail and say why
    return _parent_problem(probe, info, f"the folder where Linda would make the {what}", elsewhere)


def _parent_problem(
    folder: Path, info: os.stat_result, where: str, elsewhere: str
) -> UnsafePathError | None:
    """Why a folder Linda goes through, or makes folders in, must not be used (``where``
    names it in the message): it belongs to another user (root apart), or others may
    write in it without the sticky bit (/tmp has it); either could swap what is in it
    for a link."""
    if info.st_uid not in (_you(), 0):
        return UnsafePathError(
            folder,
            f"{where} belongs to another user (uid {info.st_uid}), who could swap what is "
            "in it for a link",
            f"{elsewhere} a folder of your own",
        )
    if info.st_mode & _WRITABLE_BY_OTHERS and not info.st_mode & stat.S_ISVTX:
        return UnsafePathError(
            folder,
            f"{where} is writable by other users (mode {stat.S_IMODE(info.st_mode):04o}), "
            "who could swap what is in it for a link",
            f"chmod go-w {visible(str(folder))}, or {elsewhere} a folder only you can write to",
        )
    return None


def ensure_folder(
    path: Path | str, what: str, setting: str | None = None, *, private: bool = False
) -> Path:
    """Make ``path`` a folder Linda can safely write in; return it.

    Missing folders (parents too) are created 0700 whatever the umask. An existing one
    must pass ``folder_problem`` (``what`` and ``setting`` word its message).
    ``private``: also tighten it to 0700 (sessions). Raises UnsafePathError, or OSError
    when a folder cannot be created.
    """
    path = Path(os.path.abspath(path))
    problem = folder_problem(path, what, setting)  # before anything is made
    if problem is not None:
        raise problem
    missing: list[Path] = []
    probe = path
    while not os.path.lexists(probe) and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_FOLDER_MODE)
        except FileExistsError:
            continue  # made meanwhile by someone else: checked below like any other
        except NotADirectoryError:
            raise UnsafePathError(
                folder,
                f"cannot create the {what}: {visible(str(folder.parent))} is a file",
                f"point {setting} at a folder" if setting else "choose a folder",
            ) from None
        _chmod_folder(folder)  # the umask may have taken bits away; this is ours
    problem = folder_problem(path, what, setting)
    if problem is not None:
        raise problem
    if private and stat.S_IMODE(os.stat(path).st_mode) != PRIVATE_FOLDER_MODE:
        _chmod_folder(path)
    return path


def _chmod_folder(folder: Path) -> None:
    """chmod 700 through a descriptor of the folder itself, never through a link."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | os.O_NOFOLLOW)
    try:
        os.fchmod(fd, PRIVATE_FOLDER_MODE)
    finally:
        os.close(fd)


# --- files -----------------------------------------------------------------------------


def file_problem(path: Path | str, what: str) -> UnsafePathError | None:
    """Why an existing private file must not be used (None when fine or missing).

    Reads only (lstat): a link, anything but a regular file, another user's file, or a
    file with other names (hard links) is refused.
    """
    path = Path(path)
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        return UnsafePathError(path, f"cannot look at the {what} ({exc.strerror})", "check it")
    return _problem_of(path, info, what)


def _problem_of(path: Path, info: os.stat_result, what: str) -> UnsafePathError | None:
    if stat.S_ISLNK(info.st_mode):
        return UnsafePathError(
            path,
            f"the {what} is a symbolic link, and Linda never writes its private files "
            "through a link",
            "remove the link (Linda makes the file itself)",
        )
    if not stat.S_ISREG(info.st_mode):
        return UnsafePathError(
            path,
            f"the {what} is {kind_of(info.st_mode)}, not a regular file",
            "remove it, or choose another place for it",
        )
    if info.st_uid != _you():
        return UnsafePathError(
            path,
            f"the {what} belongs to another user (uid {info.st_uid}; you are {_you()})",
            "remove it, or choose a folder of your own",
        )
    if info.st_nlink > 1:
        return UnsafePathError(
            path,
            f"the {what} has {info.st_nlink} names (hard links)",
            "remove this name so that Linda makes its own file",
        )
    return None


def refuse_unsafe_file(path: Path | str, what: str) -> None:
    """Raise UnsafePathError when an existing private file fails ``file_problem``."""
    problem = file_problem(path, what)
    if problem is not None:
        raise problem


def open_private(path: Path | str, flags: int, what: str, *, create: bool = True) -> int:
    """Open a private file without following links; return the descriptor (blocking mode).

    ``flags``: the access mode and extras such as ``os.O_APPEND``. A missing file is
    created 0600 with O_EXCL when ``create``, else FileNotFoundError. An existing file
    must be a regular file of yours with a single name; when its mode lets anyone else
    in, it is tightened to 0600 through the descriptor. Raises UnsafePathError.
    """
    path = Path(path)
    fd, created = _open_or_create(path, flags | _OPEN_FLAGS, what, create)
    try:
        info = os.fstat(fd)
        problem = _problem_of(path, info, what)
        if problem is not None:
            raise problem
        if created or stat.S_IMODE(info.st_mode) & 0o077:
            os.fchmod(fd, PRIVATE_FILE_MODE)  # the umask or an older Linda left it looser
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_or_create(path: Path, flags: int, what: str, create: bool) -> tuple[int, bool]:
    """(descriptor, whether this call created the file)."""
    for _attempt in range(3):  # another process may create or remove it meanwhile
        try:
            return os.open(path, flags), False
        except FileNotFoundError:
            if not create:
                raise
        except OSError as exc:
            raise _open_failure(path, exc, what) from None
        try:
            return os.open(path, flags | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE), True
        except FileExistsError:
            continue  # made meanwhile (another Linda starting): open what is there
        except OSError as exc:
            raise _open_failure(path, exc, what) from None
    raise _open_failure(path, FileExistsError(errno.EEXIST, "keeps changing"), what)


def _open_failure(path: Path, exc: OSError, what: str) -> OSError:
    """The error to raise when opening failed: an UnsafePathError when the path is not
    a file Linda may use (a link gives ELOOP, a FIFO without a reader ENXIO...)."""
    problem = file_problem(path, what)
    if problem is not None:
        return problem
    return exc


def write_private_atomic(
    path: Path | str, data: bytes, what: str, *, durable: bool = False, elsewhere: str = ""
) -> bool:
    """Replace ``path`` with a 0600 file holding ``data``, all or nothing; True when a
    file was there before (a re-login replacing its token, say).

    Only a missing file or a regular file is ever replaced: anything else at ``path``
    (a FIFO, a device such as /dev/null, a folder, a symbolic link) is refused with an
    UnsafePathError, since a rename would put Linda's file in its place (as root, even
    over /dev/null). Missing folders are made 0700 (``ensure_folder``). Written to
    ``.<name>.tmp`` beside it first (a link or file left at that name is removed, never
    followed), then renamed over ``path``. ``durable``: fsync it first, so that even a
    power cut leaves the old file or the whole new one (costs tens of milliseconds on a
    busy disk: for secrets that are hard to get again, such as a refresh token).
    ``elsewhere`` words the other fix for a refused path ("pass another --token").
    """
    path = Path(path)
    folder = path.parent
    if not os.path.lexists(folder):
        ensure_folder(folder, f"folder of the {what}")
    replaced = check_replaceable(path, what, elsewhere)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    fd = open_private(tmp, os.O_WRONLY, what)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if durable:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    os.close(fd)
    try:
        check_replaceable(path, what, elsewhere)  # planted while the data was written?
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return replaced


def check_replaceable(path: Path | str, what: str, elsewhere: str = "") -> bool:
    """Whether a regular file is at ``path`` (lstat: links are not followed); raise
    UnsafePathError when something else is (``write_private_atomic`` would not replace
    it). Call it before asking for something hard to get again."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    if stat.S_ISREG(info.st_mode):
        return True
    noun = "the link" if stat.S_ISLNK(info.st_mode) else "it"
    raise UnsafePathError(
        path,
        f"the {what} is {kind_of(info.st_mode)}, not a regular file",
        f"remove {noun}, or {elsewhere}" if elsewhere else f"remove {noun}",
    )
