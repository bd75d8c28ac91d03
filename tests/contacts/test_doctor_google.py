"""`linda doctor`'s Google check reads the credentials as the sync does."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from linda_tui.config import Runtime, demo_fleet
from linda_tui.config.settings import Settings
from linda_tui.contacts.fake_people_api import FakePeopleApi
from linda_tui.doctor import Check, Outcome, check_google

from .conftest import SUBJECT, write_json


def runtime(tmp_path: Path, settings: Settings) -> Runtime:
    return Runtime(
        fleet=demo_fleet(),
        settings=settings,
        demo=False,
        config_path=tmp_path / "bots.yaml",
        data_dir=tmp_path,
        sessions_dir=tmp_path / "sessions",
        store_url=f"sqlite:///{tmp_path / 'linda.db'}",
        log_file=tmp_path / "linda.log",
    )


def check(tmp_path: Path, **settings: object) -> Check:
    return check_google(runtime(tmp_path, Settings(**settings)))  # type: ignore[arg-type]


def test_a_service_account_passes(tmp_path: Path, key_file: Path) -> None:
    result = check(tmp_path, google_credentials=key_file, google_subject=SUBJECT)
    assert result.outcome is Outcome.PASS
    assert (
        result.detail
        == f"service account linda-sync@example-project.iam.gserviceaccount.com acting for {SUBJECT}"
    )


def test_a_token_file_passes(tmp_path: Path, fake: FakePeopleApi) -> None:
    client = fake.oauth_client()["installed"]
    token = write_json(
        tmp_path / "token.json",
        {
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
            "refresh_token": fake.issue_refresh_token(client["client_id"]),
            "token_uri": fake.token_uri,
        },
    )
    result = check(
        tmp_path,
        google_token=token,
        google_credentials=write_json(tmp_path / "c.json", fake.oauth_client()),
    )
    assert (result.outcome, result.detail) == (Outcome.PASS, f"OAuth token {token}")


def test_failures_say_what_and_how_to_fix(tmp_path: Path, key_file: Path) -> None:
    missing = check(tmp_path)  # not configured: contacts are simply not synced
    assert missing.outcome is Outcome.SKIP and "LINDA_GOOGLE_CREDENTIALS" in missing.detail
    no_subject = check(tmp_path, google_credentials=key_file)
    assert no_subject.outcome is Outcome.FAIL and "LINDA_GOOGLE_SUBJECT" in (no_subject.fix or "")


def test_a_fifo_as_the_key_does_not_hang_the_doctor(tmp_path: Path) -> None:
    fifo = tmp_path / "key.json"
    os.mkfifo(fifo)
    results: list[Check] = []
    worker = threading.Thread(
        target=lambda: results.append(
            check(tmp_path, google_credentials=fifo, google_subject=SUBJECT)
        ),
        daemon=True,
    )
    worker.start()
    worker.join(5)
    assert results, "the doctor hung on a FIFO"
    assert results[0].outcome is Outcome.FAIL and "not a regular file" in results[0].detail
