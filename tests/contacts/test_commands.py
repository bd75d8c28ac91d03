"""`linda sync`, `linda contacts search|get` and contact audiences, as real processes on
the demo (which syncs through the real client from the fake People API)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from linda_process import linda


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("contacts") / "data"
    proc = linda(data, "sync", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["mode"] == "full" and result["fetched"] == result["created"] > 1000
    assert result["contacts"] == result["created"] and result["deleted"] == 0
    return data


def test_search_forgives_accents_arabic_spellings_typos_and_number_forms(synced: Path) -> None:
    def names(query: str) -> list[str]:
        proc = linda(synced, "contacts", "search", query, "--json", "--limit", "50")
        assert proc.returncode == 0, proc.stderr
        return [row["name"] for row in json.loads(proc.stdout)]

    assert any(name.startswith("Mohammed") for name in names("mohamed"))  # a typo
    with_diacritics = names("مُحَمَّد")
    assert with_diacritics and with_diacritics == names("محمد")  # tashkeel ignored
    rows = json.loads(linda(synced, "contacts", "search", "4567", "--json").stdout)
    assert all(
        any(p.endswith("4567") or "4567" in p for p in r["phones"] + r["raw_phones"]) for r in rows
    )
    for row in rows:
        assert set(row) >= {
            "resource_name",
            "name",
            "phones",
            "emails",
            "labels",
            "owner_bot",
            "sync_status",
        }


def test_get_finds_a_contact_by_any_form_of_its_number_and_exits_1_when_none(
    synced: Path,
) -> None:
    [first] = json.loads(linda(synced, "contacts", "search", "a", "--json", "--limit", "1").stdout)
    e164 = first["phones"][0]
    local = "0" + e164.removeprefix("+971")  # the UAE local form, in the demo's region
    found = linda(synced, "contacts", "get", local, "--json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["resource_name"] == first["resource_name"]
    missing = linda(synced, "contacts", "get", "+971501239999")
    assert missing.returncode == 1 and "no contact has +971501239999" in missing.stderr
    bad = linda(synced, "contacts", "get", "+97150ABC")
    assert bad.returncode == 2


def test_a_search_too_short_or_empty_says_why(synced: Path) -> None:
    for query in ("17", "٥", "+9"):
        proc = linda(synced, "contacts", "search", query)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip().endswith("— type at least 3 digits of a number"), proc.stdout
    proc = linda(synced, "contacts", "search", "zzzzqqq")
    assert proc.stdout.strip() == "no contact matches 'zzzzqqq'"
    for query in ("", "   "):
        proc = linda(synced, "contacts", "search", query)
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.startswith("linda: the search is empty — give part of a name")
        assert len(proc.stderr.strip().splitlines()) == 1
    proc = linda(synced, "contacts", "search", "label: ")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("linda: label: names no label — give part of a name")


def test_a_broadcast_to_a_label_takes_exactly_that_labels_contacts(synced: Path) -> None:
    proc = linda(
        synced, "broadcast", "create", "--name", "VIP evening", "--label", "VIP",
        "--template", "Hello {first_name|there}", "--dry-run", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    listed = json.loads(
        linda(synced, "contacts", "search", "label:VIP", "--json", "--limit", "1000").stdout
    )
    with_number = [row for row in listed if row["phones"]]
    distinct = {row["phones"][0] for row in with_number}
    # Those with no number WhatsApp can reach are counted as left out, not dropped.
    without = len(listed) - len(with_number)
    assert plan["skipped"].get("invalid", 0) == without
    assert plan["to_send"] + sum(plan["skipped"].values()) == len(distinct) + without


def test_sync_without_credentials_says_how_to_configure_them(tmp_path: Path) -> None:
    (tmp_path / "bots.yaml").write_text(
        "bots:\n  - {id: main, name: Main, phone: '+971501234561', role: primary}\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "linda_tui", "--config", str(tmp_path / "bots.yaml"),
         "--data-dir", str(tmp_path / "data"), "sync"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("LINDA_")},
    )  # fmt: skip
    assert proc.returncode == 1
    [line] = proc.stderr.strip().splitlines()
    assert "not configured" in line and "LINDA_GOOGLE_CREDENTIALS" in line


def test_every_contact_counts_those_without_a_usable_number_as_left_out(synced: Path) -> None:
    """Not "left out: none" while some contacts have no number WhatsApp can reach."""
    import sqlite3

    with sqlite3.connect(synced / "linda.db") as db:
        [(unusable,)] = db.execute(
            "SELECT count(*) FROM contacts WHERE deleted = 0 AND phones = '[]'"
        ).fetchall()
    assert unusable > 0  # the demo's address book has some ("050 CALL NOW", "see email")
    proc = linda(
        synced, "broadcast", "create", "--name", "all", "--all-contacts", "--template",
        "Hi {first_name|there}", "--dry-run", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["skipped"].get("invalid") == unusable
    text = linda(
        synced, "broadcast", "create", "--name", "all", "--all-contacts", "--template",
        "Hi {first_name|there}", "--dry-run",
    ).stdout  # fmt: skip
    assert f"left out: {unusable} invalid" in text
    # Each is named as the address book knows it: a contact has no "line".
    skipped = [line for line in text.splitlines() if line.startswith("  skipped ")]
    assert skipped and all(line.startswith("  skipped contact '") for line in skipped), skipped


async def test_get_says_when_others_share_the_number(tmp_path: Path) -> None:
    """A family's landline, an office's switchboard: `get` shows the first contact and
    says how many more have the number, instead of leaving them unsaid."""
    from linda_tui.models import Contact
    from linda_tui.store.sqlite import SQLiteStore

    data = tmp_path / "data"
    assert linda(data, "contacts", "search", "x").returncode == 0  # makes the store
    shared = "+971501112233"
    async with SQLiteStore(data / "linda.db") as store:
        await store.upsert_contacts(
            [
                Contact(resource_name="people/c1", names=["Huda Saeed"], phones=[shared]),
                Contact(resource_name="people/c2", names=["Omar Saeed"], phones=[shared]),
            ]
        )
    shown = linda(data, "contacts", "get", shared)
    assert shown.returncode == 0, shown.stderr
    assert "(1 more contact has this number — `linda --demo --data-dir" in shown.stdout
    assert f"contacts search {shared}` lists them)" in shown.stdout
    document = json.loads(linda(data, "contacts", "get", shared, "--json").stdout)
    assert document["others_with_number"] == 1
