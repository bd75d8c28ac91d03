"""Reading Google credential files safely, and writing the OAuth token file privately.

A key file path comes from the operator's settings and may name anything: a FIFO
(opening it for reading blocks until a writer appears), /dev/zero (never ends), a
folder, a huge file. Each is refused in one line without blocking: the file is opened
non-blocking, checked with fstat to be a regular file, and read with a size cap.

The token file Linda writes (``linda google login``) holds a refresh token: it is
created 0600 under a temporary name with O_CREAT|O_EXCL|O_NOFOLLOW and renamed over the
target, so it is never readable by others, never half-written, and a symlink planted at
its path is replaced, not followed.

"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from linda_tui.contacts.errors import PeopleApiError, Problem
from linda_tui.input_files import InputFileError, read_input
from linda_tui.terminal_text import visible

# A service-account key is about 2.3 KiB, a token file well under 1 KiB.
MAX_CREDENTIAL_BYTES = 64 * 1024


def _fail(message: str) -> PeopleApiError:
    return PeopleApiError(message, Problem.CREDENTIALS)


def read_json_file(path: Path, setting: str, fix: str) -> dict[str, Any]:
    """The JSON object in path, or a PeopleApiError (one line naming ``setting``).

    ``fix`` is what to do when the file exists but is not usable. The bytes are read as
    every input file is (``input_files.read_input``: regular files only, never waiting,
    at most MAX_CREDENTIAL_BYTES).
    """
    shown = f"{setting} {visible(str(path))}"
    try:
        data = read_input(path, limit=MAX_CREDENTIAL_BYTES)
    except InputFileError as exc:
        if exc.kind == "unreadable" and "ermission" in exc.reason:
            raise _fail(
                f"{shown}: no permission to read it — make it readable by the user running Linda"
            ) from None
        reason = exc.reason
        if exc.kind == "too-large":
            reason += ", so not a Google credentials file"
        raise _fail(f"{shown}: {reason} — {fix}") from None
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
