"""Google Contacts: the People API client, the sync, its schedule, and a fake to test with.

Part of the core (never imports Textual). The modules are imported where they are
used, not here: ``people_api`` loads the Google client libraries, which take most of
a second, and the console's start-up must not wait for them.

- ``sync``: one sync run (``ContactsSync``, ``sync_contacts``), its progress and result.
- ``schedule``: the APScheduler job that runs it (``SyncSchedule``).
- ``people_api``: the People API client and credentials; ``google_login``: signing a
  Gmail account in over SSH.
- ``lease``: one sync at a time across processes; ``people_records``: people to contacts.
- ``fake_people_api``, ``people_generator``, ``demo``: the fake Google for tests,
  benchmarks and ``--demo``.
- ``search`` (with ``normalise``, ``typos``, ``vocabulary``, ``numbers``,
  ``sorted_strings``): instant, forgiving search over the contacts, in memory.
- ``service``: the sync as a service of a running Linda (schedule, status, events).
"""
