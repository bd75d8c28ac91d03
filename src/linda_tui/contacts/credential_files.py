"""Reading Google credential files safely.

A key file path comes from the operator's settings and may name anything: a FIFO
(opening it for reading blocks until a writer appears), /dev/zero (never ends), a
folder, a huge file. Each is refused in one line without blocking: the file is opened
non-blocking, checked with fstat to be a regular file, and read with a size cap.

The token file Linda writes (``linda google login``) and the demo's key are written with
``private_files.write_private_atomic``: 0600, never half-written, never over anything
but a regular file.

"""

from __future__ import annotations

import json
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
    except (ValueError, RecursionError) as exc:  # nested past Python's limit too
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise _fail(f"{shown}: is not valid JSON{where} — {fix}") from None
    if not isinstance(value, dict):
        raise _fail(f"{shown}: holds a JSON {type(value).__name__}, not an object — {fix}")
    return value
