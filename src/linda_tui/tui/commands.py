"""The command palette (ctrl+p): panes, and every action on every bot, by name.

Bot names come from bots.yaml: every command's name reaches the palette as Content,
never as a string (which the palette reads as markup)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from linda_tui.tui.literal import printable
from linda_tui.tui.widgets.mode_bar import PANES

if TYPE_CHECKING:
    from linda_tui.tui.app import LindaApp


class LindaCommands(Provider):
    """Go to a pane; sync Google Contacts; pair, reconnect, log out or send from a bot."""

    @property
    def linda(self) -> LindaApp:
        return cast("LindaApp", self.app)

    def _commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        app = self.linda
        commands: list[tuple[str, Callable[[], Any], str]] = [
            ("Help: every key", app.action_show_keys, "key ?"),
        ]
        commands += [
            (f"Go to {title}", partial(app.switch_mode, mode), f"key {key}")
            for mode, title, key in PANES
        ]
        # Imported here: the palette is built when opened, never at start-up.
        from linda_tui.tui.sync_now import sync_now

        commands += [
            ("Sync Google Contacts now", partial(sync_now, app), "fetch what changed"),
            (
                "Sync Google Contacts in full",
                partial(sync_now, app, full=True),
                "list every contact again",
            ),
        ]
        for status in app.fleet.statuses():
            bot = f"{status.bot.name} ({status.id})"
            commands += [
                (f"Pair {bot}", partial(app.pair_bot, status.id), "link it with a phone"),
                (f"Reconnect {bot}", partial(app.reconnect_bot, status.id), "drop and reopen"),
                (f"Log out {bot}", partial(app.logout_bot, status.id), "unlink its device"),
                (f"Send from {bot}", partial(app.compose_from, status.id), "open Compose"),
            ]
        return commands

    async def discover(self) -> Hits:
        for name, command, help_text in self._commands():
            name = printable(name)
            yield DiscoveryHit(Content(name), command, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self._commands():
            name = printable(name)
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, _highlight(matcher, name), command, text=name, help=help_text)


def _highlight(matcher: Matcher, name: str) -> Content:
    """``name`` with the letters the query matched highlighted, as Matcher.highlight does
    but without reading the name as markup."""
    content = Content(name)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, name)
    for offset in offsets:
        if not name[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
