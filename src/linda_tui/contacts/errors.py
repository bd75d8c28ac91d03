"""What can go wrong talking to Google Contacts, as one-line reasons for the operator.

Kept apart from people_api.py (which imports the heavy Google libraries) so the sync
engine, the scheduler and the console can name these errors without loading them.
"""

from __future__ import annotations

from enum import StrEnum


class Problem(StrEnum):
    """The kind of failure: what the operator has to do differs for each."""

    CREDENTIALS = "credentials"  # missing, unreadable, not JSON, wrong type
    REJECTED = "rejected"  # Google refused them: revoked, deleted, delegation not allowed
    API_DISABLED = "api-disabled"  # the People API is off for the Cloud project
    REFUSED = "refused"  # any other 4xx: permission, a request Google found invalid
    NETWORK = "network"  # Google (or the endpoint) cannot be reached
    QUOTA = "quota"  # 429 after every retry
    SERVER = "server"  # 5xx after every retry
    BAD_REPLY = "bad-reply"  # an answer that is not what the People API sends
    EXPIRED_SYNC_TOKEN = "expired-sync-token"  # the sync must start again from scratch


class PeopleApiError(Exception):
    """A People API (or Google sign-in) failure; ``str()`` is one line: what is wrong —
    how to fix it. ``problem`` says which kind; ``status`` is the HTTP status if any."""

    def __init__(self, message: str, problem: Problem, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problem = problem
        self.status = status

    @property
    def retryable(self) -> bool:
        """Whether trying again later may work (the scheduler keeps going)."""
        return self.problem in (Problem.NETWORK, Problem.QUOTA, Problem.SERVER, Problem.BAD_REPLY)


class SyncTokenExpired(PeopleApiError):
    """The stored sync token is expired or invalid: only a full sync can go on."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message, Problem.EXPIRED_SYNC_TOKEN, status)
