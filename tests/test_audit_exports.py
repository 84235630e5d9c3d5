"""Every export anchors the audit chain outside the database: it prints the head's sequence number, hash and time."""

from __future__ import annotations

import json
import re

from export_samples import pdf_text

from lifecycle_lab.report import export_project
from lifecycle_lab.service import Lifecycle, Project
from lifecycle_lab.store import Store
from lifecycle_lab.store.audit import AuditKey

AT = "2026-12-06T02:00:00Z"


def test_every_export_prints_the_chain_head_seq_hash_and_time(service: Lifecycle, project: Project) -> None:
    for i in range(3):
        service.set_item(project, "framing/risk-tier", {"notes": f"revision {i}"}, actor="alice")
    head = service.store.head(project.id)
    assert head is not None and head.seq == 4
    line = f"event {head.seq} at {head.at}, {head.hash}"
    exports = {fmt: export_project(service, project, fmt, generated_by="auditor", generated_at=AT).content
               for fmt in ("pdf", "md", "html", "json")}
    assert re.sub(r"\s+", "", line) in re.sub(r"\s+", "", pdf_text(exports["pdf"]))  # a narrow cell wraps the hash
    assert "Audit chain verifies, 4 events, unkeyed (sha256)" in pdf_text(exports["pdf"])
    assert f"- **Chain head:** {line}" in exports["md"].decode().replace("\\", "")
    assert line in exports["html"].decode()
    summary = json.loads(exports["json"])["summary"]["audit"]
    assert (summary["head_seq"], summary["head"], summary["head_at"], summary["mode"]) == (
        head.seq, head.hash, head.at, "unkeyed (sha256)")


def test_an_export_without_the_key_of_a_keyed_chain_says_it_is_not_verified(
    db_url: str, project_dir, service: Lifecycle,
) -> None:
    keyed = Lifecycle(Store(db_url, AuditKey(b"the team's secret, 32 bytes long")))
    project = keyed.init_project(project_dir, actor="alice", template="minimal", name="Keyed")
    head = keyed.store.head(project.id)
    markdown = export_project(service, service.project(project.id), "md", generated_by="auditor",
                              generated_at=AT).content.decode()
    assert "- **Audit chain:** NOT VERIFIED (keyed; no key here), 1 events" in markdown
    assert head is not None and head.hash in markdown
    keyed.store.close()
