"""Which audit key to use: explicit → ``LIFECYCLE_LAB_AUDIT_KEY`` → ``LIFECYCLE_LAB_AUDIT_KEY_FILE`` →
``LifecycleLabApp.audit_key_file`` in the Jupyter config → none (an unkeyed chain).

The server, the CLI, widgets in a kernel and rerun workers resolve it this one way, as they do the
database URL, so every writer of a keyed chain keys its events with the same secret.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ValidationError
from .audit import MIN_KEY_BYTES, AuditKey
from .url import configured_setting

KEY_ENV = "LIFECYCLE_LAB_AUDIT_KEY"
KEY_FILE_ENV = "LIFECYCLE_LAB_AUDIT_KEY_FILE"


def _key(secret: bytes, where: str) -> AuditKey:
    if len(secret) < MIN_KEY_BYTES:
        raise ValidationError(
            f"the audit key from {where} is shorter than {MIN_KEY_BYTES} bytes: use a random secret of 32 bytes or "
            "more (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)", field="audit_key")
    return AuditKey(secret)


def read_key_file(path: str | Path) -> AuditKey:
    """The key stored in ``path`` (its bytes, one trailing newline dropped); ValidationError naming the file."""
    try:
        secret = Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read the audit key file {path}: {exc.strerror or exc}",
                              field="audit_key") from None
    return _key(secret.removesuffix(b"\n").removesuffix(b"\r"), f"file {path}")


def resolve_audit_key(explicit: AuditKey | None = None) -> AuditKey | None:
    """The audit key by the resolution order above; None when none is configured."""
    if explicit is not None:
        return explicit
    text = os.environ.get(KEY_ENV)
    if text:
        return _key(text.encode(), f"${KEY_ENV}")
    path = os.environ.get(KEY_FILE_ENV) or configured_setting("audit_key_file")
    return read_key_file(path) if path else None
