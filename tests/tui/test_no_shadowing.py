"""No Linda widget, screen or app quietly replaces a part of Textual.

A method or attribute that happens to share a name with one of Textual's own (public or
private) replaces it for every caller inside Textual: the bot table's ``_render`` made
Textual's copy of selected text raise a TypeError, and its ``_on_click`` switched off
Textual's own click handling. Every name a Linda class defines, as a class attribute or
as ``self.<name> = ...`` in its methods, is checked against the Textual classes it derives
from (their class attributes and the attributes their instances set); the overrides that
are meant are listed, each with the Textual API that invites it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Iterator

from textual.app import App
from textual.command import Hit, Hits, Provider
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.scroll_view import ScrollView
from textual.widget import Widget

import linda_tui.tui

# Overrides Textual asks for: hooks, handlers, class settings and documented methods.
MEANT = frozenset(
    {
        # class settings
        "BINDINGS",
        "DEFAULT_CSS",
        "COMPONENT_CLASSES",
        "MODES",
        "DEFAULT_MODE",
        "COMMANDS",
        "TITLE",
        "CSS_PATH",
        "AUTO_FOCUS",
        "ESCAPE_TO_MINIMIZE",
        "HORIZONTAL_BREAKPOINTS",
        "VERTICAL_BREAKPOINTS",
        # composing and drawing
        "compose",
        "render",
        "render_line",
        "render_lines",
        "get_content_width",
        "get_content_height",
        "notify_style_update",
        "get_selection",
        # event handlers and hooks
        "on_mount",
        "on_unmount",
        "on_load",
        "on_ready",
        "on_resize",
        "on_click",
        "on_screen_resume",
        "on_button_pressed",
        "check_action",
        "get_default_screen",
        "get_driver_class",
        # App methods Linda replaces on purpose (their docstrings say why)
        "on_event",  # key_order.KeysOneAtATime: routes keys one at a time, then App's
        "_fatal_error",  # one line naming the log instead of a traceback on the screen
        "notify",
        "action_quit",
        "action_help_quit",
        # Input's documented edit (every typed or pasted text goes through it)
        "replace",
        # command palette provider
        "discover",
        "search",
        # messages
        "can_replace",
        "control",
    }
)
# Overrides meant for one class only, with why.
MEANT_FOR = {
    # The terminal driver replaces the output and the start/stop steps of Textual's
    # LinuxDriver on purpose: a terminal that hangs up must block nothing (see its
    # docstring). ``_file`` is what LinuxDriver hands its writer thread.
    "LindaDriver": {"_file", "write", "close", "start_application_mode", "run_input_thread"},
    # Widget's virtual_size again, without the layout of the whole screen on each change
    # (a key in a field, a search's rows): their place does not depend on it. The
    # reactive keeps Textual's name, so Textual reads and sets the same value.
    "TextField": {"virtual_size", "_default_virtual_size"},
    "LineTable": {"virtual_size", "_default_virtual_size"},
}
# Names every Python class has.
_DUNDER_OK = {
    "__init__",
    "__doc__",
    "__module__",
    "__qualname__",
    "__annotations__",
    "__dict__",
    "__weakref__",
    "__firstlineno__",
    "__static_attributes__",
    "__orig_bases__",
}


def _linda_classes() -> Iterator[type]:
    for info in pkgutil.walk_packages(linda_tui.tui.__path__, "linda_tui.tui."):
        module = importlib.import_module(info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if value.__module__ != module.__name__:
                continue
            yield value
            for _inner_name, inner in inspect.getmembers(value, inspect.isclass):
                if inner.__module__ == module.__name__ and inner.__qualname__.startswith(
                    value.__qualname__ + "."
                ):
                    yield inner


def _textual_bases(cls: type) -> list[type]:
    return [base for base in cls.__mro__[1:] if base.__module__.startswith("textual.")]


def _assigned_to_self(cls: type) -> set[str]:
    """Names a class's own methods assign as ``self.<name> = ...``."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    names: set[str] = set()
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                names.add(target.attr)
    return names


def _instance_names(base: type) -> set[str]:
    """Attributes a Textual class's instances set in __init__."""
    if issubclass(base, App):
        return set(dir(App()))
    if issubclass(base, Widget | Screen):
        return set(dir(base()))
    if issubclass(base, Provider):

        class AnyProvider(Provider):
            async def search(self, query: str) -> Hits:
                yield Hit(0, query, lambda: None)

        return set(dir(AnyProvider(Screen())))
    if issubclass(base, Message):
        return set(dir(Message()))
    return set()


def _shadowed(cls: type) -> set[str]:
    bases = _textual_bases(cls)
    textual_names: set[str] = set()
    for base in bases:
        textual_names |= set(dir(base))
    nearest = bases[0]
    textual_names |= _instance_names(nearest)
    # What Textual itself sets on every subclass (merged bindings, CSS type names...).
    made_by_textual = set(vars(type("AnySubclass", (nearest,), {})))
    # Setting one of Textual's public settings (``self.sub_title = ...``) is using it;
    # assigning over a private name or a method is replacing it.
    assigned = {
        name
        for name in _assigned_to_self(cls)
        if name.startswith("_") or callable(getattr(nearest, name, None))
    }
    own = (set(vars(cls)) - made_by_textual) | assigned
    return (own & textual_names) - MEANT - MEANT_FOR.get(cls.__name__, set()) - _DUNDER_OK


def test_every_textual_class_of_linda_is_checked() -> None:
    checked = {cls.__name__ for cls in _linda_classes() if _textual_bases(cls)}
    # The walk finds the widgets, screens, the app, the palette provider and messages.
    assert {
        "BotTable",
        "KeyBar",
        "DashboardScreen",
        "ComposeScreen",
        "PairingScreen",
        "ConfirmScreen",
        "ActivityScreen",
        "LindaApp",
        "LindaCommands",
        "LindaDriver",
    } <= checked


def test_no_linda_class_shadows_a_textual_name() -> None:
    found = {
        cls.__qualname__: sorted(names)
        for cls in _linda_classes()
        if _textual_bases(cls) and (names := _shadowed(cls))
    }
    assert found == {}, f"these names replace Textual's own: {found}"


def test_the_check_sees_a_shadowed_name() -> None:
    class Careless(ScrollView):
        def _render(self) -> None:  # the bot table's old mistake
            pass

        def show_it(self) -> None:
            self._size = 3

    assert _shadowed(Careless) == {"_render", "_size"}
    assert issubclass(ModalScreen, DOMNode)
