"""`linda google login` as a real process: where the token goes, what it says, what
stdin at its end means. The OAuth client and token endpoint are the fake People API's;
the operator's browser is ``browser()`` (it follows the consent to the redirect)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from linda_tui.contacts.fake_people_api import TOKEN, FakePeopleApi

from .conftest import write_json
from .test_google_login import browser

ONE_BOT = (
    "bots:\n  - id: main-office\n    name: Main office\n"
    '    phone: "+971501234561"\n    role: primary\n'
)
TIMEOUT = 60


@pytest.fixture
def folder(fake: FakePeopleApi, tmp_path: Path) -> Path:
    (tmp_path / "bots.yaml").write_text(ONE_BOT)
    write_json(tmp_path / "client.json", fake.oauth_client())
    return tmp_path


def login(folder: Path, token: str, stdin: str | None) -> subprocess.Popen[str]:
    """`linda google login --token TOKEN` started in ``folder``; ``stdin`` None: a pipe
    the test writes the pasted address to."""
    return subprocess.Popen(
        [sys.executable, "-m", "linda_tui", "--data-dir", "data", "google", "login"]
        + ["--token", token],
        cwd=folder,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "LINDA_GOOGLE_CREDENTIALS": "client.json"},
    )


def sign_in(folder: Path, token: str) -> tuple[int, str, str]:
    """The whole sign-in: read the address Linda prints, consent, paste the redirect."""
    proc = login(folder, token, None)
    assert proc.stdout is not None
    url = None
    while url is None:
        line = proc.stdout.readline()
        assert line, f"linda printed no address: {proc.communicate(timeout=TIMEOUT)}"
        found = re.search(r"(http://127\.0\.0\.1:\d+/\S+)", line)
        url = found.group(1) if found else None
    out, err = proc.communicate(browser(url) + "\n", timeout=TIMEOUT)
    return proc.returncode, out, err


def test_signing_in_again_says_the_older_token_was_replaced(
    folder: Path, fake: FakePeopleApi
) -> None:
    code, out, err = sign_in(folder, "keys/new/google-token.json")
    assert code == 0, err
    assert "the token is in keys/new/google-token.json (0600)" in out
    for level in ("keys", "keys/new"):
        assert (os.stat(folder / level).st_mode & 0o777) == 0o700, level
    code, out, err = sign_in(folder, "keys/new/google-token.json")
    assert code == 0, err
    assert "the token replaced the older one in keys/new/google-token.json (0600)" in out
    assert len(fake.requests_to(TOKEN)) == 2


@pytest.mark.parametrize("kind", ["fifo", "link", "folder"])
def test_a_token_path_that_is_not_a_regular_file_stops_before_the_sign_in(
    folder: Path, victim: Path, kind: str
) -> None:
    target = folder / "token.json"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "link":
        target.symlink_to(victim)
    else:
        target.mkdir()
    before = os.lstat(target)
    proc = login(folder, "token.json", "")
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 1, err
    assert "accounts" not in out and "http" not in out  # no address to open for nothing
    words = {"fifo": "a FIFO (named pipe)", "link": "a symbolic link", "folder": "a folder"}[kind]
    noun = "the link" if kind == "link" else "it"
    assert err.strip().splitlines() == [
        f"linda: token.json: the token file is {words}, not a regular file — remove {noun}, "
        "or choose another token path (--token or LINDA_GOOGLE_TOKEN)"
    ]
    assert (os.lstat(target).st_mode, os.lstat(target).st_ino) == (before.st_mode, before.st_ino)


@pytest.mark.parametrize("given", ["", "\n\n  \n"])
def test_stdin_at_its_end_is_no_address_given_not_an_interruption(
    folder: Path, fake: FakePeopleApi, given: str
) -> None:
    """`printf '' | linda google login`: nothing to paste is a mistake to fix (exit 1),
    not Ctrl-C (130)."""
    proc = login(folder, "token.json", given)
    out, err = proc.communicate(given, timeout=TIMEOUT)
    assert proc.returncode == 1, err
    assert err.strip().splitlines()[-1] == (
        "linda: no address or code was given — paste the address the browser showed after "
        "signing in"
    )
    assert "interrupted" not in err
    assert not (folder / "token.json").exists() and fake.requests_to(TOKEN) == []


@pytest.mark.parametrize("token", ["/proc/linda-token.json", "blocked/sub/token.json"])
def test_a_token_path_that_cannot_be_written_stops_before_the_sign_in(
    folder: Path, token: str
) -> None:
    """The folder was found unwritable only once the code was used up: the whole consent
    had to be done again."""
    (folder / "blocked").write_text("a file where a folder would go")
    proc = login(folder, token, "")
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 1, err
    assert "accounts" not in out and "http" not in out
    [line] = err.strip().splitlines()
    assert line.startswith("linda: ") and " — " in line, line
    assert not list(Path("/proc").glob(".linda-probe-*"))
