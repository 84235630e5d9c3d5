"""Who is acting: the name recorded on every audit event and sign-off outside the server.

Order: explicit ``--user`` → ``LIFECYCLE_LAB_USER`` → ``JUPYTERHUB_USER`` → the OS user.
(The server uses jupyter-server's identity provider instead.)
"""

from __future__ import annotations

import getpass
import os


def current_user(explicit: str | None = None) -> str:
    """The acting user's name by the resolution order above."""
    for candidate in (explicit, os.environ.get("LIFECYCLE_LAB_USER"), os.environ.get("JUPYTERHUB_USER")):
        if candidate and candidate.strip():
            return candidate.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return f"uid-{os.getuid()}"
