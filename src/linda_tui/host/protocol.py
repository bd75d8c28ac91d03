"""The host's protocol: newline-delimited JSON over a Unix socket, versioned.

One JSON object per line, UTF-8, at most MAX_LINE_BYTES. A client opens with

    {"hello": {"protocol": 1, "client": "linda 0.1.0", "events": true}}

and the host answers ``{"welcome": {...}}`` (its version, pid, whether it runs the
demo, and a snapshot of every bot) or ``{"error": "...", "code": "version"}`` and hangs
up. Then the client sends requests and the host answers each, in any order, by id:

    {"id": 7, "op": "send", "args": {"to": "+971501234567", "text": "hi", "bot": "auto"}}
    {"id": 7, "ok": true, "result": [...]}
    {"id": 7, "ok": false, "error": "one line for the operator", "kind": "refused"}

With ``"events": true`` the host also streams ``{"event": {...}}`` lines (the codec's
encoding of each event). ``{"bye": "why"}`` is the host's last line before it hangs up.
"""

from __future__ import annotations

import json
from typing import Any

from linda_tui import __version__
from linda_tui.plain_text import one_line

PROTOCOL_VERSION = 1
SOCKET_NAME = "linda.sock"
MAX_LINE_BYTES = 1024 * 1024
# A client that does not say hello within this long is hung up on.
HELLO_SECONDS = 5.0
# The bye of a host that is stopping (its fleet with it), as opposed to one that drops a
# single client (too slow, a bad request) and goes on running the bots.
HOST_STOPPING = "the host is stopping"

# What a failed request's "kind" says, so a client can map it to its exit status.
REFUSED = "refused"  # the operator asked for something that cannot be done (exit 1)
USAGE = "usage"  # an unknown bot, a bad number... (exit 2, like a bad command line)
BAD_REQUEST = "bad-request"  # the client broke the protocol
INTERNAL = "internal"  # the host failed; details in its log
TOO_LARGE = "too-large"  # the answer would not fit on one line: ask for a smaller page


class ProtocolError(Exception):
    """The other side broke the protocol, or speaks another version; one line."""


def software() -> str:
    """This Linda, as it introduces itself on the socket."""
    return f"linda {__version__}"


def encode(message: dict[str, Any]) -> bytes:
    """One protocol line."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """A protocol line as an object, or ProtocolError saying what is wrong with it."""
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"a line of {len(line):,} bytes; the limit is {MAX_LINE_BYTES:,}")
    try:
        message = json.loads(line)
    except (ValueError, RecursionError) as exc:  # bad JSON or UTF-8, a 5,000-digit number,
        # nesting deeper than the parser's stack
        raise ProtocolError(f"not a JSON line ({one_line(str(exc), 200)})") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"a JSON {type(message).__name__}, not an object")
    return message


def hello(*, events: bool) -> dict[str, Any]:
    """A client's first line."""
    return {"hello": {"protocol": PROTOCOL_VERSION, "client": software(), "events": events}}


def version_mismatch(theirs: object, who: object) -> str:
    """The one line both sides print when the versions differ."""
    return (
        f"this Linda speaks protocol version {PROTOCOL_VERSION} ({software()}), the other side "
        f"speaks version {theirs if type(theirs) is int else repr(theirs)} "
        f"({who or 'unknown'}) — run the same Linda version on both"
    )
