"""The People API client against the fake: both credential paths end to end, and every
way it can fail becomes one line that says what to do."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from linda_tui.config.settings import Settings
from linda_tui.contacts import people_api
from linda_tui.contacts.errors import PeopleApiError, Problem, SyncTokenExpired
from linda_tui.contacts.fake_people_api import (
    BATCH_CREATE,
    CONNECTIONS_LIST,
    TOKEN,
    FakePeopleApi,
    Fault,
)
from linda_tui.contacts.people_api import (
    CONTACTS_SCOPE,
    PeopleClient,
    RetryPolicy,
    load_credentials,
)
from linda_tui.contacts.people_generator import AddressBook

from .conftest import SUBJECT, Sleeps, write_json


async def list_all(client: PeopleClient, **options: Any) -> tuple[list[dict[str, Any]], str | None]:
    people: list[dict[str, Any]] = []
    page_token = None
    while True:
        page = await client.list_connections(page_token=page_token, **options)
        people += page.people
        page_token = page.next_page_token
        if page_token is None:
            return people, page.next_sync_token


def key_id(path: Path) -> str:
    return str(json.loads(path.read_bytes())["private_key_id"])


def one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and " — " in text, text
    assert "Traceback" not in text
    return text


# --- the two credential paths, end to end ---------------------------------------------------


async def test_a_service_account_acting_for_a_user_lists_every_contact(
    fake: FakePeopleApi, book: AddressBook, connect: Callable[..., PeopleClient]
) -> None:
    async with connect() as client:
        people, sync_token = await list_all(client, page_size=100)
        labels = await client.contact_group_names()
    assert len(people) == len(book.people) and sync_token
    assert "Tenants" in labels.values() and labels["contactGroups/starred"] == "Starred"
    assert "contactGroups/myContacts" not in labels
    # One token from the key's own token_uri, by a signed assertion for the subject.
    [grant] = fake.requests_to(TOKEN)
    assert grant.body["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    pages = fake.requests_to(CONNECTIONS_LIST)
    assert len(pages) == 3
    assert all(p.path == "/v1/people/me/connections" for p in pages)


async def test_an_authorised_user_token_file_refreshes_at_its_own_token_uri(
    fake: FakePeopleApi, book: AddressBook, tmp_path: Path
) -> None:
    client_json = fake.oauth_client()["installed"]
    refresh = fake.issue_refresh_token(client_json["client_id"])
    token_file = write_json(
        tmp_path / "token.json",
        {
            "type": "authorized_user",
            "client_id": client_json["client_id"],
            "client_secret": client_json["client_secret"],
            "refresh_token": refresh,
            "token_uri": fake.token_uri,  # google-auth alone would ignore this
            "scopes": [CONTACTS_SCOPE],
        },
    )
    settings = Settings(google_token=token_file, people_api_endpoint=fake.url)
    async with PeopleClient.from_settings(settings) as client:
        people, _ = await list_all(client)
        # The access token expires (by the fake's clock): the client refreshes and goes on.
        fake.advance(3700)
        again, _ = await list_all(client)
    assert len(people) == len(again) == len(book.people)
    grants = fake.requests_to(TOKEN)
    assert [g.body["grant_type"] for g in grants] == [["refresh_token"], ["refresh_token"]]
    assert grants[0].body["refresh_token"] == [refresh]


async def test_the_endpoint_may_have_a_path_of_its_own(book: AddressBook, tmp_path: Path) -> None:
    with FakePeopleApi(book.people[:10], path_prefix="people-proxy") as proxied:
        key = write_json(tmp_path / "key.json", proxied.service_account_key(subjects=[SUBJECT]))
        settings = Settings(
            google_credentials=key,
            google_subject=SUBJECT,
            people_api_endpoint=proxied.url.rstrip("/"),  # with or without the slash
        )
        async with PeopleClient.from_settings(settings) as client:
            people, _ = await list_all(client)
        assert len(people) == 10
        assert (
            proxied.requests_to(CONNECTIONS_LIST)[0].path
            == "/people-proxy/v1/people/me/connections"
        )


async def test_contacts_are_created_in_one_call_of_up_to_200(
    connect: Callable[..., PeopleClient], fake: FakePeopleApi
) -> None:
    async with connect() as client:
        created = await client.batch_create_contacts(
            [{"phoneNumbers": [{"value": f"+97150123{n:04d}"}]} for n in range(200)]
        )
        single = await client.create_contact({"names": [{"givenName": "Solo"}]})
        with pytest.raises(ValueError):
            await client.batch_create_contacts([{}] * 201)
    assert len(created) == 200
    assert all(fake.person(c["person"]["resourceName"]) for c in created)
    assert fake.person(single["resourceName"])["names"] == [{"givenName": "Solo"}]


# --- bad, missing and revoked credentials ------------------------------------------------------


def settings_with(**values: Any) -> Settings:
    return Settings(**values)


def test_no_credentials_at_all() -> None:
    with pytest.raises(PeopleApiError) as caught:
        load_credentials(Settings())
    assert caught.value.problem is Problem.CREDENTIALS
    assert "LINDA_GOOGLE_CREDENTIALS" in one_line(caught.value)


HOSTILE_FILES: dict[str, Callable[[Path], Path]] = {}


def hostile(name: str) -> Callable[[Callable[[Path], Path]], Callable[[Path], Path]]:
    def register(make: Callable[[Path], Path]) -> Callable[[Path], Path]:
        HOSTILE_FILES[name] = make
        return make

    return register


@hostile("missing")
def _missing(folder: Path) -> Path:
    return folder / "nowhere.json"


@hostile("a folder")
def _folder(folder: Path) -> Path:
    (folder / "keys").mkdir()
    return folder / "keys"


@hostile("a FIFO with no writer")
def _fifo(folder: Path) -> Path:
    os.mkfifo(folder / "fifo.json")
    return folder / "fifo.json"


@hostile("/dev/zero")
def _zero(folder: Path) -> Path:
    return Path("/dev/zero")


@hostile("a symlink to /dev/zero")
def _zero_link(folder: Path) -> Path:
    (folder / "link.json").symlink_to("/dev/zero")
    return folder / "link.json"


@hostile("huge")
def _huge(folder: Path) -> Path:
    path = folder / "huge.json"
    path.write_text('{"type": "service_account", "x": "' + "a" * 200_000 + '"}')
    return path


@hostile("not JSON")
def _not_json(folder: Path) -> Path:
    path = folder / "key.json"
    path.write_text("type = service_account\n")
    return path


@hostile("binary")
def _binary(folder: Path) -> Path:
    path = folder / "key.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    return path


@hostile("a JSON list")
def _list(folder: Path) -> Path:
    return write_json(folder / "key.json", [1, 2])  # type: ignore[arg-type]


@hostile("empty")
def _empty(folder: Path) -> Path:
    path = folder / "key.json"
    path.write_text("")
    return path


@hostile("unreadable")
def _unreadable(folder: Path) -> Path:
    path = write_json(folder / "key.json", {"type": "service_account"})
    path.chmod(0)
    return path


@hostile("another kind of JSON")
def _other_type(folder: Path) -> Path:
    return write_json(folder / "key.json", {"type": "external_account", "audience": "x"})


@hostile("a key without its private key")
def _no_private_key(folder: Path) -> Path:
    return write_json(
        folder / "key.json",
        {
            "type": "service_account",
            "client_email": "a@b.iam.gserviceaccount.com",
            "token_uri": "https://x/",
        },
    )


@hostile("a key whose private key is garbage")
def _garbage_key(folder: Path) -> Path:
    return write_json(
        folder / "key.json",
        {
            "type": "service_account",
            "client_email": "a@b.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.googleapis.com/token",
            "private_key": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n",
        },
    )


@pytest.mark.parametrize("kind", sorted(HOSTILE_FILES))
def test_a_credentials_file_that_cannot_be_used_is_one_line(kind: str, tmp_path: Path) -> None:
    if kind == "unreadable" and os.geteuid() == 0:
        pytest.skip("root reads anything")
    path = HOSTILE_FILES[kind](tmp_path)
    done = threading.Event()
    caught: list[BaseException] = []

    def load() -> None:
        try:
            load_credentials(Settings(google_credentials=path, google_subject=SUBJECT))
        except PeopleApiError as exc:
            caught.append(exc)
        finally:
            done.set()

    threading.Thread(target=load, daemon=True).start()
    assert done.wait(5), f"reading {kind} hung"
    [error] = caught
    assert isinstance(error, PeopleApiError) and error.problem is Problem.CREDENTIALS
    assert "LINDA_GOOGLE_CREDENTIALS" in one_line(error)


def test_a_service_account_needs_a_subject(key_file: Path) -> None:
    with pytest.raises(PeopleApiError, match="LINDA_GOOGLE_SUBJECT") as caught:
        load_credentials(Settings(google_credentials=key_file))
    one_line(caught.value)


def test_an_oauth_client_file_is_not_a_sign_in(fake: FakePeopleApi, tmp_path: Path) -> None:
    client = write_json(tmp_path / "client.json", fake.oauth_client())
    with pytest.raises(PeopleApiError, match="linda google login") as caught:
        load_credentials(Settings(google_credentials=client))
    one_line(caught.value)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ({"type": "service_account"}, "not a token file"),
        ({"client_id": "x", "client_secret": "y"}, "refresh_token"),
        (
            {
                "client_id": "x",
                "client_secret": "y",
                "refresh_token": "z",
                "scopes": ["https://www.googleapis.com/auth/drive"],
            },
            "Google Contacts",
        ),
        (
            {"client_id": "x", "client_secret": "y", "refresh_token": "z", "token_uri": "ftp://x"},
            "token_uri",
        ),
        # google-auth trips over these with an AttributeError.
        (
            {"client_id": "x", "client_secret": "y", "refresh_token": "z", "expiry": 5},
            "cannot be read as a token",
        ),
    ],
)
def test_a_token_file_that_cannot_be_used_is_one_line(
    content: dict[str, Any], words: str, tmp_path: Path
) -> None:
    path = write_json(tmp_path / "token.json", content)
    with pytest.raises(PeopleApiError, match=words) as caught:
        load_credentials(Settings(google_token=path))
    assert "LINDA_GOOGLE_TOKEN" in one_line(caught.value)


async def test_a_revoked_sign_in_says_to_sign_in_again(fake: FakePeopleApi, tmp_path: Path) -> None:
    client_json = fake.oauth_client()["installed"]
    refresh = fake.issue_refresh_token(client_json["client_id"])
    fake.revoke(refresh)
    token_file = write_json(
        tmp_path / "token.json",
        {
            **{k: client_json[k] for k in ("client_id", "client_secret")},
            "refresh_token": refresh,
            "token_uri": fake.token_uri,
        },
    )
    async with PeopleClient.from_settings(
        Settings(google_token=token_file, people_api_endpoint=fake.url)
    ) as client:
        with pytest.raises(PeopleApiError) as caught:
            await client.list_connections()
    assert caught.value.problem is Problem.REJECTED
    text = one_line(caught.value)
    assert "invalid_grant" in text and "linda google login" in text
    assert not fake.requests_to(CONNECTIONS_LIST)  # never got as far as the API


async def test_a_deleted_oauth_client_says_so(fake: FakePeopleApi, tmp_path: Path) -> None:
    client_json = fake.oauth_client()["installed"]
    refresh = fake.issue_refresh_token(client_json["client_id"])
    fake.delete_oauth_client(client_json["client_id"])
    token_file = write_json(
        tmp_path / "token.json",
        {
            **{k: client_json[k] for k in ("client_id", "client_secret")},
            "refresh_token": refresh,
            "token_uri": fake.token_uri,
        },
    )
    async with PeopleClient.from_settings(
        Settings(google_token=token_file, people_api_endpoint=fake.url)
    ) as client:
        with pytest.raises(PeopleApiError, match="invalid_client") as caught:
            await client.list_connections()
    assert "client" in one_line(caught.value)


async def test_a_deleted_service_account_key_says_to_make_a_new_one(
    fake: FakePeopleApi, key_file: Path, connect: Callable[..., PeopleClient]
) -> None:
    fake.delete_service_account_key(key_id(key_file))
    async with connect() as client:
        with pytest.raises(PeopleApiError) as caught:
            await client.list_connections()
    assert caught.value.problem is Problem.REJECTED
    assert "Invalid JWT Signature" in one_line(caught.value) and "new key" in str(caught.value)


async def test_delegation_not_allowed_for_the_subject_names_the_fix(
    fake: FakePeopleApi, key_file: Path, sleeps: Sleeps
) -> None:
    settings = Settings(
        google_credentials=key_file,
        google_subject="intern@example.com",
        people_api_endpoint=fake.url,
    )
    async with PeopleClient.from_settings(settings, sleep=sleeps) as client:
        with pytest.raises(PeopleApiError) as caught:
            await client.list_connections()
    text = one_line(caught.value)
    assert caught.value.problem is Problem.REJECTED
    assert (
        "unauthorized_client" in text
        and "Domain-wide delegation" in text
        and CONTACTS_SCOPE in text
    )
    assert sleeps.delays == []  # a refusal is not retried


# --- the API failing ---------------------------------------------------------------------------


async def test_a_disabled_api_says_how_to_enable_it(
    fake: FakePeopleApi, connect: Callable[..., PeopleClient], sleeps: Sleeps
) -> None:
    fake.api_enabled = False
    async with connect() as client:
        with pytest.raises(PeopleApiError) as caught:
            await client.list_connections()
    assert caught.value.problem is Problem.API_DISABLED
    assert "console.cloud.google.com/apis/library/people.googleapis.com" in one_line(caught.value)
    assert sleeps.delays == []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_an_unreachable_endpoint_is_retried_then_reported(
    key_file: Path, fake: FakePeopleApi, sleeps: Sleeps
) -> None:
    # Tokens come from the fake, the API is a port where nobody listens.
    settings = Settings(
        google_credentials=key_file,
        google_subject=SUBJECT,
        people_api_endpoint=f"http://127.0.0.1:{free_port()}/",
    )
    async with PeopleClient.from_settings(
        settings, sleep=sleeps, retry=RetryPolicy(attempts=3)
    ) as client:
        with pytest.raises(PeopleApiError) as caught:
            await client.list_connections()
    assert caught.value.problem is Problem.NETWORK
    text = one_line(caught.value)
    assert "cannot reach the People API" in text and "refused" in text.lower()
    assert len(sleeps.delays) == 2


async def test_an_unreachable_token_endpoint_is_a_network_problem(
    tmp_path: Path, fake: FakePeopleApi, sleeps: Sleeps
) -> None:
    key = fake.service_account_key(subjects=[SUBJECT])
    key["token_uri"] = f"http://127.0.0.1:{free_port()}/token"
    path = write_json(tmp_path / "key.json", key)
    settings = Settings(
        google_credentials=path, google_subject=SUBJECT, people_api_endpoint=fake.url
    )
    async with PeopleClient.from_settings(
        settings, sleep=sleeps, retry=RetryPolicy(attempts=2)
    ) as client:
        with pytest.raises(PeopleApiError) as caught:
            await client.list_connections()
    assert caught.value.problem is Problem.NETWORK
    assert "token endpoint" in one_line(caught.value)


async def test_a_server_that_never_answers_times_out(
    fake: FakePeopleApi, connect: Callable[..., PeopleClient], sleeps: Sleeps
) -> None:
    fake.inject(Fault.slow(3.0), times=None)
    async with connect(timeout=0.5, retry=RetryPolicy(attempts=2)) as client:
        with pytest.raises(PeopleApiError) as caught:
            await client.list_connections()
    assert caught.value.problem is Problem.NETWORK
    assert "timed out" in one_line(caught.value)


async def test_a_server_that_trickles_its_reply_is_cut_off_at_the_call_limit(
    fake: FakePeopleApi,
    connect: Callable[..., PeopleClient],
    sleeps: Sleeps,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The socket timeout bounds each read, not the call: a server sending a byte every
    20 s held `linda sync` (and the lease) for hours. Here the reply comes after the
    limit, while each read is within the socket timeout."""
    monkeypatch.setattr(people_api, "CALL_SECONDS", 0.5)
    fake.inject(Fault.slow(2.0), times=None)
    loop = asyncio.get_running_loop()
    began = loop.time()
    async with connect(timeout=30, retry=RetryPolicy(attempts=2)) as client:
        with pytest.raises(PeopleApiError) as caught:
            await client.list_connections()
    assert loop.time() - began < 5
    assert caught.value.problem is Problem.NETWORK
    assert "timed out" in one_line(caught.value)


