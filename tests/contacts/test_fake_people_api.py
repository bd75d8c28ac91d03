"""The fake People API answers as Google does: checked here over raw HTTP, no client.

The sync's tests rely on it being faithful: the same rules (field masks, page-token
contract, sync tokens), the same replies to mistakes, the same OAuth refusals.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import time
import urllib.parse
from typing import Any

import pytest
from google.auth import crypt, jwt

from linda_tui.contacts.fake_people_api import (
    BATCH_CREATE,
    CONTACTS_SCOPE,
    FakePeopleApi,
    Fault,
)
from linda_tui.contacts.people_generator import AddressBook

FIELDS = "names,phoneNumbers,metadata"


def call(
    fake: FakePeopleApi,
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
    body: Any = None,
    token: str | None = None,
    form: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=10)
    url = path + ("?" + urllib.parse.urlencode(params) if params else "")
    headers = {}
    data = None
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, url, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        reply_headers = {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw
    return response.status, reply_headers, parsed


def access_token(fake: FakePeopleApi, scopes: tuple[str, ...] = (CONTACTS_SCOPE,)) -> str:
    client = fake.oauth_client()["installed"]
    refresh = fake.issue_refresh_token(client["client_id"], scopes)
    status, _, reply = call(
        fake,
        "POST",
        "/token",
        form={
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
    )
    assert status == 200, reply
    return reply["access_token"]


def connections(fake: FakePeopleApi, token: str, **params: Any) -> tuple[int, Any]:
    status, _, reply = call(fake, "GET", "/v1/people/me/connections", params, token=token)
    return status, reply


def listing(fake: FakePeopleApi, token: str, **params: Any) -> tuple[list[dict[str, Any]], Any]:
    """Every page of one listing; (people, last page)."""
    people: list[dict[str, Any]] = []
    page_token = None
    while True:
        extra = {"pageToken": page_token} if page_token else {}
        status, page = connections(fake, token, **params, **extra)
        assert status == 200, page
        people += page.get("connections", [])
        page_token = page.get("nextPageToken")
        if not page_token:
            return people, page


def google_error(reply: Any) -> tuple[int, str, set[str]]:
    error = reply["error"]
    reasons = {d.get("reason") for d in error.get("details", []) if d.get("reason")}
    reasons |= {e.get("reason") for e in error.get("errors", []) if e.get("reason")}
    return error["code"], error.get("status", ""), reasons


# --- listing ----------------------------------------------------------------------------------


def test_pages_carry_only_the_fields_asked_for_and_the_last_one_a_sync_token(
    fake: FakePeopleApi, book: AddressBook
) -> None:
    token = access_token(fake)
    people, last = listing(fake, token, personFields=FIELDS, pageSize=100, requestSyncToken="true")
    assert len(people) == len(book.people)
    assert {p["resourceName"] for p in people} == {p["resourceName"] for p in book.people}
    assert all(
        set(p) <= {"resourceName", "etag", "names", "phoneNumbers", "metadata"} for p in people
    )
    assert all("emailAddresses" not in p and p["etag"] for p in people)
    assert last["nextSyncToken"] and last["totalItems"] == len(book.people)
    _, without = listing(fake, token, personFields=FIELDS, pageSize=1000)
    assert "nextSyncToken" not in without


def test_the_page_size_defaults_to_100_and_may_not_exceed_1000(fake: FakePeopleApi) -> None:
    token = access_token(fake)
    status, page = connections(fake, token, personFields=FIELDS)
    assert status == 200 and len(page["connections"]) == 100
    status, reply = connections(fake, token, personFields=FIELDS, pageSize=1001)
    assert status == 400 and google_error(reply)[1] == "INVALID_ARGUMENT"


def test_person_fields_are_required_and_checked(fake: FakePeopleApi) -> None:
    token = access_token(fake)
    status, reply = connections(fake, token)
    assert status == 400 and "personFields mask is required" in reply["error"]["message"]
    status, reply = connections(fake, token, personFields="names,shoeSize")
    assert status == 400 and "shoeSize" in reply["error"]["message"]


def test_every_page_must_repeat_the_listings_parameters(fake: FakePeopleApi) -> None:
    token = access_token(fake)
    status, first = connections(
        fake, token, personFields=FIELDS, pageSize=50, requestSyncToken="true"
    )
    page_token = first["nextPageToken"]
    # Only pageSize may change between pages...
    status, _ = connections(
        fake, token, personFields=FIELDS, pageSize=70, requestSyncToken="true", pageToken=page_token
    )
    assert status == 200
    # ...not the fields, nor requestSyncToken.
    for changed in (
        {"personFields": "names", "requestSyncToken": "true"},
        {"personFields": FIELDS},
    ):
        status, reply = connections(fake, token, pageSize=50, pageToken=page_token, **changed)
        assert status == 400 and "page token" in reply["error"]["message"]
    status, reply = connections(fake, token, personFields=FIELDS, pageToken="made-up.5")
    assert status == 400


def test_a_listing_is_a_snapshot_taken_at_its_first_page(
    fake: FakePeopleApi, book: AddressBook
) -> None:
    token = access_token(fake)
    status, first = connections(
        fake, token, personFields=FIELDS, pageSize=200, requestSyncToken="true"
    )
    fake.delete_person(book.people[-1]["resourceName"])
    fake.add_people([{"names": [{"displayName": "Added meanwhile"}]}])
    status, rest = connections(
        fake,
        token,
        personFields=FIELDS,
        pageSize=200,
        requestSyncToken="true",
        pageToken=first["nextPageToken"],
    )
    names = {p["resourceName"] for p in first["connections"] + rest["connections"]}
    assert book.people[-1]["resourceName"] in names
    # The changes made during the listing come with the next incremental one.
    changes, _ = listing(
        fake, token, personFields=FIELDS, syncToken=rest["nextSyncToken"], requestSyncToken="true"
    )
    assert [p.get("metadata", {}).get("deleted", False) for p in changes] == [True, False]


def test_incremental_listings_return_changes_and_deletions(
    fake: FakePeopleApi, book: AddressBook
) -> None:
    token = access_token(fake)
    _, last = listing(fake, token, personFields=FIELDS, requestSyncToken="true")
    first_token = last["nextSyncToken"]
    changed, deleted = book.people[3]["resourceName"], book.people[5]["resourceName"]
    fake.update_person(changed, names=[{"displayName": "Changed"}])
    fake.delete_person(deleted)

    people, last = listing(
        fake, token, personFields=FIELDS, syncToken=first_token, requestSyncToken="true"
    )
    by_name = {p["resourceName"]: p for p in people}
    assert set(by_name) == {changed, deleted}
    assert by_name[changed]["names"] == [{"displayName": "Changed"}]
    assert by_name[deleted]["metadata"]["deleted"] is True
    assert set(by_name[deleted]) == {"resourceName", "etag", "metadata"}
    assert "totalItems" not in last
    # The same token may be used again (a sync that died midway replays it).
    again, _ = listing(
        fake, token, personFields=FIELDS, syncToken=first_token, requestSyncToken="true"
    )
    assert {p["resourceName"] for p in again} == {changed, deleted}
    nothing, _ = listing(
        fake, token, personFields=FIELDS, syncToken=last["nextSyncToken"], requestSyncToken="true"
    )
    assert nothing == []


@pytest.mark.parametrize(
    ("reply", "code", "status", "reason"),
    [
        ("failed_precondition", 400, "FAILED_PRECONDITION", "EXPIRED_SYNC_TOKEN"),
        ("invalid_argument", 400, "INVALID_ARGUMENT", None),
        ("gone", 410, "", "fullSyncRequired"),
    ],
)
def test_an_expired_sync_token_is_refused_in_the_configured_way(
    fake: FakePeopleApi, reply: str, code: int, status: str, reason: str | None
) -> None:
    fake.expired_token_reply = reply
    token = access_token(fake)
    _, last = listing(fake, token, personFields=FIELDS, requestSyncToken="true")
    fake.advance(7 * 86400 + 60)  # Google's sync tokens last 7 days
    token = access_token(fake)
    got, answer = connections(
        fake, token, personFields=FIELDS, syncToken=last["nextSyncToken"], requestSyncToken="true"
    )
    assert got == code
    error_code, error_status, reasons = google_error(answer)
    assert (error_code, error_status) == (code, status)
    if reason:
        assert reason in reasons
    assert "sync token" in json.dumps(answer).lower()


def test_sync_tokens_can_be_expired_on_demand_and_unknown_ones_are_invalid(
    fake: FakePeopleApi,
) -> None:
    token = access_token(fake)
    _, last = listing(fake, token, personFields=FIELDS, requestSyncToken="true")
    fake.expire_sync_tokens()
    status, reply = connections(fake, token, personFields=FIELDS, syncToken=last["nextSyncToken"])
    assert status == 400 and "EXPIRED_SYNC_TOKEN" in google_error(reply)[2]
    status, reply = connections(fake, token, personFields=FIELDS, syncToken="EAEmade-up")
    assert status == 400 and google_error(reply)[1] == "INVALID_ARGUMENT"


def test_labels_are_listed(fake: FakePeopleApi, book: AddressBook) -> None:
    status, _, reply = call(
        fake, "GET", "/v1/contactGroups", {"pageSize": 5}, token=access_token(fake)
    )
    assert status == 200 and len(reply["contactGroups"]) == 5 and reply["nextPageToken"]
    assert reply["totalItems"] == len(book.groups) + 2  # myContacts and starred


# --- auth -------------------------------------------------------------------------------------


def test_the_api_wants_a_valid_unexpired_bearer_token(fake: FakePeopleApi) -> None:
    status, reply = connections(fake, None, personFields=FIELDS)  # type: ignore[arg-type]
    assert status == 401 and google_error(reply)[1] == "UNAUTHENTICATED"
    status, reply = connections(fake, "ya29.made-up", personFields=FIELDS)
    assert status == 401
    token = access_token(fake)
    assert connections(fake, token, personFields=FIELDS)[0] == 200
    fake.advance(3601)
    assert connections(fake, token, personFields=FIELDS)[0] == 401
    read_only = access_token(fake, ("https://www.googleapis.com/auth/contacts.readonly",))
    assert connections(fake, read_only, personFields=FIELDS)[0] == 200
    status, _, reply = call(
        fake,
        "POST",
        "/v1/people:createContact",
        {"personFields": "names"},
        body={},
        token=read_only,
    )
    assert status == 403 and "ACCESS_TOKEN_SCOPE_INSUFFICIENT" in google_error(reply)[2]


def test_a_disabled_api_says_service_disabled(fake: FakePeopleApi) -> None:
    fake.api_enabled = False
    status, reply = connections(fake, access_token(fake), personFields=FIELDS)
    assert status == 403
    assert google_error(reply)[1:] == ("PERMISSION_DENIED", {"SERVICE_DISABLED"})


def assertion(key: dict[str, Any], **claims: Any) -> str:
    signer = crypt.RSASigner.from_service_account_info(key)
    now = int(time.time())
    payload = {
        "iss": key["client_email"],
        "aud": "https://oauth2.googleapis.com/token",
        "scope": CONTACTS_SCOPE,
        "sub": "admin@example.com",
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    return jwt.encode(signer, payload).decode()


def jwt_grant(fake: FakePeopleApi, token: str) -> tuple[int, Any]:
    status, _, reply = call(
        fake,
        "POST",
        "/token",
        form={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": token},
    )
    return status, reply


def test_service_account_assertions_are_checked_like_google_does(fake: FakePeopleApi) -> None:
    key = fake.service_account_key(subjects=["admin@example.com"])
    status, reply = jwt_grant(fake, assertion(key))
    assert status == 200 and reply["access_token"] and reply["token_type"] == "Bearer"
    assert connections(fake, reply["access_token"], personFields=FIELDS)[0] == 200

    other = fake.service_account_key(email="other@example-project.iam.gserviceaccount.com")
    forged = assertion(
        {**other, "client_email": key["client_email"], "private_key_id": key["private_key_id"]}
    )
    assert jwt_grant(fake, forged) == (
        400,
        {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
    )

    status, reply = jwt_grant(fake, assertion(key, aud=fake.token_uri))
    assert status == 400 and "audience" in reply["error_description"]
    status, reply = jwt_grant(fake, assertion(key, sub="someone@example.com"))
    assert (status, reply["error"]) == (401, "unauthorized_client")
    status, reply = jwt_grant(
        fake, assertion(key, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    )
    assert status == 400 and reply["error"] == "invalid_grant"
    status, reply = jwt_grant(
        fake, assertion(key, iss="nobody@example-project.iam.gserviceaccount.com")
    )
    assert (status, reply["error_description"]) == (400, "Invalid grant: account not found")
    assert jwt_grant(fake, "not.a.jwt")[0] == 400

    fake.delete_service_account_key(key["private_key_id"])
    assert jwt_grant(fake, assertion(key))[1]["error_description"] == "Invalid JWT Signature."


def test_refresh_tokens_are_refused_once_revoked_and_with_a_wrong_secret(
    fake: FakePeopleApi,
) -> None:
    client = fake.oauth_client()["installed"]
    refresh = fake.issue_refresh_token(client["client_id"])
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh,
        "client_id": client["client_id"],
        "client_secret": client["client_secret"],
    }
    status, _, reply = call(fake, "POST", "/token", form=form)
    assert status == 200 and reply["scope"] == CONTACTS_SCOPE
    status, _, reply = call(fake, "POST", "/token", form={**form, "client_secret": "wrong"})
    assert (status, reply["error"]) == (401, "invalid_client")
    status, _, reply = call(
        fake, "POST", "/token", form={**form, "scope": "https://www.googleapis.com/auth/gmail.send"}
    )
    assert (status, reply["error"]) == (400, "invalid_scope")
    fake.revoke(refresh)
    status, _, reply = call(fake, "POST", "/token", form=form)
    assert (status, reply) == (
        400,
        {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    )
    status, _, reply = call(fake, "POST", "/token", form={**form, "grant_type": "password"})
    assert (status, reply["error"]) == (400, "unsupported_grant_type")


def test_the_consent_page_redirects_with_a_code_that_pkce_protects(fake: FakePeopleApi) -> None:
    client = fake.oauth_client()["installed"]
    verifier = "v" * 50
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    redirect = "http://localhost:51234/"
    status, headers, _ = call(
        fake,
        "GET",
        "/o/oauth2/auth",
        {
            "client_id": client["client_id"],
            "redirect_uri": redirect,
            "response_type": "code",
            "scope": CONTACTS_SCOPE,
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert status == 302
    answer = urllib.parse.parse_qs(urllib.parse.urlsplit(headers["location"]).query)
    assert headers["location"].startswith(redirect) and answer["state"] == ["s1"]
    form = {
        "grant_type": "authorization_code",
        "code": answer["code"][0],
        "redirect_uri": redirect,
        "client_id": client["client_id"],
        "client_secret": client["client_secret"],
    }
    status, _, reply = call(fake, "POST", "/token", form={**form, "code_verifier": "w" * 50})
    assert (status, reply["error"]) == (400, "invalid_grant")
    # A code is single-use: a failed exchange spent it too, as Google does.
    status, _, reply = call(fake, "POST", "/token", form={**form, "code_verifier": verifier})
    assert status == 400

    fake.consent = "deny"
    status, headers, _ = call(
        fake,
        "GET",
        "/o/oauth2/auth",
        {
            "client_id": client["client_id"],
            "redirect_uri": redirect,
            "response_type": "code",
            "state": "s2",
        },
    )
    assert "error=access_denied" in headers["location"] and "state=s2" in headers["location"]
    status, _, _ = call(
        fake,
        "GET",
        "/o/oauth2/auth",
        {
            "client_id": client["client_id"],
            "redirect_uri": "https://evil.example.com/",
            "response_type": "code",
        },
    )
    assert status == 400


# --- writes, quota and faults ---------------------------------------------------------------


def test_batch_create_takes_one_to_200_contacts_and_needs_a_read_mask(fake: FakePeopleApi) -> None:
    token = access_token(fake)
    one = {"contactPerson": {"phoneNumbers": [{"value": "+971501239999"}]}}
    status, _, reply = call(
        fake,
        "POST",
        "/v1/people:batchCreateContacts",
        body={"contacts": [one] * 3, "readMask": "phoneNumbers"},
        token=token,
    )
    assert status == 200 and len(reply["createdPeople"]) == 3
    created = reply["createdPeople"][0]["person"]
    assert created["resourceName"].startswith("people/c") and set(created) == {
        "resourceName",
        "etag",
        "phoneNumbers",
    }
    assert fake.person(created["resourceName"]) is not None
    for body in (
        {"contacts": [one] * 201, "readMask": "phoneNumbers"},
        {"contacts": [], "readMask": "phoneNumbers"},
        {"contacts": [one]},
        {"contacts": [{"contactPerson": {"resourceName": "people/c1"}}], "readMask": "names"},
        {"contacts": [{"contactPerson": {"favouriteColour": "blue"}}], "readMask": "names"},
    ):
        status, _, reply = call(
            fake, "POST", "/v1/people:batchCreateContacts", body=body, token=token
        )
        assert status == 400, body
    assert len(fake.requests_to(BATCH_CREATE)) == 6


def test_the_write_quota_answers_429_with_retry_after(fake: FakePeopleApi) -> None:
    fake.write_quota = (2, 60.0)
    token = access_token(fake)
    body = {"contacts": [{"contactPerson": {"names": [{"givenName": "A"}]}}], "readMask": "names"}
    statuses = [
        call(fake, "POST", "/v1/people:batchCreateContacts", body=body, token=token)[:2]
        for _ in range(3)
    ]
    assert [s for s, _ in statuses] == [200, 200, 429]
    assert 1 <= int(statuses[2][1]["retry-after"]) <= 60


def test_faults_hit_the_chosen_requests_only(fake: FakePeopleApi) -> None:
    token = access_token(fake)
    fake.inject(Fault.http(429, retry_after=3), skip=1, times=2)
    results = [
        call(fake, "GET", "/v1/people/me/connections", {"personFields": FIELDS}, token=token)
        for _ in range(4)
    ]
    assert [r[0] for r in results] == [200, 429, 429, 200]
    assert results[1][1]["retry-after"] == "3"
    assert google_error(results[1][2])[1] == "RESOURCE_EXHAUSTED"

    fake.inject(Fault.malformed())
    status, _, raw = call(
        fake, "GET", "/v1/people/me/connections", {"personFields": FIELDS}, token=token
    )
    assert status == 200 and isinstance(raw, bytes)

    fake.inject(Fault.reset())
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        call(fake, "GET", "/v1/people/me/connections", {"personFields": FIELDS}, token=token)

    fake.inject(Fault.html(502))
    status, headers, page = call(
        fake, "GET", "/v1/people/me/connections", {"personFields": FIELDS}, token=token
    )
    assert status == 502 and headers["content-type"] == "text/html"
    assert (
        call(fake, "GET", "/v1/people/me/connections", {"personFields": FIELDS}, token=token)[0]
        == 200
    )
