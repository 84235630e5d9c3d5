"""``jupyter lifecycle audit --anchor / --verify [--against]`` as a real process: exit 0 ok, 1 problem, 2 refused."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import cli_env, run_cli, tamper

from lifecycle_lab.store.audit import AuditKey

SECRET = "a team secret of at least 32 bytes, kept out of the database"


def test_anchor_then_truncate_then_verify_names_the_missing_range(tmp_path: Path, cli, db_url: str) -> None:
    assert cli(["init", "--template", "minimal"], cwd=tmp_path).returncode == 0
    for note in ("a", "b", "c"):
        cli(["set", "scope/objective-metric", "--note", note], cwd=tmp_path)
    anchored = cli(["audit", "--anchor"], cwd=tmp_path)
    assert anchored.returncode == 0 and "anchored event 4" in anchored.stdout
    anchor = json.loads((tmp_path / ".lifecycle" / "audit-anchor.json").read_text())
    assert (anchor["seq"], anchor["mode"], anchor["anchored_by"]) == (4, None, "alice")
    ok = cli(["audit", "--verify"], cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "anchor .lifecycle/audit-anchor.json: the chain reaches event 4" in ok.stdout
    assert "state replay: 1 items and 0 sign-offs match the events" in ok.stdout

    tamper(db_url, "DELETE FROM audit_events WHERE seq >= 3")
    tamper(db_url, "UPDATE items SET notes = 'a'")  # and cover the tracks in the items table
    broken = cli(["audit", "--verify"], cwd=tmp_path)
    assert broken.returncode == 1
    assert "anchor: events 3–4 are missing: the chain ends at event 2" in broken.stdout
    against = cli(["audit", "--verify", "--against", f"4:{anchor['hash']}"], cwd=tmp_path)
    assert against.returncode == 1 and "events 3–4 are missing" in against.stdout
    as_json = json.loads(cli(["audit", "--verify", "--format", "json"], cwd=tmp_path).stdout)
    assert as_json["ok"] is False and as_json["anchors"][0]["missing"] == [3, 4]


def test_gate_says_when_the_anchor_is_older_than_the_last_event(tmp_path: Path, cli) -> None:
    cli(["init", "--template", "minimal"], cwd=tmp_path)
    cli(["audit", "--anchor"], cwd=tmp_path)
    cli(["set", "scope/objective-metric", "--note", "later"], cwd=tmp_path)
    gate = cli(["gate"], cwd=tmp_path)
    assert "note: audit anchor is older than the last event: anchored at event 1" in gate.stdout


def test_a_keyed_chain_without_its_key_is_refused_with_exit_2(tmp_path: Path, db_url: str) -> None:
    key_file = tmp_path / "audit.key"
    key_file.write_text(SECRET + "\n")

    def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
        return run_cli(args, cwd=tmp_path, env=cli_env(db_url, LIFECYCLE_LAB_USER="alice", **env))

    keyed = {"LIFECYCLE_LAB_AUDIT_KEY_FILE": str(key_file)}
    assert run(["init", "--template", "minimal"], **keyed).returncode == 0
    signed = run(["audit", "--anchor", "--sign"], **keyed)
    assert signed.returncode == 0 and "(signed)" in signed.stdout
    ok = run(["audit", "--verify"], **keyed)
    key_id = AuditKey(SECRET.encode()).key_id
    assert ok.returncode == 0 and f"keyed (HMAC-SHA256, key id {key_id})" in ok.stdout
    assert "signature valid (Ed25519, the configured audit key)" in ok.stdout
    refused = run(["audit", "--verify"])
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip() == (
        f"jupyter lifecycle: error: the audit chain is keyed (HMAC-SHA256, key id {key_id}) from event 1: it can "
        "only be verified with its key (set LIFECYCLE_LAB_AUDIT_KEY or LIFECYCLE_LAB_AUDIT_KEY_FILE)")
    written = run(["set", "scope/objective-metric", "--note", "x"])
    assert written.returncode == 2 and "this process has no audit key" in written.stderr
