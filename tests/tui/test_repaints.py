"""Keys and new results repaint what changed, in one frame, without laying the screen
out again: a search field scrolls as Textual's Input does, and a key's results are drawn
in the frame that draws the key."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Input

from linda_tui.models import Contact
from linda_tui.tui.screens.contacts import RESULTS, ResultsTable
from linda_tui.tui.widgets.text_fields import TextField

from .conftest import MakeApp
from .screen_probe import wait_until
from .test_contacts_pane import open_pane, with_contacts

KEYS = [*"a much longer text than the field is wide", "home", "end"]
KEYS += ["left"] * 6 + ["backspace"] * 12 + ["ctrl+u", *"again"]


class TwoFields(App[None]):
    CSS = "Input { width: 14; }"

    def compose(self) -> ComposeResult:
        yield TextField(id="ours", compact=True)
        yield Input(id="textuals", compact=True)


def _count_layouts(app: App[Any]) -> list[int]:
    screen = app.screen
    calls = [0]
    original = screen._refresh_layout

    def counted(*args: Any, **kwargs: Any) -> None:
        calls[0] += 1
        original(*args, **kwargs)

    screen._refresh_layout = counted  # type: ignore[method-assign]
    return calls


async def test_a_text_field_scrolls_as_textuals_input_without_laying_the_screen_out() -> None:
    app = TwoFields()
    async with app.run_test(size=(40, 6)) as pilot:
        seen: dict[str, list[tuple[str, int, str]]] = {}
        layouts = {}
        for name in ("ours", "textuals"):
            field = app.query_one(f"#{name}", Input)
            field.focus()
            await pilot.pause()
            calls = _count_layouts(app)
            seen[name] = []
            for key in KEYS:
                await pilot.press(key)
                await pilot.pause()
                shown = field.render_line(0).text
                seen[name].append((field.value, round(field.scroll_x), shown))
            layouts[name] = calls[0]
        assert seen["ours"] == seen["textuals"]
        assert seen["ours"][len("a much longer text than the field is wide") - 1][1] > 0
        assert layouts["textuals"] > 0  # Textual's Input lays the screen out on each key
        assert layouts["ours"] == 0


SARA = [
    Contact(resource_name="people/s1", names=["Abdul Saleh"], phones=["+971501111101"]),
    Contact(resource_name="people/s2", names=["Said Ali"], phones=["+971501111102"]),
    Contact(resource_name="people/s3", names=["Sam Ray"], phones=["+971501111103"]),
    Contact(resource_name="people/s4", names=["Sara Ono"], phones=["+971501111104"]),
]


async def test_a_key_and_its_results_are_drawn_in_the_same_frame(make_app: MakeApp) -> None:
    """No frame shows the typed text over the results of the text before it: the key's
    results are ready before the frame that draws the key."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await with_contacts(app, SARA)
        screen = await open_pane(pilot, app)
        await wait_until(pilot, lambda: screen._query == "" and screen._contacts, "everyone")
        field = screen.query_one("#contacts-query", Input)
        table = screen.query_one("#contact-results", ResultsTable)
        frames: list[tuple[str, str]] = []
        original = screen._compositor_refresh

        def drawn() -> None:
            original()
            lines = [strip.text for strip in screen._compositor.render_strips()]
            find = next(line for line in lines if "Find" in line)
            header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("Name"))
            frames.append((find, lines[header + 1]))

        screen._compositor_refresh = drawn  # type: ignore[method-assign]
        for typed in ("s", "sa", "sar", "sara"):
            await pilot.press(typed[-1])
            await wait_until(pilot, lambda typed=typed: screen._query == typed, typed)
            await pilot.pause(0.05)
        assert field.value == "sara" and table.row_count == 1
        checked = 0
        for find, first_row in frames:
            text = find.split("Find", 1)[1].split()[0] if "Find" in find else ""
            if text not in ("s", "sa", "sar", "sara"):
                continue
            hits = app.services.search_now(text, limit=RESULTS)
            assert hits is not None
            count = "1 match" if len(hits) == 1 else f"{len(hits)} matches"
            assert count in find, (text, find)
            assert hits[0].contact.display_name in first_row, (text, first_row)
            checked += 1
        assert checked >= 4
