"""Logging for a full-screen console: a private rotating file, secrets masked, no console output.

``configure_logging`` must run before neonize is imported: importing neonize calls
``logging.basicConfig(INFO)`` with a stderr handler, which is a no-op once the root
logger has a handler. If neonize got in first anyway, its console handler is removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from linda_tui.private_files import ensure_folder, open_private
from linda_tui.store.urls import redact_urls_in_text

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
MAX_LOG_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 5
MASK = "***"

# A whole private key, masked first (its body would otherwise match the rules below).
_PRIVATE_KEY = (
    re.compile(
        r"-----BEGIN ([A-Z ]*)PRIVATE KEY-----(?:.*?-----END [A-Z ]*PRIVATE KEY-----|.*)",
        re.DOTALL,
    ),
    rf"-----BEGIN \1PRIVATE KEY-----{MASK}-----END \1PRIVATE KEY-----",
)
# After the keys and URL passwords (store.urls.redact_urls_in_text): headers, tokens and
# key=value pairs.
_REDACTIONS: list[tuple[re.Pattern[str], str]] = [
    # Authorization / Cookie headers: the whole value
    (
        re.compile(
            r"""(?i)\b((?:proxy-)?authorization|(?:set-)?cookie)(["']?\s*[:=]\s*["']?)[^"'\r\n]+"""
        ),
        rf"\1\2{MASK}",
    ),
    # a bearer / basic credential anywhere else
    (re.compile(r"(?i)\b(bearer|basic)\s+(?!\*\*\*)[A-Za-z0-9\-._~+/]+=*"), rf"\1 {MASK}"),
    # Google OAuth access and refresh tokens wherever they appear
    (re.compile(r"\bya29\.[0-9A-Za-z\-_.]+"), f"ya29.{MASK}"),
    (re.compile(r"\b1//[0-9A-Za-z\-_]{10,}"), f"1//{MASK}"),
    # key=value / "key": "value" for names that hold secrets (syncToken, client_secret, ...)
    (
        re.compile(
            r"""(?ix)
            (["']?\b[\w-]*(?:token|secret|password|passwd|api[_-]?key|private[_-]?key(?:[_-]id)?)["']?
             \s*[:=]\s*)
            (["']?)
            (?!\*\*\*|-----BEGIN)[^"'\s,;&}]+
            """
        ),
        rf"\1\2{MASK}",
    ),
]


# Every rule above needs one of these words to match (case aside): a line with none of
# them, as most log lines are, skips the rules (URLs have their own quick test).
_MAY_HOLD_SECRETS = re.compile(
    r"(?i)-----begin|authorization|cookie|bearer|basic|ya29\.|1//"
    r"|token|secret|passw|api[_-]?key|private[_-]?key"
)


def redact(text: str) -> str:
    """The text with secrets (tokens, private keys, passwords, auth headers) masked.

    Passwords in URLs are masked by ``store.urls.redact_url``, the one rule for them
    (``mongodb://linda:***@db.example/linda``).
    """
    if _MAY_HOLD_SECRETS.search(text) is None:
        return redact_urls_in_text(text)
    text = redact_urls_in_text(_PRIVATE_KEY[0].sub(_PRIVATE_KEY[1], text))
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's message, exception text and stack before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating log file: private (0600, never opened through a link) and quiet.

    Logs hold phone numbers and message text, so the file is opened with O_NOFOLLOW
    and must be a regular file of the user's (see linda_tui.private_files). A record
    that cannot be written (a full disk, a file removed under it) never reaches the
    terminal as a traceback and never breaks the command: it is counted, and the next
    record that can be written is preceded by a line saying how many were lost.
    Rotation renames files, which moves a planted link rather than writing through it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lost = 0  # records not written since the last one that was
        self.lost_reason = ""
        super().__init__(*args, **kwargs)

    def _open(self):  # type: ignore[no-untyped-def]
        fd = open_private(self.baseFilename, os.O_WRONLY | os.O_APPEND, "log file")
        return open(fd, "a", encoding=self.encoding, errors=self.errors)  # noqa: SIM115

    def emit(self, record: logging.LogRecord) -> None:
        lost = self.lost
        if lost:
            self.lost = 0
            super().emit(self._lost_note(lost))
            if self.lost:  # still failing; the note itself is not a lost record
                self.lost = lost
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        # logging's own handleError prints a traceback on stderr: on the console's screen.
        self.lost += 1
        problem = sys.exc_info()[1]
        self.lost_reason = " ".join(str(problem).split())[:200] if problem else "unknown"
        if self.stream is not None and problem is not None:
            # Drop what could not be written, so it is not retried with every record.
            with contextlib.suppress(Exception):
                self.stream.close()
            self.stream = None

    def _lost_note(self, lost: int) -> logging.LogRecord:
        return logging.LogRecord(
            "linda.logging",
            logging.WARNING,
            __file__,
            0,
            "%d log record(s) could not be written before this one (%s)",
            (lost, self.lost_reason),
            None,
        )


def _writes_to_terminal(handler: logging.Handler) -> bool:
    stream = getattr(handler, "stream", None)
    return isinstance(handler, logging.StreamHandler) and stream in {
        sys.stderr,
        sys.stdout,
        sys.__stderr__,
        sys.__stdout__,
    }


def configure_logging(log_file: Path | str, level: int | str = "INFO") -> Path:
    """Send all logging (the root logger) to a private rotating file, secrets masked.

    Creates the file's folder (0700; an existing folder must be the user's and writable
    by nobody else) and the file (0600, never through a link). Removes handlers that write to the terminal
    (the console owns the screen) and any handler a previous call installed; other
    handlers stay. Python warnings are logged too. Returns the absolute log path.
    Raises OSError when the file cannot be opened (UnsafePathError, an OSError, when
    it or its folder is not safe to write).
    """
    path = Path(os.path.abspath(Path(log_file).expanduser()))
    ensure_folder(path.parent, "log folder", "LINDA_LOG_FILE")
    # Opened without following links; an existing file of the user's that is looser
    # than 0600 is tightened through the descriptor (never /dev/null and the like).
    handler = PrivateRotatingFileHandler(
        path, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactingFilter())
    handler.set_name("linda-file")

    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == "linda-file" or _writes_to_terminal(old):
            root.removeHandler(old)
            old.close()
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    logging.captureWarnings(True)
    return path


def current_log_file() -> Path | None:
    """The file configure_logging set up, or None when it has not run."""
    for handler in logging.getLogger().handlers:
        if handler.get_name() == "linda-file" and isinstance(handler, RotatingFileHandler):
            return Path(handler.baseFilename)
    return None
