"""Who is acting: the name recorded on every audit event and sign-off outside the server.

Order: explicit ``--user`` → ``LIFECYCLE_LAB_USER`` → ``JUPYTERHUB_USER`` → the OS user.
(The server uses jupyter-server's identity provider instead: :func:`server_person`.)
"""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass
from typing import Any

from .errors import ValidationError


def current_user(explicit: str | None = None) -> str:
    """The acting user's name by the resolution order above."""
    for candidate in (explicit, os.environ.get("LIFECYCLE_LAB_USER"), os.environ.get("JUPYTERHUB_USER")):
        if candidate and candidate.strip():
            return candidate.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return f"uid-{os.getuid()}"


# --- people behind the server's requests -------------------------------------------------------------------
#
# The store records one actor string per change (audit event, item, sign-off, run). For a server user it reads
# like a mail address, ``Display Name <username>``: people are shown by name while the stable username stays
# in the hash-chained record. An anonymous identity (jupyter-server's token login makes a new one per browser)
# has its username marked ``anonymous:``, and the name is the one the person chose for this browser, if any.

NAME_HEADER = "X-Lifecycle-Lab-Name"  # the name an anonymous user chose for this browser (the sidebar sends it)
ANONYMOUS = "anonymous:"
MAX_NAME = 80
_ACTOR = re.compile(r"^(?P<name>.*\S) <(?P<anonymous>anonymous:)?(?P<username>[^<>]+)>$")
_HEX_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Person:
    """Who acts: the name shown, the stable username, and whether the identity is anonymous."""

    name: str
    username: str
    anonymous: bool = False

    @property
    def actor(self) -> str:
        """The string recorded on changes: ``Name <username>`` (just ``username`` when the name is the same)."""
        marker = ANONYMOUS if self.anonymous else ""
        if self.name == self.username and not self.anonymous:
            return self.username
        return f"{self.name} <{marker}{self.username}>"

    @property
    def shown(self) -> str:
        """How a person reads in the sidebar and reports."""
        return f"{self.name} (anonymous)" if self.anonymous else self.name


def parse_actor(actor: str) -> Person:
    """A recorded actor string back as a Person (a bare name is its own username)."""
    match = _ACTOR.match(actor)
    if match is None:
        return Person(actor, actor)
    return Person(match["name"], match["username"], anonymous=bool(match["anonymous"]))


def is_anonymous(user: Any) -> bool:
    """Whether a jupyter-server user is one the default identity provider made up for a token login."""
    return bool(_HEX_ID.match(user.username or "")) and (user.name or "").startswith("Anonymous ")


def chosen_name(value: str | None) -> str | None:
    """A name typed for this browser, cleaned; None when absent; ValidationError when it cannot be a name."""
    if value is None or not value.strip():
        return None
    name = " ".join(value.split())
    if len(name) > MAX_NAME or any(c in name for c in "<>") or not name.isprintable():
        raise ValidationError(f"{NAME_HEADER}: a name of at most {MAX_NAME} printable characters, without < or >",
                              field=NAME_HEADER)
    return name


def server_person(user: Any, chosen: str | None = None) -> Person:
    """The Person behind a jupyter-server ``User``: its display name (the Hub's user name under JupyterHub).

    An anonymous identity is named by ``chosen`` (the name set in this browser) when given.
    """
    if is_anonymous(user):
        return Person(chosen or user.display_name or user.name, user.username, anonymous=True)
    name = (user.display_name or user.name or user.username).strip()
    return Person(name, user.username)
