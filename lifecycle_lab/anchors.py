"""Audit anchors: a chain head (seq, hash, time) kept outside the database, and checking a chain against one.

``jupyter lifecycle audit --anchor`` writes ``.lifecycle/audit-anchor.json`` in
the project folder, meant to be committed with the project: events deleted
from the end of the chain (which no hash chain can see by itself) then show
as a chain that no longer reaches the anchored head, and a rewritten anchor
shows as a diff in git. With an audit key the anchor can be signed with
Ed25519 (``cryptography``): the signing key is derived from the audit key, and
the file carries the public key so an auditor without the secret can check
the signature against a published public key.
"""

from __future__ import annotations

import json
import os
import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .domain import canonical_json
from .errors import ValidationError
from .store.audit import AuditKey, describe_mode
from .store.checkpoints import ChainHead

ANCHOR_FILE = Path(".lifecycle") / "audit-anchor.json"
FORMAT = "lifecycle-lab/audit-anchor@1"
_SEQ_HASH = re.compile(r"([0-9]{1,10}):([0-9a-f]{64})")
_SIGNING_PURPOSE = "audit anchor ed25519 seed"


@dataclass(frozen=True)
class Anchor:
    """A head the chain must still reach, and where it was found (for messages)."""

    seq: int
    hash: str
    source: str
    at: str | None = None  # the anchored event's time
    mode: str | None = None
    anchored_at: str | None = None
    document: Mapping[str, Any] | None = None  # the anchor file's content, for its signature

    def to_json(self) -> dict[str, Any]:
        """As JSON (without the document)."""
        return {"seq": self.seq, "hash": self.hash, "source": self.source, "at": self.at, "mode": self.mode,
                "anchored_at": self.anchored_at}


@dataclass(frozen=True)
class AnchorCheck:
    """Whether the chain reaches an anchor; ``missing``: the first and last seq of events known to be gone."""

    anchor: Anchor
    ok: bool
    message: str
    missing: tuple[int, int] | None = None
    signature: str | None = None  # how the anchor's signature checked out, when it has one

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {"anchor": self.anchor.to_json(), "ok": self.ok, "message": self.message,
                "missing": list(self.missing) if self.missing else None, "signature": self.signature}


def _signing_key(key: AuditKey) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(key.derive(_SIGNING_PURPOSE))


