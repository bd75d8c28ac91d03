"""What a SQLite database looks like on disk, for the files Linda keeps in SQLite (the
store, and each bot's WhatsApp session) and checks before opening them."""

from __future__ import annotations

__all__ = ["SQLITE_HEADER", "SQLITE_SIDE_FILES"]

# The first 16 bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"
# Suffixes of the files SQLite keeps next to a database (rollback journal, write-ahead
# log, shared memory): they hold its latest writes, so they go where it goes.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
