"""Who is at the keyboard: the OS user and, over SSH, the client's address. Goes in the audit trail."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who did something, for the audit trail: the OS user and the SSH client."""

    os_user: str
    ssh_client: str | None = None


def current_actor(environ: dict[str, str] | None = None) -> Actor:
    """The operator running this process, read from the OS and the SSH environment."""
    env = os.environ if environ is None else environ
    try:
        user = getpass.getuser()
    except Exception:  # no passwd entry (containers): fall back to the uid
        user = f"uid-{os.getuid()}"
    ssh = env.get("SSH_CLIENT") or env.get("SSH_CONNECTION")
    address = ssh.split()[0] if ssh and ssh.split() else None
    return Actor(os_user=user, ssh_client=address)