def public_key_hex(key: AuditKey) -> str:
    """The hex Ed25519 public key that signs this audit key's anchors (safe to publish)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return _signing_key(key).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _signed_content(document: Mapping[str, Any]) -> bytes:
    return canonical_json({k: v for k, v in document.items() if k != "signature"}).encode()


def anchor_document(project_id: str, head: ChainHead, *, anchored_at: str, anchored_by: str,
                    key: AuditKey | None = None, sign: bool = False) -> dict[str, Any]:
    """The content of an anchor file for ``head``; signed with Ed25519 when ``sign`` (which needs ``key``)."""
    document: dict[str, Any] = {
        "format": FORMAT, "project": project_id, "seq": head.seq, "hash": head.hash, "at": head.at,
        "mode": head.mode, "anchored_at": anchored_at, "anchored_by": anchored_by,
    }
    if sign:
        if key is None:
            raise ValidationError("signing an anchor needs the audit key (set LIFECYCLE_LAB_AUDIT_KEY or "
                                  "LIFECYCLE_LAB_AUDIT_KEY_FILE)", field="sign")
        value = _signing_key(key).sign(_signed_content(document)).hex()
        document["signature"] = {"algorithm": "ed25519", "public_key": public_key_hex(key), "value": value}
    return document


def write_anchor(directory: Path, document: Mapping[str, Any]) -> Path:
    """Write ``document`` to the project's anchor file (replaced whole, never half-written); returns its path."""
    path = directory / ANCHOR_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                             encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def read_anchor(path: Path, display: str | None = None) -> Anchor:
    """The anchor in file ``path``; ValidationError naming the file (as ``display``) and what is wrong."""
    name = display or str(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(f"{name}: cannot read the anchor file: {exc.strerror or exc}", field="against") from None
    except ValueError as exc:
        raise ValidationError(f"{name}: not a JSON anchor file ({exc})", field="against") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationError(f"{name}: not an audit anchor file (expected \"format\": \"{FORMAT}\")",
                              field="against")
    seq, digest = document.get("seq"), document.get("hash")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1 or not isinstance(digest, str) or \
            not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValidationError(f"{name}: seq must be a positive integer and hash 64 hex digits", field="against")
    return Anchor(seq, digest, f"anchor {name}", at=document.get("at"), mode=document.get("mode"),
                  anchored_at=document.get("anchored_at"), document=document)


def parse_against(text: str, base: Path) -> Anchor:
    """``--against``: ``SEQ:HASH`` or an anchor file (relative to ``base``)."""
    match = _SEQ_HASH.fullmatch(text.strip())
    if match:
        return Anchor(int(match.group(1)), match.group(2), f"--against {match.group(1)}:{match.group(2)[:12]}…")
    path = base / text
    if not path.is_file() and re.fullmatch(r"[0-9]+:.*", text.strip()):
        raise ValidationError(f"--against {text!r}: give SEQ:HASH with the 64 hex digits of the hash, or an anchor "
                              "file", field="against")
    return read_anchor(path, text)


def signature_status(document: Mapping[str, Any], project_id: str, key: AuditKey | None) -> tuple[bool, str]:
    """Whether an anchor document's signature holds (True when it has none), and in words."""
    signature = document.get("signature")
    if signature is None:
        return True, "unsigned"
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if document.get("project") != project_id:
        return False, f"the anchor is of project {document.get('project')}, not {project_id}"
    try:
        public = bytes.fromhex(signature["public_key"])
        Ed25519PublicKey.from_public_bytes(public).verify(bytes.fromhex(signature["value"]),
                                                          _signed_content(document))
    except (InvalidSignature, KeyError, TypeError, ValueError):
        return False, "its Ed25519 signature does not verify: the anchor file was changed after it was signed"
    if key is not None and public.hex() != public_key_hex(key):
        return False, "it is signed, but not with the configured audit key's signing key"
    owner = "the configured audit key" if key is not None else f"public key {public.hex()[:16]}…"
    return True, f"signature valid (Ed25519, {owner})"


@dataclass(frozen=True)
class StoredEvents:
    """Which events a chain still has (``seqs``, ascending), and the (hash, mode) of those anchors name."""

    seqs: Sequence[int]
    named: Mapping[int, tuple[str, str | None]]

    def neighbours(self, seq: int) -> tuple[int, int | None]:
        """The stored seq just below ``seq`` (0 when none) and just above it (None when none)."""
        at = bisect_left(self.seqs, seq)
        return (self.seqs[at - 1] if at else 0), (self.seqs[at] if at < len(self.seqs) else None)


def check_anchor(anchor: Anchor, events: StoredEvents, project_id: str, key: AuditKey | None) -> AnchorCheck:
    """Whether the chain's stored ``events`` still hold the anchored event, unchanged."""
    ok, signature = (True, None) if anchor.document is None else signature_status(anchor.document, project_id, key)
    if not ok:
        return AnchorCheck(anchor, False, f"{anchor.source}: {signature}", signature=signature)
    found = events.named.get(anchor.seq)
    if found is None:
        below, above = events.neighbours(anchor.seq)
        first, last = below + 1, anchor.seq if above is None else above - 1
        gone = f"event {first} is" if first == last else f"events {first}–{last} are"
        if above is not None:
            where = f"the chain jumps from event {below} to {above}"
        else:
            where = "no event is left" if below == 0 else f"the chain ends at event {below}"
        return AnchorCheck(anchor, False, (
            f"{gone} missing: {where}, but {anchor.source} records event {anchor.seq} ({anchor.hash[:12]}…"
            f"{', ' + anchor.at if anchor.at else ''})"), missing=(first, last), signature=signature)
    digest, mode = found
    if digest != anchor.hash:
        return AnchorCheck(anchor, False, (
            f"event {anchor.seq} is not the one {anchor.source} records (hash {digest[:12]}… instead of "
            f"{anchor.hash[:12]}…): the chain was rewritten at or before it"), signature=signature)
    if anchor.mode is not None and mode != anchor.mode:
        return AnchorCheck(anchor, False, (
            f"event {anchor.seq} is {describe_mode(mode)} but {anchor.source} records it as "
            f"{describe_mode(anchor.mode)}"), signature=signature)
    return AnchorCheck(anchor, True, f"{anchor.source}: the chain reaches event {anchor.seq}", signature=signature)