@pytest.mark.parametrize("framing", ["close", "length"])
async def test_a_body_trickled_after_its_headers_is_cut_off_too(
    settings: Settings, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch, framing: str
) -> None:
    """Headers at once, then the body a byte at a time: with "Connection: close" the
    connection let go of its socket once the headers were read, so the cut-off had
    nothing to shut; with a Content-Length the body cut short came back as a 200."""
    import socket as socket_module
    import threading
    import time

    monkeypatch.setattr(people_api, "CALL_SECONDS", 0.5)
    server = socket_module.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            server.settimeout(0.2)
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                with contextlib.suppress(OSError):
                    conn.recv(65536)
                    head = "Connection: close" if framing == "close" else "Content-Length: 40"
                    conn.sendall(
                        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{head}\r\n\r\n".encode()
                    )
                    for byte in b'{"connections": [], "nextSyncToken": "t"}':
                        if stop.is_set():
                            break
                        conn.sendall(bytes([byte]))
                        time.sleep(0.1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.getsockname()[1]}/"
    client = PeopleClient(
        load_credentials(settings), endpoint=endpoint, timeout=10, sleep=sleeps,
        retry=RetryPolicy(attempts=1),
    )  # fmt: skip
    loop = asyncio.get_running_loop()
    began = loop.time()
    try:
        with pytest.raises(PeopleApiError) as caught:
            await client.list_connections()
    finally:
        client.close()
        stop.set()
        thread.join(5)
        server.close()
    assert loop.time() - began < 3
    assert caught.value.problem is Problem.NETWORK, caught.value


