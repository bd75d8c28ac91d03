"""Store URLs shown without their password, whatever the password holds."""

from __future__ import annotations

from urllib.parse import unquote_plus

import pytest
from pymongo.uri_parser import parse_uri

from linda_tui.logsetup import redact
from linda_tui.store.urls import hide_url_secrets, redact_url

# (url, what must be shown, what must never be shown)
SHAPES = [
    (
        "mongodb://linda:hunter2@db.example/linda",
        "mongodb://linda:***@db.example/linda",
        ["hunter2"],
    ),
    # a '/' in the password: pymongo would read 'cret@host' as the database
    ("mongodb://user:s3/cret@host/db", "mongodb://user:***@host/db", ["s3", "cret"]),
    ("mongodb://user:123/cret@host/db", "mongodb://user:***@host/db", ["123", "cret"]),
    ("mongodb://user:123/cret@host", "mongodb://user:***@host", ["123", "cret"]),
    # an '@' in the password: pymongo splits at the LAST '@' of the host part
    ("mongodb://user:p@ss@host/db", "mongodb://user:***@host/db", ["p@ss", "ss@"]),
    ("mongodb://user:a@b@c@host/db", "mongodb://user:***@host/db", ["a@b", "c@host"]),
    ("mongodb://user:pa:ss@host/db", "mongodb://user:***@host/db", ["pa:ss", ":ss"]),
    ("mongodb://user:pa?ss@host/db", "mongodb://user:***@host/db", ["pa?ss", "?ss"]),
    ("mongodb://user:pa#ss@host/db", "mongodb://user:***@host/db", ["pa#ss"]),
    ("mongodb://user:pa%ss@host/db", "mongodb://user:***@host/db", ["pa%ss"]),
    ("mongodb://user:pa ss@host/db", "mongodb://user:***@host/db", ["pa ss", "ss@"]),
    ("mongodb://user:p%40ss%2F@host/db", "mongodb://user:***@host/db", ["p%40ss", "%2F"]),
    ("mongodb://us%40er:pw@host/db", "mongodb://us%40er:***@host/db", ["pw@"]),
    # an empty user with a password, a user alone (which may be a token), no credentials
    ("mongodb://:secretpw@host/db", "mongodb://:***@host/db", ["secretpw"]),
    ("mongodb://onlyuser@host/db", "mongodb://***@host/db", ["onlyuser"]),
    ("mongodb://host/db", "mongodb://host/db", []),
    ("mongodb://host:27017", "mongodb://host:27017", []),
    (
        "mongodb+srv://u:p%40ss@cluster0.example.net/db?retryWrites=true",
        "mongodb+srv://u:***@cluster0.example.net/db?retryWrites=true",
        ["p%40ss"],
    ),
    (
        "mongodb://u:pw1@h1:27017,h2:27018,h3/db?replicaSet=rs",
        "mongodb://u:***@h1:27017,h2:27018,h3/db?replicaSet=rs",
        ["pw1"],
    ),
    ("mongodb://u:pw1@[::1]:27017/db", "mongodb://u:***@[::1]:27017/db", ["pw1"]),
    (
        "mongodb://u:pw1@%2Ftmp%2Fmongodb.sock/db",
        "mongodb://u:***@%2Ftmp%2Fmongodb.sock/db",
        ["pw1"],
    ),
    # an '@' only in the query is not user-info
    (
        "mongodb://h1:27017,h2:27018/db?appName=ops@linda",
        "mongodb://h1:27017,h2:27018/db?appName=ops@linda",
        [],
    ),
    (
        "mongodb://u:pw1@host/db?appName=ops@linda",
        "mongodb://u:***@host/db?appName=ops@linda",
        ["pw1"],
    ),
    # password-like query parameters
    (
        "mongodb://host/db?authSource=admin&password=qwerty",
        "mongodb://host/db?authSource=admin&password=***",
        ["qwerty"],
    ),
    (
        "mongodb://u:pw1@host/?tls=true&tlsCertificateKeyFile=/k.pem&tlsCertificateKeyFilePassword=kpw",
        "mongodb://u:***@host/?tls=true&tlsCertificateKeyFile=/k.pem&tlsCertificateKeyFilePassword=***",
        ["kpw", "pw1"],
    ),
    (
        "mongodb://u:pw1@host/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:tok9",
        "mongodb://u:***@host/?authMechanism=MONGODB-AWS&authMechanismProperties=***",
        ["tok9", "pw1"],
    ),
    ("mongodb://host/?w=1;password=semi", "mongodb://host/?w=1;password=***", ["semi"]),
    # other schemes: RFC 3986, and a user-info alone is masked (it can be a token)
    ("https://ghp_TOKEN123@github.com/x.git", "https://***@github.com/x.git", ["ghp_TOKEN123"]),
    ("https://u:s3/cret@h.example/p", "https://u:***@h.example/p", ["s3", "cret"]),
    (
        "https://accounts.example/auth?login_hint=a@b.example",
        "https://accounts.example/auth?login_hint=a@b.example",
        [],
    ),
    ("https://api.example/v1?key=AIzaKEY&q=1", "https://api.example/v1?key=***&q=1", ["AIzaKEY"]),
    ("sqlite:///srv/a@b/linda.db", "sqlite:///srv/a@b/linda.db", []),
    ("/srv/user:pw@x/linda.db", "/srv/user:pw@x/linda.db", []),  # a plain path
]


