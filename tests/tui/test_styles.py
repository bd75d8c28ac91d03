"""The console's styles live in .tcss files next to their screens (CSS_PATH), each rule
scoped to its screen, and they load wherever `linda` is started from."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen

import linda_tui.tui.screens
from linda_tui.tui.app import LindaApp
from linda_tui.tui.screens.dashboard import DashboardScreen

from .conftest import MakeApp
from .screen_probe import wait_for_text, wait_until

SCREENS_DIR = Path(linda_tui.tui.screens.__file__).parent
# Still carrying DEFAULT_CSS while another branch edits them; moved after the merge.
NOT_MOVED_YET: frozenset[str] = frozenset()


def _screen_classes() -> list[type[Screen[object]]]:
    found: dict[str, type[Screen[object]]] = {}
    for info in pkgutil.iter_modules([str(SCREENS_DIR)]):
        module = importlib.import_module(f"linda_tui.tui.screens.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Screen)
                and value.__module__ == module.__name__
            ):
                found[value.__qualname__] = value
    return list(found.values())


def _style_files(cls: type[Screen[object]]) -> list[Path]:
    """cls's CSS_PATH as Textual resolves it: relative to the module of the class."""
    paths = cls.CSS_PATH
    if paths is None:
        return []
    listed = paths if isinstance(paths, list) else [paths]
    here = Path(inspect.getfile(cls)).parent
    return [(here / path).resolve() for path in listed]


def test_screens_keep_their_styles_in_tcss_files_that_exist() -> None:
    screens = _screen_classes()
    assert len(screens) >= 7
    for cls in screens:
        if cls.__module__ in NOT_MOVED_YET:
            continue
        assert "DEFAULT_CSS" not in vars(cls), f"{cls.__name__}: styles belong in a .tcss file"
        for path in _style_files(cls):
            assert path.is_file(), f"{cls.__name__} names {path}, which is missing"
            assert path.parent == SCREENS_DIR
    named = {path for cls in screens for path in _style_files(cls)}
    assert named == set(SCREENS_DIR.glob("*.tcss"))  # no file left unused


def test_the_app_loads_the_first_screens_styles_itself() -> None:
    # Textual loads a screen's CSS_PATH when it is pushed, not the first screen's.
    app_dir = Path(inspect.getfile(LindaApp)).parent
    assert isinstance(LindaApp.CSS_PATH, list)
    loaded = [(app_dir / path).resolve() for path in LindaApp.CSS_PATH]
    assert loaded == _style_files(DashboardScreen)


@pytest.mark.parametrize("tcss", sorted(SCREENS_DIR.glob("*.tcss")), ids=lambda p: p.name)
def test_every_rule_styles_its_own_screen_only(tcss: Path) -> None:
    # Once loaded, a CSS_PATH file applies to the whole app (unlike DEFAULT_CSS, which
    # Textual scopes to its class): each rule must start with a screen that names it.
    owners = {cls.__name__ for cls in _screen_classes() if tcss.resolve() in _style_files(cls)}
    owners &= {cls.__name__ for cls in _screen_classes() if "CSS_PATH" in vars(cls)}
    stylesheet = Stylesheet(variables=App().get_css_variables())
    stylesheet.read(tcss)
    stylesheet.parse()
    assert stylesheet.rules
    for rule in stylesheet.rules:
        for selectors in rule.selector_set:
            assert selectors.selectors[0].name in owners, (
                f"{tcss.name}: a rule for {rule.selector_names} does not start with "
                f"{' or '.join(sorted(owners))}"
            )


async def test_styles_apply_when_linda_runs_from_another_folder(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        detail = app.screen.query_one("#bot-detail")  # dashboard.tcss
        assert detail.outer_size.height == 3
        assert detail.styles.border_top[0] == "solid"
        await pilot.press("question_mark")  # key_help.tcss, loaded on first push
        await wait_until(pilot, lambda: bool(app.screen.query("#key-help")), "the key help")
        await pilot.pause()
        assert app.screen.query_one("#key-help").outer_size.width == 72
        await pilot.press("escape")
        await pilot.press("5")  # activity.tcss, loaded when the pane first opens
        await wait_until(pilot, lambda: bool(app.screen.query("#activity-filter")), "Activity")
        await pilot.pause()
        assert app.screen.query_one("#activity-filter").outer_size.width == 44
