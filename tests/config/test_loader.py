"""bots.yaml: the example file loads; every kind of bad content gives exact one-line problems."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from linda_tui.config import ConfigError, Role, load_fleet, parse_fleet
from linda_tui.config.loader import MAX_CONFIG_BYTES

REPO_ROOT = Path(__file__).resolve().parents[2]

# One valid bot; cases below add to it or bend it.
ONE_BOT = 'bots:\n  - id: main\n    name: Main\n    phone: "+971501234561"\n    role: primary\n'
SECOND = '  - id: b\n    name: B\n    phone: "+971501234562"\n'


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_fleet(text, "bots.yaml")
    return caught.value.problems


def test_the_example_bots_yaml_is_a_valid_fleet() -> None:
    fleet = load_fleet(REPO_ROOT / "bots.yaml")
    assert [b.id for b in fleet.bots] == ["main-office", "agent-sara", "agent-omar"]
    assert [b.phone for b in fleet.bots] == ["+971501234561", "+971501234562", "+971501234563"]
    assert fleet.primary is not None and fleet.primary.id == "main-office"
    assert [b.role for b in fleet.bots] == [Role.PRIMARY, Role.SECONDARY, Role.SECONDARY]
    assert fleet.pacing_for("agent-sara").per_hour == 20
    assert fleet.pacing_for("agent-sara").per_minute == 5  # not overridden: the fleet's


def test_values_are_read_as_written_despite_yaml_1_1() -> None:
    # Unquoted, YAML 1.1 reads 0501234561 as octal, +9715... as an int, yes as true.
    fleet = parse_fleet(
        "bots:\n"
        "  - id: 007\n    name: yes\n    phone: +971501234561\n    role: primary\n"
        "  - id: local\n    name: Local\n    phone: 0501234562\n"
        "  - id: spaced\n    name: Spaced\n    phone: 050 123 4563\n    enabled: no\n"
    )
    assert [(b.id, b.name, b.phone) for b in fleet.bots] == [
        ("007", "yes", "+971501234561"),
        ("local", "Local", "+971501234562"),
        ("spaced", "Spaced", "+971501234563"),
    ]
    assert fleet.bots[2].enabled is False


def test_numbers_without_plus_use_default_region() -> None:
    fleet = parse_fleet(
        "default_region: gb\nbots:\n"
        '  - id: london\n    name: London\n    phone: "020 7946 0018"\n    role: primary\n'
    )
    assert fleet.default_region == "GB"
    assert fleet.bots[0].phone == "+442079460018"


def test_region_from_settings_applies_only_when_the_file_has_none() -> None:
    text = 'bots:\n  - id: l\n    name: L\n    phone: "020 7946 0018"\n    role: primary\n'
    assert parse_fleet(text, default_region="GB").bots[0].phone == "+442079460018"
    with pytest.raises(ConfigError):
        parse_fleet("default_region: AE\n" + text, default_region="GB")


def test_a_utf8_byte_order_mark_is_accepted(write_config: Callable[..., Path]) -> None:
    path = write_config(b"\xef\xbb\xbf" + ONE_BOT.encode())
    assert load_fleet(path).bots[0].id == "main"


def test_a_disabled_primary_may_coexist_with_an_enabled_one() -> None:
    text = ONE_BOT.replace("role: primary", "role: primary\n    enabled: false")
    fleet = parse_fleet(text + SECOND + "    role: primary\n")
    assert fleet.primary is not None and fleet.primary.id == "b"


BAD_CASES: dict[str, tuple[str, list[str]]] = {
    "syntax error": (
        "bots:\n  - id: main\n   name: Main\n",
        [
            "bots.yaml:3: YAML syntax error: expected <block end>, but found "
            "'<block mapping start>' — check the indentation and quoting on this line "
            "(quote values containing ': ' or ' #')"
        ],
    ),
    "unclosed bracket": (
        "bots: [\n",
        [
            "bots.yaml:2: YAML syntax error: expected the node content, but found "
            "'<stream end>' — check the indentation and quoting on this line "
            "(quote values containing ': ' or ' #')"
        ],
    ),
    "tab indentation": (
        "bots:\n\t- id: main\n",
        [
            "bots.yaml:2: YAML syntax error: found character '\\t' that cannot start any "
            "token — indent with spaces, not tabs"
        ],
    ),
    "two documents": (
        ONE_BOT + "---\nbots: []\n",
        [
            "bots.yaml:6: a second YAML document starts here (---) — bots.yaml holds one "
            "document; remove the second or merge it into the first"
        ],
    ),
    "empty file": (
        "",
        ["bots.yaml:1: the file is empty — list your bots under bots: (see the example bots.yaml)"],
    ),
    "only comments": (
        "# nothing yet\n\n",
        ["bots.yaml:1: the file is empty — list your bots under bots: (see the example bots.yaml)"],
    ),
    "a list at the top": (
        "- id: main\n",
        [
            "bots.yaml:1: the file holds a list, not a mapping — it needs keys at the top "
            "level, at least bots: (see the example bots.yaml)"
        ],
    ),
    "bots is a number": (
        "bots: 5\n",
        [
            "bots.yaml:1: bots must be a list, not 5 — list the bots under bots:, each "
            "starting with '- id:'"
        ],
    ),
    "a bot is a string": (
        ONE_BOT + "  - just-a-name\n",
        [
            "bots.yaml:6: each bot must be a mapping of keys, not 'just-a-name' — write it as "
            "'- id: main-office' with name, phone and role indented under it"
        ],
    ),
    "name is a list": (
        ONE_BOT.replace("name: Main", "name: [a, b]"),
        ["bots.yaml:3: name must be text, not a list — write e.g. name: Main office"],
    ),
    "enabled is not a bool": (
        ONE_BOT + "    enabled: maybe\n",
        [
            "bots.yaml:6: enabled must be true or false, not 'maybe' — write enabled: true "
            "or enabled: false"
        ],
    ),
    "unknown role": (
        ONE_BOT.replace("role: primary", "role: boss"),
        [
            "bots.yaml:5: role must be 'primary' or 'secondary', not 'boss' — write "
            "role: primary or role: secondary"
        ],
    ),
    "pacing not a number": (
        "pacing:\n  per_hour: lots\n" + ONE_BOT,
        ["bots.yaml:2: per_hour must be a whole number, not 'lots' — write e.g. per_hour: 5"],
    ),
    "pacing out of range": (
        "pacing:\n  per_minute: 0\n" + ONE_BOT,
        ["bots.yaml:2: per_minute must be at least 1, not 0 — change the value"],
    ),
    "pacing delays inverted": (
        "pacing:\n  min_delay_seconds: 50\n  max_delay_seconds: 10\n" + ONE_BOT,
        [
            "bots.yaml:1: max_delay_seconds (10) is smaller than min_delay_seconds (50) — "
            "make max_delay_seconds at least min_delay_seconds"
        ],
    ),
    "a bot's override inverts the delays": (
        ONE_BOT + "    pacing:\n      max_delay_seconds: 10\n",
        [
            "bots.yaml:6: with this override max_delay_seconds (10) is smaller than "
            "min_delay_seconds (30) — make max_delay_seconds at least min_delay_seconds"
        ],
    ),
    "unknown top-level key": (
        "colour: red\n" + ONE_BOT,
        [
            "bots.yaml:1: unknown key 'colour' — remove it or check its spelling "
            "(allowed here: bots, broadcasts, contacts, default_region, keys, pacing)"
        ],
    ),
    "unknown bot key": (
        ONE_BOT + "    phne: x\n",
        [
            "bots.yaml:6: unknown key 'phne' — did you mean phone? "
            "(allowed here: enabled, id, name, pacing, phone, role)"
        ],
    ),
    "unknown pacing key": (
        "pacing:\n  per_minuet: 3\n" + ONE_BOT,
        [
            "bots.yaml:2: unknown key 'per_minuet' — did you mean per_minute? (allowed here: "
            "max_delay_seconds, min_delay_seconds, per_day, per_hour, per_minute)"
        ],
    ),
    "missing keys": (
        "bots:\n  - id: main\n    role: primary\n",
        [
            "bots.yaml:2: name is missing — write e.g. name: Main office",
            'bots.yaml:2: phone is missing — write e.g. phone: "+971501234567"',
        ],
    ),
    "missing bots": (
        "default_region: AE\n",
        ["bots.yaml:1: bots is missing — list the bots under bots:, each starting with '- id:'"],
    ),
    "a key written twice": (
        ONE_BOT + "    name: Again\n",
        ["bots.yaml:6: key 'name' is written twice here (first on line 3) — keep only one"],
    ),
    "duplicate ids": (
        ONE_BOT + '  - id: main\n    name: Other\n    phone: "+971501234562"\n',
        ["bots.yaml:6: bot id 'main' is used twice (first on line 2) — give every bot its own id"],
    ),
    "duplicate phones written differently": (
        ONE_BOT + "  - id: other\n    name: Other\n    phone: 0501234561\n",
        [
            "bots.yaml:8: phone +971501234561 is already used by bot 'main' (first on line 2) "
            "— every bot needs its own WhatsApp number"
        ],
    ),
    "no primary": (
        ONE_BOT.replace("primary", "secondary"),
        [
            "bots.yaml:1: no enabled bot has role: primary — set role: primary on exactly one "
            "enabled bot"
        ],
    ),
    "the only primary is disabled": (
        ONE_BOT.replace("role: primary", "role: primary\n    enabled: false") + SECOND,
        [
            "bots.yaml:1: no enabled bot has role: primary — set role: primary on exactly one "
            "enabled bot"
        ],
    ),
    "two primaries": (
        ONE_BOT + SECOND + "    role: primary\n",
        [
            "bots.yaml:9: bot 'b' is a second primary (first on line 2) — exactly one enabled "
            "bot may be primary ('main' is); make the others role: secondary"
        ],
    ),
    "no bot enabled": (
        ONE_BOT + "    enabled: false\n",
        [
            "bots.yaml:1: no bot is enabled — set enabled: true on at least one bot and make "
            "one of them role: primary"
        ],
    ),
    "empty bots list": (
        "bots: []\n",
        [
            "bots.yaml:1: the bots list is empty — add at least one bot "
            "(id, name, phone, role: primary)"
        ],
    ),
    "id with capitals and underscore": (
        ONE_BOT.replace("id: main", "id: Main_Office"),
        [
            "bots.yaml:2: bot id 'Main_Office' must be a slug of lowercase letters, digits and "
            "'-' (it becomes a file name) — write it like main-office"
        ],
    ),
    "id that escapes the sessions folder": (
        ONE_BOT.replace("id: main", "id: ../etc"),
        [
            "bots.yaml:2: bot id '../etc' must be a slug of lowercase letters, digits and '-' "
            "(it becomes a file name) — write it like main-office"
        ],
    ),
    "phone that is not a number": (
        ONE_BOT.replace('"+971501234561"', "call-me"),
        [
            "bots.yaml:4: 'call-me' has letters in it — write the number in digits, "
            "e.g. +971501234567 (spaces and + . - ( ) / may separate them)"
        ],
    ),
    "phone too short": (
        ONE_BOT.replace('"+971501234561"', '"+97150"'),
        [
            "bots.yaml:4: '+97150' is not a valid phone number for its country — check the "
            "digits and the country code, e.g. +971501234567"
        ],
    ),
    "unknown default_region": (
        "default_region: XX\n" + ONE_BOT,
        [
            "bots.yaml:1: default_region 'XX' is not a country code known to phonenumbers — "
            "use a two-letter code such as AE, GB or US"
        ],
    ),
    "billion laughs": (
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(
            f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + ONE_BOT,
        [
            "bots.yaml:2: YAML aliases (*name) are not allowed in bots.yaml — "
            "write the value out in full"
        ],
    ),
    "python object tag": (
        ONE_BOT + "    enabled: !!python/object/apply:os.system ['true']\n",
        [
            "bots.yaml:6: the YAML tag '!!python/object/apply:os.system' is not supported — "
            "remove it and write a plain value"
        ],
    ),
    "integer too long for Python": (
        "pacing:\n  per_day: " + "9" * 5000 + "\n" + ONE_BOT,
        [
            "bots.yaml:2: cannot read the value '999999999999999999999...' (Exceeds the limit "
            "(4300 digits) for integer string conver...) — write a plain number, text or "
            "true/false"
        ],
    ),
    "NUL character": (
        ONE_BOT + "    enabled: a\x00b\n",
        [
            "bots.yaml:6: the character U+0000 is not allowed in YAML — delete it "
            "(it is usually pasted by accident)"
        ],
    ),
    "absurd nesting": (
        "bots: " + "[" * 1000 + "]" * 1000 + "\n",
        [
            "bots.yaml:1: the document nests more than 32 levels deep — bots.yaml needs four "
            "at most; check the indentation and brackets"
        ],
    ),
    # YAML reads .inf and .nan; 1e309 overflows to inf: an endless pause broke pacing.
    "endless pause": (
        "pacing:\n  min_delay_seconds: .inf\n  max_delay_seconds: 1e309\n" + ONE_BOT,
        [
            "bots.yaml:2: min_delay_seconds must be a number, not inf — write e.g. "
            "min_delay_seconds: 5",
            "bots.yaml:3: max_delay_seconds must be a number, not '1e309' — write e.g. "
            "max_delay_seconds: 5",
        ],
    ),
    "pause over a day": (
        "pacing:\n  max_delay_seconds: 90000\n" + ONE_BOT,
        ["bots.yaml:2: max_delay_seconds must be at most 86400.0, not 90000 — change the value"],
    ),
}


@pytest.mark.parametrize("text, expected", BAD_CASES.values(), ids=BAD_CASES.keys())
def test_bad_content_gives_one_exact_line_per_problem(text: str, expected: list[str]) -> None:
    assert problems_of(text) == expected


def test_several_problems_are_all_reported_in_line_order() -> None:
    text = (
        "bots:\n"
        "  - id: Main\n"  # 2: bad slug
        "    name: Main\n"
        "    phone: nope\n"  # 4: bad phone
        "    role: primary\n"
        "    colour: red\n"  # 6: unknown key
    )
    problems = problems_of(text)
    assert [p.split(":")[1] for p in problems] == ["2", "4", "6"]
    assert all(p.startswith("bots.yaml:") and " — " in p for p in problems)


def test_messages_name_the_file_as_given(write_config: Callable[..., Path]) -> None:
    write_config("bots: 5\n", name="fleet.yaml")
    with pytest.raises(ConfigError) as caught:
        load_fleet("./fleet.yaml")
    assert caught.value.problems[0].startswith("./fleet.yaml:1: bots must be a list")


def test_missing_file() -> None:
    with pytest.raises(ConfigError) as caught:
        load_fleet("nowhere/bots.yaml")
    assert caught.value.problems == [
        "nowhere/bots.yaml: no such file — create it (see the example bots.yaml and "
        "README.md), pass --config PATH, or try `linda --demo`"
    ]


def test_a_folder_instead_of_a_file(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    with pytest.raises(ConfigError) as caught:
        load_fleet("conf")
    assert caught.value.problems == [
        "conf: is a folder, not a file — pass the bots.yaml file itself, e.g. --config "
        "conf/bots.yaml"
    ]


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    with pytest.raises(ConfigError) as caught:
        load_fleet("pipe.yaml")
    assert caught.value.problems == [
        "pipe.yaml: is a FIFO (named pipe), not a regular file — pass the path of a bots.yaml file"
    ]


def test_bytes_that_are_not_utf8(write_config: Callable[..., Path]) -> None:
    write_config(ONE_BOT.encode() + b"    name: caf\xe9\n")
    with pytest.raises(ConfigError) as caught:
        load_fleet("bots.yaml")
    assert caught.value.problems == [
        "bots.yaml:6: the file is not UTF-8 text (byte 0xe9) — save it as UTF-8"
    ]


def test_a_huge_file_is_refused_before_parsing(write_config: Callable[..., Path]) -> None:
    write_config(ONE_BOT + "#" * MAX_CONFIG_BYTES)
    with pytest.raises(ConfigError) as caught:
        load_fleet("bots.yaml")
    assert caught.value.problems == [
        "bots.yaml: the file is larger than 256 KiB — bots.yaml lists a handful of bots; "
        "check that --config points at the right file"
    ]


def test_a_flood_of_problems_is_cut_short() -> None:
    bots = "".join(
        f"  - id: BOT{i}\n    name: B\n    phone: '+9715012345{i:02d}'\n" for i in range(60)
    )
    problems = problems_of("bots:\n" + bots)
    assert len(problems) == 51
    assert problems[0].startswith("bots.yaml:2: bot id 'BOT0' must be a slug")
    assert problems[-1] == (
        "bots.yaml: 10 more problems not shown — fix the ones above and check again"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file(write_config: Callable[..., Path]) -> None:
    write_config(ONE_BOT).chmod(0)
    with pytest.raises(ConfigError) as caught:
        load_fleet("bots.yaml")
    assert caught.value.problems == [
        "bots.yaml: cannot read it (Permission denied) — check the path and its permissions"
    ]


@pytest.mark.parametrize(
    "text",
    [
        (REPO_ROOT / "bots.yaml").read_text(encoding="utf-8"),
        # Flow style, comments, block and folded scalars, YAML 1.1 look-alikes as text.
        "default_region: ae\n"
        "pacing: {per_minute: 3, min_delay_seconds: 1.5e1, max_delay_seconds: 20}\n"
        "bots:\n"
        '  - {id: main, name: "Main\\x20office", phone: 0501234561, role: primary}\n'
        "  - id: b  # second\n    name: >-\n      B\n      team\n    phone: 00971501234562\n"
        "    enabled: off\n",
    ],
    ids=["example", "tricky"],
)
def test_libyaml_reads_a_fleet_exactly_as_pyyaml_does(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from linda_tui.config import loader

    assert loader._FastBotsYamlLoader is not None  # this PyYAML has libyaml: the fast path
    assert loader._FastBotsYamlLoader(text).get_single_node() is not None  # no fallback
    fast = parse_fleet(text)
    monkeypatch.setattr(loader, "_FastBotsYamlLoader", None)
    assert parse_fleet(text) == fast


def test_a_problem_found_by_libyaml_is_worded_by_pyyaml() -> None:
    # libyaml says "found character that cannot start any token"; PyYAML names the tab.
    assert problems_of(ONE_BOT + "\t- id: b\n") == [
        "bots.yaml:6: YAML syntax error: found character '\\t' that cannot start any token "
        "— indent with spaces, not tabs"
    ]