async def test_a_reply_too_large_is_refused_without_reading_it_all(
    fake: FakePeopleApi,
    connect: Callable[..., PeopleClient],
    sleeps: Sleeps,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 600 MB reply was read whole (1.9 GB of memory); a few GB would take the machine."""
    monkeypatch.setattr(people_api, "MAX_REPLY_BYTES", 10_000)
    fake.inject(Fault.reply('{"connections": [], "pad": "' + "x" * 50_000 + '"}'), times=None)
    async with connect(retry=RetryPolicy(attempts=3)) as client:
        with pytest.raises(PeopleApiError) as caught:
            await client.list_connections()
    assert caught.value.problem is Problem.BAD_REPLY
    assert "over 10,000" in one_line(caught.value)
    assert sleeps.delays == []  # not retried: it would be as large again


async def test_429_is_retried_honouring_retry_after(
    fake: FakePeopleApi, connect: Callable[..., PeopleClient], sleeps: Sleeps
) -> None:
    fake.inject(Fault.http(429, retry_after=7), times=2)
    async with connect() as client:
        page = await client.list_connections(page_size=10)
    assert len(page.people) == 10
    assert len(sleeps.delays) == 2 and all(d >= 7 for d in sleeps.delays)


async def test_5xx_is_retried_with_growing_jittered_delays(
    fake: FakePeopleApi, connect: Callable[..., PeopleClient], sleeps: Sleeps
) -> None:
    fake.inject(Fault.http(500))
    fake.inject(Fault.http(503))
    fake.inject(Fault.html(502))
    fake.inject(Fault.http(504))
    notices = []
    async with connect(retry=RetryPolicy(attempts=6, initial=1, cap=32, jitter=0.5)) as client:
        client.on_retry = notices.append
        page = await client.list_connections(page_size=5)
    assert len(page.people) == 5
    assert [n.reason for n in notices] == ["HTTP 500", "HTTP 503", "HTTP 502", "HTTP 504"]
    for attempt, delay in enumerate(sleeps.delays):
        assert 0.5 * 2**attempt <= delay <= 1.5 * 2**attempt


async def test_quota_still_exhausted_after_every_retry(
    fake: FakePeopleApi, connect: Callable[..., PeopleClient], sleeps: Sleeps
) -> None:
    fake.inject(Fault.http(429), times=None)
    async with connect(retry=RetryPolicy(attempts=4)) as client:
        with pytest.raises(PeopleApiError) as caught:
            await client.list_connections()
    assert caught.value.problem is Problem.QUOTA and "quota" in one_line(caught.value)
    assert len(sleeps.delays) == 3


async def test_a_retry_after_too_long_to_wait_gives_up_at_once(
    fake: FakePeopleApi, connect: Callable[..., PeopleClient], sleeps: Sleeps
) -> None:
    fake.inject(Fault.http(429, retry_after=3600), times=None)
    async with connect() as client:
        with pytest.raises(PeopleApiError, match="3600 s") as caught:
            await client.list_connections()
    assert caught.value.problem is Problem.QUOTA
    assert sleeps.delays == []


async def test_servers_errors_after_every_retry(
    fake: FakePeopleApi, connect: Callable[..., PeopleClient], sleeps: Sleeps
) -> None:
    fake.inject(Fault.http(503), times=None)
    async with connect(retry=RetryPolicy(attempts=3)) as client:
        with pytest.raises(PeopleApiError) as caught:
            await client.list_connections()
    assert caught.value.problem is Problem.SERVER and "HTTP 503" in one_line(caught.value)


async def test_a_malformed_body_and_dropped_connections_are_retried(
    fake: FakePeopleApi, connect: Callable[..., PeopleClient], sleeps: Sleeps
) -> None:
    fake.inject(Fault.malformed())
    # httplib2 itself retries a GET once on a dropped connection: three drops get through to us.
    fake.inject(Fault.reset(), times=3)
    async with connect() as client:
        page = await client.list_connections(page_size=3)
    assert len(page.people) == 3
    assert len(sleeps.delays) >= 2


async def test_a_malformed_body_every_time_is_a_bad_reply(
    fake: FakePeopleApi, connect: Callable[..., PeopleClient]
) -> None:
    fake.inject(Fault.malformed(), times=None)
    async with connect(retry=RetryPolicy(attempts=2)) as client:
        with pytest.raises(PeopleApiError) as caught:
            await client.list_connections()
    assert caught.value.problem is Problem.BAD_REPLY
    assert "LINDA_PEOPLE_API_ENDPOINT" in one_line(caught.value)


async def test_a_write_is_not_repeated_after_a_dropped_connection(
    fake: FakePeopleApi, connect: Callable[..., PeopleClient], sleeps: Sleeps
) -> None:
    # The contacts may have been created before the connection dropped: sending them
    # again would make duplicates. (A 429 or 5xx reply is retried: nothing was made.)
    fake.inject(Fault.reset(), BATCH_CREATE, times=None)
    async with connect() as client:
        with pytest.raises(PeopleApiError) as caught:
            await client.batch_create_contacts([{"names": [{"givenName": "Once"}]}])
    assert caught.value.problem is Problem.NETWORK
    assert sleeps.delays == []
    fake.clear_faults()
    fake.inject(Fault.http(503), BATCH_CREATE)
    async with connect() as client:
        created = await client.batch_create_contacts([{"names": [{"givenName": "Twice"}]}])
    assert len(created) == 1 and len(sleeps.delays) == 1


@pytest.mark.parametrize("reply", ["failed_precondition", "invalid_argument", "gone"])
async def test_each_form_of_an_expired_sync_token_is_recognised(
    fake: FakePeopleApi, connect: Callable[..., PeopleClient], sleeps: Sleeps, reply: str
) -> None:
    fake.expired_token_reply = reply
    async with connect() as client:
        _, token = await list_all(client)
        fake.expire_sync_tokens()
        with pytest.raises(SyncTokenExpired):
            await client.list_connections(sync_token=token)
    assert sleeps.delays == []


async def test_an_invalid_argument_about_something_else_is_not_a_token_problem(
    fake: FakePeopleApi, connect: Callable[..., PeopleClient]
) -> None:
    async with connect() as client:
        with pytest.raises(PeopleApiError) as caught:
            await client.list_connections(person_fields="names,shoeSize")
    assert not isinstance(caught.value, SyncTokenExpired)
    assert caught.value.problem is Problem.REFUSED and "HTTP 400" in one_line(caught.value)


async def test_calls_never_block_the_event_loop(
    fake: FakePeopleApi, connect: Callable[..., PeopleClient]
) -> None:
    fake.inject(Fault.slow(0.6))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    ticker = asyncio.create_task(tick())
    async with connect() as client:
        await client.list_connections(page_size=1)
    ticker.cancel()
    assert ticks >= 10  # the loop kept turning while the call waited


def test_retry_delays_grow_to_the_cap() -> None:
    backoff = RetryPolicy(initial=1, cap=8, jitter=0).backoff(random.Random(0))
    assert [backoff.next_delay() for _ in range(6)] == [1, 2, 4, 8, 8, 8]


@pytest.mark.parametrize("token_uri", ["file:///etc/passwd", "not a url", "localhost/token"])
def test_a_service_account_key_with_a_token_uri_that_is_no_web_address_is_refused(
    fake: FakePeopleApi, tmp_path: Path, token_uri: object
) -> None:
    """It was retried for 40 s as a network failure, whose fix named the wrong setting."""
    key = {**fake.service_account_key(subjects=[SUBJECT]), "token_uri": token_uri}
    path = write_json(tmp_path / "key.json", key)
    with pytest.raises(PeopleApiError, match="token_uri is not an http") as caught:
        load_credentials(Settings(google_credentials=path, google_subject=SUBJECT))
    assert "create a new JSON key" in one_line(caught.value)
