"""Signing a Gmail account in over SSH: the URL, the pasted code or address, the token file."""

from __future__ import annotations

import http.client
import os
import stat
import urllib.parse
from pathlib import Path

import pytest

from linda_tui.config.settings import Settings
from linda_tui.contacts.errors import PeopleApiError, Problem
from linda_tui.contacts.fake_people_api import TOKEN, FakePeopleApi, Fault
from linda_tui.contacts.google_login import CONTACTS_SCOPE, GoogleLogin, start_login
from linda_tui.contacts.people_api import PeopleClient
from linda_tui.contacts.people_generator import AddressBook

from .conftest import write_json


@pytest.fixture
def client_file(fake: FakePeopleApi, tmp_path: Path) -> Path:
    return write_json(tmp_path / "client_secret.json", fake.oauth_client())


def browser(url: str) -> str:
    """What the operator's browser ends up trying to open after consenting: the
    redirect address (which fails to load there, nothing listens on localhost)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        response.read()
        assert response.status == 302, response.status
        return str(response.getheader("Location"))
    finally:
        connection.close()


def test_the_url_asks_for_the_contacts_scope_offline_with_pkce(
    client_file: Path, fake: FakePeopleApi
) -> None:
    login = start_login(client_file)
    parts = urllib.parse.urlsplit(login.url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert login.url.startswith(fake.auth_uri + "?")
    assert query["scope"] == CONTACTS_SCOPE
    assert query["response_type"] == "code" and query["access_type"] == "offline"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] == login.state and len(login.state) >= 32
    redirect = urllib.parse.urlsplit(query["redirect_uri"])
    assert redirect.scheme == "http" and redirect.hostname == "localhost" and redirect.port >= 49152
    assert start_login(client_file).state != login.state


async def test_pasting_the_whole_redirect_address_writes_a_working_token_file(
    client_file: Path, fake: FakePeopleApi, book: AddressBook, tmp_path: Path
) -> None:
    login = start_login(client_file)
    address = browser(login.url)
    assert address.startswith(login.redirect_uri)

    token_file, replaced = login.finish(address, tmp_path / "secrets" / "google-token.json")

    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    assert replaced is False
    [exchange] = fake.requests_to(TOKEN)
    assert exchange.body["grant_type"] == ["authorization_code"]
    assert exchange.body["code_verifier"]  # PKCE: the code alone is useless
    # The token file drives the sync client: a refresh at its own token_uri.
    settings = Settings(google_token=token_file, people_api_endpoint=fake.url)
    async with PeopleClient.from_settings(settings) as client:
        page = await client.list_connections(page_size=1000)
    assert len(page.people) == len(book.people)


def test_pasting_just_the_code_works_too(
    client_file: Path, fake: FakePeopleApi, tmp_path: Path
) -> None:
    login = start_login(client_file)
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(browser(login.url)).query)["code"][0]
    assert login.code_from(f"  {code}\n") == code
    assert login.code_from(urllib.parse.quote(code, safe="")) == code  # as copied from the bar
    assert login.finish(code, tmp_path / "token.json").path.exists()


@pytest.mark.parametrize(
    ("pasted", "words"),
    [
        ("", "nothing was pasted"),
        ("   ", "nothing was pasted"),
        ("http://localhost:51234/?state={state}&error=access_denied", "choose Allow"),
        ("http://localhost:51234/?state=someone-else&code=4/0Abc", "another sign-in"),
        ("http://localhost:51234/?state={state}", "no code"),
        ("the code is 4/0Abc", "does not look like a code"),
        ("x" * 600, "does not look like a code"),
    ],
)
def test_what_was_pasted_is_checked(client_file: Path, pasted: str, words: str) -> None:
    login = start_login(client_file)
    with pytest.raises(PeopleApiError, match=words) as caught:
        login.code_from(pasted.format(state=login.state))
    assert "\n" not in str(caught.value)


def test_a_code_used_twice_is_refused_with_what_to_do(client_file: Path, tmp_path: Path) -> None:
    login = start_login(client_file)
    address = browser(login.url)
    login.finish(address, tmp_path / "token.json")
    with pytest.raises(PeopleApiError, match="invalid_grant") as caught:
        login.finish(address, tmp_path / "token.json")
    assert caught.value.problem is Problem.REJECTED
    assert "linda google login" in str(caught.value)


def test_a_code_from_another_sign_in_fails_pkce(client_file: Path, tmp_path: Path) -> None:
    first, second = start_login(client_file, port=50000), start_login(client_file, port=50000)
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(browser(first.url)).query)["code"][0]
    with pytest.raises(PeopleApiError, match="invalid_grant"):
        second.finish(code, tmp_path / "token.json")


@pytest.mark.parametrize("kind", ["link", "fifo", "folder"])
def test_a_token_path_that_is_not_a_regular_file_is_refused_before_the_code_is_used(
    client_file: Path, fake: FakePeopleApi, tmp_path: Path, victim: Path, kind: str
) -> None:
    target = tmp_path / "token.json"
    if kind == "link":
        target.symlink_to(victim)
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    before = os.lstat(target)
    login = start_login(client_file)
    with pytest.raises(PeopleApiError, match="not a regular file") as caught:
        login.finish(browser(login.url), target)
    assert "\n" not in str(caught.value) and str(caught.value).startswith(f"{target}: ")
    assert (os.lstat(target).st_mode, os.lstat(target).st_ino) == (before.st_mode, before.st_ino)
    assert fake.requests_to(TOKEN) == []  # the one-time code was not spent
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_an_existing_token_file_is_replaced_whole(client_file: Path, tmp_path: Path) -> None:
    token = tmp_path / "token.json"
    token.write_text('{"old": true}')
    token.chmod(0o644)
    login = start_login(client_file)
    assert login.finish(browser(login.url), token).replaced is True
    assert "old" not in token.read_text()
    assert stat.S_IMODE(token.stat().st_mode) == 0o600


def test_the_token_endpoint_unreachable_or_answering_nonsense(
    client_file: Path, fake: FakePeopleApi, tmp_path: Path
) -> None:
    login = start_login(client_file)
    address = browser(login.url)
    fake.inject(Fault.malformed(), TOKEN)
    with pytest.raises(PeopleApiError, match="no refresh token"):
        login.finish(address, tmp_path / "token.json")
    unreachable = GoogleLogin(
        login.client.__class__(**{**login.client.__dict__, "token_uri": "http://127.0.0.1:9/token"})
    )
    with pytest.raises(PeopleApiError) as caught:
        unreachable.finish("4/0Abc", tmp_path / "token.json", timeout=5)
    assert caught.value.problem is Problem.NETWORK and "cannot reach" in str(caught.value)
    assert not (tmp_path / "token.json").exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ({"type": "service_account", "client_email": "x"}, "service-account key"),
        ({"web": {"client_id": "x", "client_secret": "y"}}, "web application"),
        ({"installed": {"client_id": "x"}}, "client_secret"),
        ({"something": "else"}, "not an OAuth client"),
        (
            {
                "installed": {
                    "client_id": "x",
                    "client_secret": "y",
                    "token_uri": "file:///etc/passwd",
                }
            },
            "token_uri",
        ),
    ],
)
def test_an_unusable_client_file_is_one_line(
    content: dict[str, object], words: str, tmp_path: Path
) -> None:
    path = write_json(tmp_path / "client.json", content)
    with pytest.raises(PeopleApiError, match=words) as caught:
        start_login(path)
    assert "\n" not in str(caught.value) and " — " in str(caught.value)


def test_a_fifo_as_the_client_file_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "client.json"
    os.mkfifo(fifo)
    with pytest.raises(PeopleApiError, match="not a regular file"):
        start_login(fifo)
