"""Templates: variables with fallbacks, literal braces, deterministic variations,
one-line errors with positions, RTL text and emoji untouched."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from linda_tui.broadcast.template import (
    MissingVariable,
    TemplateError,
    check_variables,
    compile_template,
    variable_key,
)

PHONES = [f"+97150123{n:04d}" for n in range(600)]


def render(text: str, variables: dict[str, str] | None = None, phone: str = "+971501234567") -> str:
    return compile_template(text, seed="offer").render(variables or {}, phone)


# --- variables ---------------------------------------------------------------------------


def test_variables_are_filled_in() -> None:
    assert render(
        "Hi {first_name}, see you in {city}.", {"first_name": "Ahmed", "city": "Dubai"}
    ) == ("Hi Ahmed, see you in Dubai.")


def test_a_variable_is_found_whatever_its_spelling() -> None:
    variables = {"first_name": "Sara"}
    for written in ("{First Name}", "{first_name}", "{ FIRST-NAME }", "{first name}"):
        assert render(written, variables) == "Sara"


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("First Name", "first_name"),
        ("  E-mail Address ", "e_mail_address"),
        ("Phone 1 - Value", "phone_1_value"),
        ("Prénom", "prenom"),
        ("الاسم الأول", "الاسم_الاول"),  # the hamza above the alef is a mark: dropped
        ("رقم الجوال", "رقم_الجوال"),
        ("CITY", "city"),
        ("___", ""),
    ],
)
def test_variable_keys(header: str, key: str) -> None:
    assert variable_key(header) == key


def test_a_fallback_is_used_when_the_value_is_missing_empty_or_blank() -> None:
    template = compile_template("Hi {first_name|there}!", seed="s")
    assert template.render({"first_name": "Omar"}, PHONES[0]) == "Hi Omar!"
    assert template.render({}, PHONES[0]) == "Hi there!"
    assert template.render({"first_name": ""}, PHONES[0]) == "Hi there!"
    assert template.render({"first_name": "   "}, PHONES[0]) == "Hi there!"


def test_an_empty_fallback_and_a_fallback_with_spaces() -> None:
    assert render("Dear {title|}{name|valued client}.", {}) == "Dear valued client."


def test_a_missing_value_without_fallback_raises() -> None:
    template = compile_template("Hi {first_name}", seed="s")
    with pytest.raises(MissingVariable, match=r"\{first_name\|there\}") as caught:
        template.render({}, PHONES[0])
    assert caught.value.placeholder.key == "first_name"


def test_double_braces_are_literal_braces() -> None:
    assert render("{{not a variable}} and {{{name}}}", {"name": "Ali"}) == (
        "{not a variable} and {Ali}"
    )


def test_text_outside_the_syntax_is_kept_exactly() -> None:
    text = "Price: 1,200 | 50% off [limited] — call  now!\n\tLine two ]"
    assert render(text) == text


# --- RTL and emoji ----------------------------------------------------------------------------


def test_arabic_text_and_variables_render_as_written() -> None:
    template = "مرحبا {الاسم|عزيزي العميل}، لدينا وحدات جديدة في {المدينة} 🏠"
    assert render(template, {"الاسم": "فاطمة", "المدينة": "دبي"}) == (
        "مرحبا فاطمة، لدينا وحدات جديدة في دبي 🏠"
    )
    assert render(template, {"المدينة": "دبي"}) == "مرحبا عزيزي العميل، لدينا وحدات جديدة في دبي 🏠"


def test_emoji_zwj_sequences_flags_and_direction_marks_are_untouched() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
    flag = "\U0001f1e6\U0001f1ea"
    skin = "\U0001f44b\U0001f3fd"
    rtl = "\u200fعرض\u200e 50%"
    text = f"{family} {flag} {skin} {rtl} [[{family}|{flag}]] {{name}}"
    out = render(text, {"name": f"Ali {skin}"})
    assert out.startswith(f"{family} {flag} {skin} {rtl} ")
    assert out.split(" ")[-3] in (family, flag)
    assert out.endswith(f"Ali {skin}")
    # Nothing normalised: the exact code points survive.
    assert family in out and "\u200f" in out and "\u200e" in out


# --- variations ---------------------------------------------------------------------------------


def test_variations_are_picked_per_recipient_and_spread_evenly() -> None:
    template = compile_template("[[Hi|Hello|Good morning]] Ali", seed="campaign-1")
    greetings = Counter(template.render({}, phone).rsplit(" ", 1)[0] for phone in PHONES)
    assert set(greetings) == {"Hi", "Hello", "Good morning"}
    assert min(greetings.values()) > len(PHONES) / 3 * 0.75


def test_the_same_recipient_gets_the_same_text_every_time() -> None:
    first = [compile_template("[[a|b|c|d]] [[x|y]]", seed="s").render({}, p) for p in PHONES]
    again = [compile_template("[[a|b|c|d]] [[x|y]]", seed="s").render({}, p) for p in PHONES]
    assert first == again


def test_the_choice_does_not_depend_on_the_process() -> None:
    """Python's hash() is salted per process: the pick must not use it."""
    code = (
        "from linda_tui.broadcast.template import compile_template as c;"
        "t=c('[[a|b|c|d|e]][[1|2|3]]', seed='s');"
        f"print(''.join(t.render({{}}, p) for p in {PHONES[:40]!r}))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (1, 2)
    }
    assert len(runs) == 1


