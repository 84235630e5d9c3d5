"""Reading the audit key: from its text or from a key file, refusing a short one with a clear message.

Which key applies is a setting (``audit_key``, ``audit_key_file``; ``$LIFECYCLE_LAB_AUDIT_KEY``,
``$LIFECYCLE_LAB_AUDIT_KEY_FILE``) resolved by :mod:`lifecycle_lab.config` like every other, so the server, the
CLI, widgets in a kernel and rerun workers key their events with the same secret.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ValidationError
from .audit import MIN_KEY_BYTES, AuditKey

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


def key_from_text(text: str, where: str) -> AuditKey:
    """The key given as text (its UTF-8 bytes); ValidationError naming ``where`` when it is too short."""
    return _key(text.encode(), where)
