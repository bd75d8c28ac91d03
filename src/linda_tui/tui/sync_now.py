"""Sync now: one Google Contacts sync started from the console (the Contacts pane's key,
the command palette), run in an App-level worker so that it goes on whatever pane is
showing; its progress reaches the screen as events, its outcome as a notification.

Works alike in the console that hosts the fleet (``services.contacts`` is the
ContactsService) and in one attached to it (a request to the host, which syncs).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from linda_tui.tui.app import LindaApp

log = logging.getLogger("linda.tui")

WORKER_GROUP = "contacts-sync-now"
TITLE = "Google Contacts"
# Failures stay on screen long enough to read the fix they name.
FAILURE_SECONDS = 12.0


def sync_running(app: LindaApp) -> bool:
    """True while a sync is under way (started here, by the schedule or by another Linda
    on the same fleet: the sync's own status says so)."""
    state = app.sync_state
    if state is not None and state.running:
        return True
    return any(w.group == WORKER_GROUP and not w.is_finished for w in app.workers)


def sync_now(app: LindaApp, *, full: bool = False) -> None:
    """Start a sync (``full``: list every contact again); say so if one cannot start."""
    services: Any = app.services
    # The hosting console makes its sync half a second after the first frame.
    if getattr(services, "contacts", None) is None and not getattr(
        services, "with_contacts", False
    ):
        app.notify(
            "this Linda does not sync Google Contacts — the Linda that runs the fleet "
            "(`linda` or `linda serve`) does",
            title=TITLE,
            severity="warning",
        )
        return
    if sync_running(app):
        app.notify(
            "a sync is already running — its progress shows under the sync line", title=TITLE
        )
        return
    app.notify("listing every contact again…" if full else "syncing…", title=TITLE)
    app.run_worker(
        _sync(app, full),
        name="contacts-sync-now",
        group=WORKER_GROUP,
        exit_on_error=False,
    )


async def _sync(app: LindaApp, full: bool) -> None:
    from linda_tui.contacts.sync import SyncError
    from linda_tui.fleet.view import FleetCommandError

    wait_started = getattr(app.services, "wait_started", None)
    if wait_started is not None:
        await wait_started()  # "sync now" right at start-up: once the sync has started
    contacts: Any = getattr(app.services, "contacts", None)
    if contacts is None:
        return  # Linda closed before the sync started
    try:
        result = await contacts.run_now(full=full)
    except (SyncError, FleetCommandError) as exc:
        # One line that says what is wrong and how to fix it (not configured, refused
        # credentials, the API disabled, the network, the quota, another sync running).
        app.notify(
            str(exc), title=f"{TITLE}: not synced", severity="error", timeout=FAILURE_SECONDS
        )
        return
    except Exception as exc:
        log.exception("sync now failed")
        app.notify(
            f"unexpected error: {exc} — details in the log file",
            title=f"{TITLE}: not synced",
            severity="error",
            timeout=FAILURE_SECONDS,
        )
        return
    app.notify(
        f"{result.mode} sync: {result.fetched:,} fetched, +{result.created:,} "
        f"~{result.updated:,} -{result.deleted:,} — {result.contacts:,} contacts",
        title=f"{TITLE} synced",
    )