def test_another_seed_gives_other_choices() -> None:
    one = [compile_template("[[a|b|c]]", seed="January").render({}, p) for p in PHONES]
    two = [compile_template("[[a|b|c]]", seed="February").render({}, p) for p in PHONES]
    assert one != two


def test_two_variations_pick_independently() -> None:
    template = compile_template("[[a|b]][[a|b]]", seed="s")
    pairs = Counter(template.render({}, p) for p in PHONES)
    assert set(pairs) == {"aa", "ab", "ba", "bb"}


def test_variations_may_hold_variables_and_empty_options() -> None:
    template = compile_template("[[Hi {first_name|there}|Hello]][[!|]]", seed="s")
    outputs = {template.render({"first_name": "Omar"}, p) for p in PHONES}
    assert outputs == {"Hi Omar!", "Hi Omar", "Hello!", "Hello"}
    assert template.variation_count == 2
    assert [p.key for p in template.placeholders] == ["first_name"]


def test_a_single_option_is_allowed() -> None:
    assert render("[[Hi]] there") == "Hi there"


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("Hi {name", "column 4", "'{' is not closed"),
        ("Hi name}", "column 8", "'}' closes no placeholder"),
        ("Hi {}", "column 4", "names no variable"),
        ("Hi { - }", "column 4", "names no variable"),
        ("Hi {a{b}", "column 4", "'{' is not closed"),
        ("[[Hi|Hello", "column 1", "'[[' is not closed"),
        ("Hi]] there", "column 3", "']]' closes no variation"),
        ("[[a|[[b|c]]]]", "column 5", "cannot be nested"),
        ("{a[[b}", "column 1", "inside a placeholder"),
        ("Hi {first_name|[[x|y]]}", "column 4", "a variation inside a fallback"),
        ("line one\nline {two", "line 2, column 6", "'{' is not closed"),
        ("one\n[[a|b\nc", "line 2, column 1", "'[[' is not closed"),
    ],
)
def test_bad_syntax_is_one_line_with_the_position(text: str, where: str, what: str) -> None:
    with pytest.raises(TemplateError) as caught:
        compile_template(text)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"template, {where}: ")
    assert what in message
    assert " — " in message  # and how to fix it


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n"])
def test_an_empty_template_is_refused(text: str) -> None:
    with pytest.raises(TemplateError, match="empty"):
        compile_template(text)


# --- checking an audience before anything is saved ------------------------------------------------


def test_a_variable_nobody_has_is_an_error_naming_the_columns() -> None:
    template = compile_template("Hi {frist_name}", seed="s")
    audience = [({"first_name": "Ali", "city": "Dubai"}, 2), ({"first_name": "Sara"}, 3)]
    with pytest.raises(TemplateError) as caught:
        check_variables(template, audience, known=["first_name", "city"], source="clients.csv")
    assert str(caught.value) == (
        "template uses {frist_name}, which clients.csv does not have (variables: city, "
        "first_name) — give it a fallback, e.g. {frist_name|there}, or fix the name"
    )


def test_a_column_empty_for_everyone_is_an_error() -> None:
    template = compile_template("Hi {city}", seed="s")
    with pytest.raises(TemplateError, match="empty for every recipient"):
        check_variables(template, [({"city": ""}, 2), ({}, 3)], known=["city"])


def test_a_variable_some_recipients_lack_is_an_error_with_count_and_first_line() -> None:
    template = compile_template("Hi {first_name}", seed="s")
    audience = [
        ({"first_name": "Ali"}, 2),
        ({"first_name": " "}, 3),
        ({}, 7),
        ({"first_name": "X"}, 8),
    ]
    with pytest.raises(TemplateError) as caught:
        check_variables(template, audience, known=["first_name"], source="clients.csv")
    assert "empty for 2 of 4 recipients in clients.csv (first on line 3)" in str(caught.value)
    assert "{first_name|there}" in str(caught.value)