@pytest.mark.parametrize(("url", "shown", "hidden"), SHAPES)
def test_redact_url_masks_every_shape_of_password(url: str, shown: str, hidden: list[str]) -> None:
    assert redact_url(url) == shown
    for secret in hidden:
        assert secret not in redact_url(url)


@pytest.mark.parametrize(("url", "shown", "hidden"), SHAPES)
def test_the_log_filter_masks_the_same_in_running_text(
    url: str, shown: str, hidden: list[str]
) -> None:
    line = f"store at {url} failed: timeout"
    masked = redact(line)
    assert f"store at {shown} failed" in masked
    for secret in hidden:
        assert secret not in masked
    quoted = redact(f"store URL '{url}' is not usable")
    for secret in hidden:
        assert secret not in quoted


@pytest.mark.parametrize(
    "url",
    [u for u, _, _ in SHAPES if u.startswith("mongodb://")],
)
def test_what_pymongo_would_send_as_the_password_is_never_shown(url: str) -> None:
    """Where the driver accepts the URL, the password it would send is masked."""
    try:
        parsed = parse_uri(url)
    except Exception:
        return  # the driver refuses it: nothing is sent (the cases above cover the text)
    shown = redact_url(url)
    if parsed["password"]:
        assert parsed["password"] not in shown
        assert parsed["password"] not in unquote_plus(shown)
    if parsed["username"] and ":" in url.split("://", 1)[1].rpartition("@")[0]:
        assert shown.startswith(f"mongodb://{url.split('://', 1)[1].split(':', 1)[0]}:***@")


def test_a_driver_message_quoting_a_piece_of_the_password_is_scrubbed() -> None:
    url = "mongodb://user:s3cr/et99@host/db"
    message = "Port must be an integer between 0 and 65535: 's3cr'; database 'et99@host/db'"
    scrubbed = hide_url_secrets(message, url)
    assert "s3cr" not in scrubbed and "et99" not in scrubbed
    assert hide_url_secrets("cannot reach host", "mongodb://host/db") == "cannot reach host"
    # pieces are masked where they stand alone, never inside the driver's own words
    assert (
        hide_url_secrets("Username and password must be escaped", "mongodb://u:p@ss@h/db")
        == "Username and password must be escaped"
    )
    assert hide_url_secrets("options are key=value pairs: 'ss'", "mongodb://u:pa?ss@h/db") == (
        "options are key=value pairs: '***'"
    )
