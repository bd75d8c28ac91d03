"""Reading Google credential files safely, and writing the OAuth token file privately.

A key file path comes from the operator's settings and may name anything: a FIFO
(opening it for reading blocks until a writer appears), /dev/zero (never ends), a
folder, a huge file. Each is refused in one line without blocking: the file is opened
non-blocking, checked with fstat to be a regular file, and read with a size cap.

The token file Linda writes (``linda google login``) holds a refresh token: it is
created 0600 under a temporary name with O_CREAT|O_EXCL|O_NOFOLLOW and renamed over the
target, so it is never readable by others, never half-written, and a symlink planted at
its path is replaced, not followed.

Local to the contacts package for now: a shared safe-read helper is being added on
another branch (private_files), and these should become calls to it.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from linda_tui.contacts.errors import PeopleApiError, Problem

# A service-account key is about 2.3 KiB, a token file well under 1 KiB.
MAX_CREDENTIAL_BYTES = 64 * 1024


def _fail(message: str) -> PeopleApiError:
    return PeopleApiError(message, Problem.CREDENTIALS)


def read_json_file(path: Path, setting: str, fix: str) -> dict[str, Any]:
    """The JSON object in path, or a PeopleApiError (one line naming ``setting``).

    ``fix`` is what to do when the file exists but is not usable.
    """
    shown = f"{setting} {path}"
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise _fail(f"{shown}: no such file — {fix}") from None
    except IsADirectoryError:
        raise _fail(f"{shown}: is a folder, not a file — {fix}") from None
    except PermissionError:
        raise _fail(
            f"{shown}: no permission to read it — make it readable by the user running Linda"
        ) from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO or socket with nobody on the other end
            raise _fail(f"{shown}: is not a regular file — {fix}") from None
        raise _fail(f"{shown}: cannot open it ({exc.strerror}) — {fix}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise _fail(f"{shown}: is a folder, not a file — {fix}")
        if not stat.S_ISREG(info.st_mode):
            raise _fail(f"{shown}: is not a regular file — {fix}")
        too_big = (
            f"{shown}: larger than {MAX_CREDENTIAL_BYTES // 1024} KiB, so not a Google "
            f"credentials file — {fix}"
        )
        if info.st_size > MAX_CREDENTIAL_BYTES:
            raise _fail(too_big)
        chunks, size = [], 0
        while size <= MAX_CREDENTIAL_BYTES:
            chunk = os.read(fd, MAX_CREDENTIAL_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_CREDENTIAL_BYTES:
            raise _fail(too_big)
    except OSError as exc:
        raise _fail(f"{shown}: cannot read it ({exc.strerror}) — {fix}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _fail(f"{shown}: is not text (not UTF-8), so not a JSON file — {fix}") from None
    except ValueError as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise _fail(f"{shown}: is not valid JSON{where} — {fix}") from None
    if not isinstance(value, dict):
        raise _fail(f"{shown}: holds a JSON {type(value).__name__}, not an object — {fix}")
    return value


def write_private_json(path: Path, value: dict[str, Any]) -> None:
    """Write value to path as JSON, 0600, atomically; a symlink at path is replaced.

    The folder is created 0700 when missing. Raises OSError.
    """
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
        folder.chmod(0o700)  # whatever the umask
    temporary = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temporary, flags, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)  # rename() replaces a symlink, never follows it
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
