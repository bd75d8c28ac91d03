"""Values from outside (CSV cells, contacts) go into broadcast messages without their
control characters, and `broadcast export` never writes one raw: the same rule as for a
template, which refuses them, and as the console's text fields, which drop them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from linda_process import linda
from linda_tui.terminal_text import CONTROL_CHARACTERS

# The tester's file: OSC 52 (writes the clipboard) and ESC[2J (clears the screen) in a
# name, a right-to-left override in a note, NUL, a zero width space, and an address
# cell holding a line break (CRLF), which must stay a line break.
HOSTILE_CSV = (
    "name,phone,note\r\n"
    '"x \x1b]52;c;SGVsbG8=\x07 \x1b[2J",+971501234567,"\u202eevil"\r\n'
    '"E\x00F",+971501234569,"zero\u200bwidth"\r\n'
    '"Sara",+971501234570,"12 Main St\r\nDubai\tUAE"\r\n'
)
CONTROLS_BUT_LINES = CONTROL_CHARACTERS - {"\n", "\t"}


def network_texts(data: Path) -> dict[str, str]:
    path = data / "simulated-network.jsonl"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {line["to"]: line["text"] for line in lines}


def test_control_characters_from_a_csv_never_reach_a_message_or_the_export(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    source = tmp_path / "hostile.csv"
    source.write_bytes(HOSTILE_CSV.encode("utf-8"))
    created = linda(
        data, "broadcast", "create", "--name", "x", "--csv", str(source),
        "--template", "Hi {name} {note}", "--pace", "demo-fast", "--json",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    preview = [item["text"] for item in json.loads(created.stdout)["preview"]]
    assert preview == [
        "Hi x ]52;c;SGVsbG8= [2J evil",
        "Hi EF zerowidth",
        "Hi Sara 12 Main St\nDubai\tUAE",
    ]

    run = linda(data, "broadcast", "run", "1", timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    sent = network_texts(data)
    assert sorted(sent.values()) == sorted(preview)  # what was sent is what was shown

    out = tmp_path / "export.csv"
    exported = linda(data, "broadcast", "export", "1", "--csv", str(out))
    assert exported.returncode == 0, exported.stderr
    raw = out.read_bytes().decode("utf-8")
    # The CSV's own record ends (CRLF) are its structure; no other control is in it.
    body = raw.replace("\r\n", "\n")
    assert not set(body) & CONTROLS_BUT_LINES, repr(body)
    assert "Hi Sara 12 Main St\nDubai\tUAE" in body


def test_an_export_escapes_control_characters_left_in_the_store(tmp_path: Path) -> None:
    """A store written by an older Linda (or a reason WhatsApp gave) may still hold
    them: the export shows them as escapes, `cat export.csv` runs nothing."""
    import sqlite3

    data = tmp_path / "data"
    created = linda(
        data, "broadcast", "create", "--name", "x", "--to", "+971501234567",
        "--template", "Hi",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    with sqlite3.connect(data / "linda.db") as db:
        db.execute(
            "UPDATE recipients SET text = ?, reason = ?",
            ("Hi \x1b]52;c;SGVsbG8=\x07\x1b[2J", "\u202eevil\rover"),
        )
    out = tmp_path / "export.csv"
    exported = linda(data, "broadcast", "export", "1", "--csv", str(out))
    assert exported.returncode == 0, exported.stderr
    body = out.read_text(encoding="utf-8").replace("\r\n", "\n")
    assert not set(body) & CONTROLS_BUT_LINES, repr(body)
    assert re.search(r"Hi \\x1b\]52;c;SGVsbG8=\\x07\\x1b\[2J", body)
    assert "\\u202eevil\\x0dover" in body