def test_a_fallback_makes_any_gap_fine() -> None:
    template = compile_template("Hi {first_name|there} from {agent|us}", seed="s")
    check_variables(template, [({}, 2), ({"first_name": "Ali"}, 3)], known=[])


def test_numbers_without_variables_need_fallbacks() -> None:
    template = compile_template("Hi {name}", seed="s")
    with pytest.raises(TemplateError, match=r"--to numbers does not have \(variables: none\)"):
        check_variables(template, [({}, 1)], source="--to numbers")


# --- speed ---------------------------------------------------------------------------------------


def test_a_template_renders_many_recipients_from_one_compilation() -> None:
    """Behaviour, not timing (benchmarks/broadcast.py times it): one compiled template
    renders different recipients differently and consistently."""
    template = compile_template("[[Hi|Hello]] {first_name|there} in {city|Dubai}", seed="s")
    texts = [template.render({"first_name": f"N{i}"}, PHONES[i]) for i in range(len(PHONES))]
    assert all(t.endswith(f"N{i} in Dubai") for i, t in enumerate(texts))
    assert {t.split()[0] for t in texts} == {"Hi", "Hello"}


@pytest.mark.parametrize(
    "source",
    ["[[Hi|Hello]] {first_name|there} [[in {city|Dubai}|at {city|home}]]", "Hi {first_name}"],
)
def test_rendering_many_at_once_gives_each_recipient_its_own_text(source: str) -> None:
    template = compile_template(source, seed="s")
    rows = [{"first_name": f"N{i}", "city": "دبي" if i % 2 else ""} for i in range(len(PHONES))]
    assert template.render_all(rows, PHONES) == [
        template.render(row, phone) for row, phone in zip(rows, PHONES, strict=True)
    ]


GENERATED_CASES = [
    "Hello",
    "{first_name}",
    "{first_name|}",
    "[[only one]]",
    "[[Hi|Hello|Good morning]] {first_name|there}, units in {city} [[now|this week]].",
    "{{literal}} {first_name|x}}} — مرحبا {الاسم|صديقي} 👋",
    # Template text that looks like Python is only text: it never becomes code.
    '"); import os; os.system("x") #',
    "{__import__|__builtins__} [[c0|v0|missing]] {get|crc32}",
    "\\ \\n {first_name|\\}",
]


@pytest.mark.parametrize("source", GENERATED_CASES)
def test_a_generated_renderer_writes_exactly_what_the_general_one_does(source: str) -> None:
    """Most templates are rendered by a function made for them (see _generated): it
    gives every recipient the same text as the general renderer, missing values too."""
    from linda_tui.broadcast.template import _generated, _render

    template = compile_template(source, seed="offer")
    generated = _generated(template._compiled)
    assert generated is not None
    rows = [
        {},
        {"first_name": "Sara", "city": "Dubai", "الاسم": "أحمد", "get": "G", "__import__": "I"},
        {"first_name": "  ", "city": "\t"},
        {"first_name": 'x"); y', "city": "{city}"},
    ]
    for row in rows:
        for phone in PHONES[:50]:
            try:
                expected = _render(template._compiled, row, phone.encode())
            except MissingVariable as exc:
                with pytest.raises(MissingVariable) as caught:
                    generated(row, phone.encode())
                assert caught.value.placeholder == exc.placeholder
            else:
                assert generated(row, phone.encode()) == expected
                assert template.render(row, phone) == expected


def test_variations_with_variables_inside_keep_the_general_renderer() -> None:
    from linda_tui.broadcast.template import _generated

    template = compile_template("[[Hi {first_name}|Hello]] there", seed="offer")
    assert _generated(template._compiled) is None
    texts = {template.render({"first_name": "Sara"}, phone) for phone in PHONES[:40]}
    assert texts == {"Hi Sara there", "Hello there"}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("Hi \x1b[31mthere", "column 4: U+001B"),
        ("Hi\nthere \u202e!", "line 2, column 7: U+202E"),
        ("a\u200bb", "column 2: U+200B"),
        ("bell\x07", "column 5: U+0007"),
    ],
)
def test_control_characters_in_a_template_are_refused_where_they_are(text: str, where: str) -> None:
    with pytest.raises(TemplateError) as caught:
        compile_template(text)
    assert str(caught.value) == f"template, {where} is a control character — remove it"


def test_lines_tabs_joiners_and_windows_line_ends_are_text() -> None:
    template = compile_template("Hi\r\n\tمی\u200cخواهم 👨\u200d👩\u200d👧 \u200fok")
    assert template.render({}, "+971501234567") == "Hi\n\tمی\u200cخواهم 👨\u200d👩\u200d👧 \u200fok"
