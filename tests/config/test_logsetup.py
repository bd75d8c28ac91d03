"""Logging: a private rotating file, nothing on the terminal, secrets masked."""

from __future__ import annotations

import logging
import stat
import sys
import warnings
from pathlib import Path

import pytest

from linda_tui import logsetup
from linda_tui.logsetup import configure_logging, current_log_file, redact

PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"


def read_log(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_logs_go_to_a_private_file_in_a_new_folder(tmp_path: Path) -> None:
    path = configure_logging(tmp_path / "logs" / "linda.log")
    logging.getLogger("linda_tui.test").info("fleet started with %d bots", 3)
    assert path == tmp_path / "logs" / "linda.log" and current_log_file() == path
    assert "INFO    linda_tui.test: fleet started with 3 bots" in read_log(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_nothing_reaches_the_terminal(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    # What importing neonize does before Linda could stop it: a stderr handler on root.
    logging.getLogger().addHandler(logging.StreamHandler(sys.stderr))
    configure_logging(tmp_path / "linda.log")
    logging.basicConfig(level=logging.INFO)  # what neonize does on import: now a no-op
    logging.getLogger("whatsmeow.Client").warning("websocket dropped")
    warnings.warn("something deprecated", DeprecationWarning, stacklevel=1)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    text = read_log(tmp_path / "linda.log")
    assert "whatsmeow.Client: websocket dropped" in text
    assert "something deprecated" in text


def test_calling_it_again_moves_the_log(tmp_path: Path) -> None:
    configure_logging(tmp_path / "a.log")
    configure_logging(tmp_path / "b.log")
    logging.getLogger("x").warning("only in b")
    assert "only in b" in read_log(tmp_path / "b.log")
    assert "only in b" not in read_log(tmp_path / "a.log")


def test_the_level_filters(tmp_path: Path) -> None:
    configure_logging(tmp_path / "l.log", "WARNING")
    logging.getLogger("x").info("chatter")
    logging.getLogger("x").warning("matters")
    text = read_log(tmp_path / "l.log")
    assert "matters" in text and "chatter" not in text


def test_the_file_rotates_and_rotated_files_stay_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logsetup, "MAX_LOG_BYTES", 2000)
    path = configure_logging(tmp_path / "r.log")
    for i in range(400):
        logging.getLogger("x").info("line %d %s", i, "x" * 50)
    rotated = sorted(p.name for p in tmp_path.iterdir())
    assert rotated == ["r.log", "r.log.1", "r.log.2", "r.log.3", "r.log.4", "r.log.5"]
    assert all(stat.S_IMODE((tmp_path / n).stat().st_mode) == 0o600 for n in rotated)
    assert "line 399" in read_log(path)


def test_secrets_never_reach_the_file(tmp_path: Path) -> None:
    path = configure_logging(tmp_path / "s.log")
    log = logging.getLogger("linda_tui.contacts")
    log.info(
        "token response %s",
        {"access_token": "ya29.A0secret", "refresh_token": "1//0gSECRETrefresh"},
    )
    log.info("GET /v1/people/me/connections?syncToken=CPDAlvWsecret&pageSize=1000")
    log.info("headers: {'Authorization': 'Bearer ya29.HEADERsecret'}")
    log.info("store at mongodb://linda:hunter2@db.example/linda")
    log.info("key file %s", {"private_key": PEM, "client_email": "sa@example.iam"})
    try:
        raise ValueError("refresh failed for client_secret=GOCSPX-topsecret")
    except ValueError:
        log.exception("sync failed")
    text = read_log(path)
    for secret in [
        "A0secret",
        "SECRETrefresh",
        "CPDAlvWsecret",
        "HEADERsecret",
        "hunter2",
        "MIIEvQIBADAN",
        "GOCSPX-topsecret",
    ]:
        assert secret not in text
    # ...while what an operator needs to read stays.
    assert "mongodb://linda:***@db.example/linda" in text
    assert "sa@example.iam" in text and "pageSize=1000" in text
    assert "Traceback" in text and "sync failed" in text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Authorization: Bearer ya29.abc", "Authorization: ***"),
        ("sent with bearer abc.def-ghi", "sent with bearer ***"),
        (
            '{"access_token": "ya29.x", "expires_in": 3599}',
            '{"access_token": "***", "expires_in": 3599}',
        ),
        ("nextSyncToken: EgsI-abc", "nextSyncToken: ***"),
        ("syncToken=abc&personFields=names", "syncToken=***&personFields=names"),
        ("password='pw' user=bob", "password='***' user=bob"),
        ("mongodb+srv://u:p%40ss@c.example/db", "mongodb+srv://u:***@c.example/db"),
        ("token ya29.a0AfH6SM in text", "token ya29.*** in text"),
        (PEM, "-----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY-----\n"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\ntruncated",
            "-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----",
        ),
        ("sent to +971501234567, sync token expired", "sent to +971501234567, sync token expired"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "bot demo-main: connecting → online",
        "Authorization: Bearer ya29.abc",
        "cookie=abc; Set-Cookie: x",
        "1//0gAbCdEfGhIjKlMnOp refresh",
        "API-KEY: abc client_secret=xyz PRIVATE_KEY_ID: 123 passwd=p",
        "https://TOKEN@example.com/path and http://u:pw@h/x",
        "ſecret=abc token=x",
        PEM,
    ],
)
def test_the_quick_path_masks_what_every_rule_masks(text: str) -> None:
    """A line without any of the words the rules need skips them: it must come out as the
    rules would leave it, and a line with one goes through them all."""
    slow = logsetup.redact_urls_in_text(
        logsetup._PRIVATE_KEY[0].sub(logsetup._PRIVATE_KEY[1], text)
    )
    for pattern, replacement in logsetup._REDACTIONS:
        slow = pattern.sub(replacement, slow)
    assert redact(text) == slow
