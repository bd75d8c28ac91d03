"""Activity: inbound messages notify and are logged; the log filters by bot."""

from __future__ import annotations

from textual.widgets import RichLog, Select

from linda_tui.tui.screens.activity import ActivityScreen

from .conftest import MakeApp
from .screen_probe import screen_text, wait_for_text, wait_until


def _log_lines(screen: ActivityScreen) -> list[str]:
    return [strip.text for strip in screen.query_one(RichLog).lines]


async def test_an_inbound_message_notifies_and_is_logged(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        app.services.network.inject_inbound("demo-support", "+971501234567", "Is the flat free?")
        await wait_until(
            pilot,
            lambda: any(n.message == "Is the flat free?" for n in app._notifications),
            "the notification",
        )
        note = next(n for n in app._notifications if n.message == "Is the flat free?")
        assert note.title == "+971501234567 → demo-support"
        await pilot.press("5")
        await wait_until(pilot, lambda: isinstance(app.screen, ActivityScreen), "Activity")
        screen = await wait_for_text(pilot, "+971501234567: Is the flat free?")
        assert "← demo-support" in screen
        # The dashboard counted it.
        assert app.fleet.status("demo-support").received_today == 1


async def test_the_log_filters_by_bot_and_keeps_following(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        await pilot.press("5")
        await wait_until(pilot, lambda: isinstance(app.screen, ActivityScreen), "Activity")
        screen: ActivityScreen = app.screen  # type: ignore[assignment]
        # History from before the pane was opened is there.
        assert any("demo-main" in line and "online" in line for line in _log_lines(screen))
        assert any("demo-sales" in line for line in _log_lines(screen))

        screen.query_one("#activity-filter", Select).value = "demo-main"
        await pilot.pause(0.1)
        lines = _log_lines(screen)
        assert lines and not any("demo-sales" in line or "demo-support" in line for line in lines)

        app.services.network.inject_inbound("demo-support", "+971501234567", "for support")
        app.services.network.inject_inbound("demo-main", "+971501234568", "for main")
        await wait_until(
            pilot, lambda: any("for main" in line for line in _log_lines(screen)), "main's message"
        )
        assert not any("for support" in line for line in _log_lines(screen))

        screen.query_one("#activity-filter", Select).value = "*"
        await pilot.pause(0.1)
        assert any("for support" in line for line in _log_lines(screen))
        assert "all bots" in screen_text(app)


async def test_an_opt_out_reply_is_logged(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        app.services.network.inject_inbound("demo-main", "+971501234567", "STOP")
        await wait_until(
            pilot,
            lambda: any("+971501234567 opted out" in e.text for e in app.activity),
            "the opt-out",
        )


async def test_two_moves_of_a_bot_between_two_redraws_are_both_logged(make_app: MakeApp) -> None:
    # The console takes fleet events in batches; a bot that moves twice within one batch
    # (here: its connection drops, then the phone unlinks it) must show both moves.
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        app.services.network.disconnect("demo-main", "connection reset")
        app.services.network.unlink("demo-main")
        await pilot.press("5")
        await wait_until(pilot, lambda: isinstance(app.screen, ActivityScreen), "Activity")
        screen: ActivityScreen = app.screen  # type: ignore[assignment]
        await wait_until(
            pilot,
            lambda: any(
                "logged out" in line and "demo-main" in line for line in _log_lines(screen)
            ),
            "the log-out",
        )
        moves = [line for line in _log_lines(screen) if "demo-main" in line]
        assert any("online → reconnecting" in line for line in moves), moves
        assert any("reconnecting → logged out" in line for line in moves), moves


async def test_replies_never_cover_a_dialog_and_never_pile_up(make_app: MakeApp) -> None:
    """Toasts of inbound messages: none over a dialog (its warning and buttons stay
    readable), then one for all of them; later ones replace it instead of stacking."""
    from textual.screen import ModalScreen

    app = make_app()
    network = app.services.network
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")

        def inbound() -> list[str]:
            return [n.title for n in app._notifications if "→" in n.title or "new" in n.title]

        await pilot.press("l")  # "Log out demo-main?": a dialog
        await wait_until(pilot, lambda: isinstance(app.screen, ModalScreen), "the dialog")
        app.clear_notifications()
        for i in range(5):
            network.inject_inbound("demo-main", f"+97150123450{i}", f"reply {i}")
        await wait_until(pilot, lambda: app._inbound_count == 5, "the replies")
        await pilot.pause(1.0)
        assert inbound() == []  # held while the dialog is open
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ModalScreen), "no dialog")
        await wait_until(pilot, lambda: inbound() == ["5 new messages"], "one toast for all")
        [toast] = [n for n in app._notifications if n.title == "5 new messages"]
        assert toast.message.splitlines() == [
            "… and 2 more (see Activity, key 5)",
            "+971501234502 → demo-main: reply 2",
            "+971501234503 → demo-main: reply 3",
            "+971501234504 → demo-main: reply 4",
        ]
        for i in range(3):
            network.inject_inbound("demo-main", "+971501234509", f"later {i}")
            await wait_until(pilot, lambda: app._inbound_count == 0, "its toast")
        await pilot.pause(0.2)
        assert len(inbound()) == 1  # each replaced the one before
