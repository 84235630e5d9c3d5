"""The model card export: a Hugging Face model card (``README.md``) written from the checklist.

The YAML metadata is built with ``huggingface_hub``'s ``ModelCardData`` and
``EvalResult`` (extra ``[modelcard]``): ``model-index`` has one result per
segment of every recorded metric, with its confidence interval in the result's
name; ``datasets`` names the recorded datasets; ``license``, task and library
come from the manifest's ``model_card:`` section when recorded there. The body
has the sections of the Hub's model card guide, each filled from the items that
record it, or marked ``[More Information Needed]`` with the item to fill: the
export never invents what the checklist does not hold. User text is escaped as
in the Markdown export. See docs/modelcard.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..domain import ItemState
from ..errors import MissingExtra
from ..evidence import has_evidence
from ..service import Lifecycle, Project
from .blocks import MISSING, evidence_blocks, show
from .writers import md, md_block, md_line, md_or_dash, md_table

NEEDED = "[More Information Needed]"  # the Hub template's own marker for a field a person must fill
MEDIA_TYPE = "text/markdown; charset=utf-8"
# Items of the shipped templates that answer a section, by item id (any stage); a team's template may reuse them.
INTENDED_USE = ("use-cases", "intended-use", "intended-uses")
OUT_OF_SCOPE = ("deployment-boundaries", "out-of-scope-uses", "out-of-scope-use", "out-of-scope")
LIMITATIONS = ("known-limitations", "limitations", "societal-harms", "user-impact")
UNKNOWN_TASK = "other"  # the Hub's task id for "none of the listed tasks", used until model_card.task_type is set


def _hub() -> Any:
    """``huggingface_hub``, or MissingExtra naming the extra that installs it."""
    try:
        import huggingface_hub
    except ImportError:
        raise MissingExtra("the model card export needs huggingface_hub: pip install 'lifecycle_lab[modelcard]'"
                           ) from None
    return huggingface_hub


class _Checklist:
    """The project's items with their recorded states and display blocks, looked up by id or evidence kind."""

    def __init__(self, project: Project, states: Mapping[str, ItemState], doc: Mapping[str, Any]) -> None:
        self.project, self.states = project, states
        self.shown = {item["key"]: item for stage in doc["stages"] for item in stage["items"]}

    def by_id(self, ids: Iterable[str]) -> list[tuple[Any, ItemState]]:
        wanted = set(ids)
        return [(spec, self.states.get(spec.key) or ItemState(spec.key))
                for spec in self.project.template.items() if spec.id in wanted]

    def by_kind(self, kind: str) -> list[tuple[Any, ItemState]]:
        return [(spec, self.states.get(spec.key) or ItemState(spec.key))
                for spec in self.project.template.items() if spec.evidence == kind]

    def filled(self, found: list[tuple[Any, ItemState]]) -> list[tuple[Any, ItemState]]:
        return [(spec, state) for spec, state in found
                if state.status != "not_applicable" and has_evidence(spec.evidence, state.evidence)
                and spec.evidence != "check"]


def _needed(what: str, items: list[tuple[Any, ItemState]], hint: str = "") -> list[str]:
    """The marker for a section the checklist cannot fill, saying which item would fill it."""
    if items:
        keys = ", ".join(f"`{spec.key}`" for spec, _ in items)
        where = f"record {what} on {keys}"
    else:
        where = f"no item of this template records {what}{hint}"
    return [f"{NEEDED} ({where})", ""]


def _item_lines(checklist: _Checklist, spec: Any, state: ItemState) -> list[str]:
    """One item's evidence as the Markdown export shows it, under its title, with stale marks and notes."""
    shown = checklist.shown.get(spec.key, {})
    lines = [f"**{md(spec.title)}** (`{spec.key}`, {state.status.replace('_', ' ')})", ""]
    lines += [f"*Stale:* {md(reason)}" for reason in shown.get("stale", [])]
    lines += [""] if shown.get("stale") else []
    for block in shown.get("evidence") or evidence_blocks(spec.evidence, state.evidence, {}):
        lines += md_block(block, "")
    return lines


def _text_section(title: str, checklist: _Checklist, ids: tuple[str, ...], what: str,
                  extra: list[str] | None = None) -> list[str]:
    found = checklist.by_id(ids)
    lines = [f"## {title}", ""]
    body = list(extra or [])
    for spec, state in checklist.filled(found):
        body += _item_lines(checklist, spec, state)
    for spec, state in found:
        if state.status == "not_applicable":
            body += [f"**{md(spec.title)}** (`{spec.key}`): not applicable: {md(state.justification)}", ""]
    return lines + (body or _needed(what, found))


def _intended_use(checklist: _Checklist) -> list[str]:
    statements = []
    for spec, state in checklist.filled(checklist.by_kind("problem_statement")):
        value = state.evidence
        statements += [f"**Problem statement** (`{spec.key}`)", "", md_line(value["statement"]), ""]
        facts = [("Objective metric", value.get("objective_metric")), ("Target", value.get("target")),
                 ("Baseline", value.get("baseline")), ("Constraints", value.get("constraints"))]
        statements += [*(f"- **{label}:** {md(show(v))}" for label, v in facts if v not in (None, "")), ""]
    return _text_section("Intended use", checklist, INTENDED_USE, "the supported use cases", statements)


def _limitations(checklist: _Checklist) -> list[str]:
    rows = []
    for spec, state in checklist.filled(checklist.by_kind("failure_modes")):
        rows += _item_lines(checklist, spec, state)
    section = _text_section("Limitations and risks", checklist, LIMITATIONS, "known limitations", rows)
    if not rows:
        found = checklist.by_kind("failure_modes")
        section += ["### Failure modes", "", *_needed("the failure modes", found)]
    return section


def _dataset_refs(checklist: _Checklist) -> dict[tuple[str, str], tuple[dict[str, Any], list[str]]]:
    """(dataset, version or digest) → (the reference, the items citing it), over every ``datasets`` item."""
    refs: dict[tuple[str, str], tuple[dict[str, Any], list[str]]] = {}
    for spec, state in checklist.filled(checklist.by_kind("datasets")):
        for ref in state.evidence.get("versions", []):
            _, cited = refs.setdefault((ref["dataset"], str(ref.get("version") or ref.get("digest"))), (ref, []))
            cited.append(spec.key)
    return refs


def _training_data(service: Lifecycle, project: Project, checklist: _Checklist) -> list[str]:
    lines = ["## Training data", ""]
    refs = _dataset_refs(checklist)
    recorded = {(v.name, v.version): v for v in service.dataset_versions(project.id)}
    if refs:
        rows = []
        for (name, _), (ref, cited) in sorted(refs.items()):
            v = recorded.get((name, ref.get("version")))
            shape = f"{v.rows} × {v.columns}" if v is not None and v.rows is not None else None
            digest = ref.get("fingerprint") or (v.sha256 if v else None) or f"{ref.get('digest')} (MLflow digest)"
            rows.append([name, ref.get("version"), digest, v.path if v else ref.get("source"), shape,
                         f"{v.recorded_at} by {v.recorded_by}" if v else None, ", ".join(cited)])
        lines += ["Dataset versions recorded in the checklist, with their sha256 fingerprints "
                  "(`jupyter lifecycle dataset verify` checks the data still matches).", ""]
        lines += md_table(["Dataset", "Version", "Fingerprint", "Path or source", "Rows × columns", "Recorded",
                              "Cited by"], [[show(cell) for cell in row] for row in rows])
    else:
        lines += _needed("dataset versions", checklist.by_kind("datasets"))
    params = checklist.filled(checklist.by_kind("hyperparameters"))
    lines += ["### Training procedure", ""]
    for spec, state in params:
        lines += _item_lines(checklist, spec, state)
    return lines if params else lines + _needed("the hyperparameters", checklist.by_kind("hyperparameters"))


def _evaluation(checklist: _Checklist) -> list[str]:
    lines = ["## Evaluation", ""]
    metrics = checklist.filled(checklist.by_kind("metrics"))
    if not metrics:
        return lines + _needed("metrics by segment", checklist.by_kind("metrics"))
    lines += ["Metrics by segment with their confidence intervals, as recorded; the same results are in the "
              "card's `model-index` metadata, one per segment.", ""]
    for spec, state in metrics:
        lines += [f"### {md(spec.title)}", "", *_item_lines(checklist, spec, state)[2:]]
    if not any((state.evidence.get("calibration") or {}) for _, state in metrics):
        lines += ["### Calibration", "", *_needed("a calibration (expected calibration error and bins)",
                                                   [m for m in metrics])]
    return lines


def _reproducibility(doc: Mapping[str, Any]) -> list[str]:
    lines = ["## Reproducibility", ""]
    runs = doc["reruns"]["runs"]
    if not runs:
        return [*lines, f"{NEEDED} (no rerun recorded: run `jupyter lifecycle rerun` or the sidebar's Rerun)", ""]
    last = runs[0]
    lines += [f"The last rerun of the project's notebooks, **{md(last['id'])}**: verdict "
              f"**{md_or_dash(last['verdict'])}** ({md_or_dash(last['status'])}), requested by "
              f"{md_or_dash(last['requested_by'])}, finished {md_or_dash(last['finished_at'])}.", ""]
    rows = [[nb["path"], nb["verdict"], nb["run_id"]] for nb in doc["reruns"]["notebooks"]]
    lines += md_table(["Notebook", "Latest verdict", "Run"], rows)
    if last["environment"]:
        lines += ["### Environment", ""]
        for block in last["environment"]:
            lines += md_block(block, "")
    else:
        lines += [f"{NEEDED} (the last rerun recorded no environment)", ""]
    return lines


def _governance(doc: Mapping[str, Any]) -> list[str]:
    lines = ["## Governance", ""]
    ready = doc["readiness"]
    lines += [f"Readiness: **{ready['status']}**, {ready['gates_passed']} of {ready['gates_total']} stage gates "
              "pass.", ""]
    lines += md_table(["Stage", "Gate", "Sign-offs required"], [
        [s["title"], "passes" if s["gate"]["passed"] else "blocked", ", ".join(s["gate"]["signoffs"]) or MISSING]
        for s in doc["stages"]])
    lines += ["### Sign-offs", ""]
    if doc["signoffs"]:
        lines += md_table(["Stage", "Role", "Decision", "By", "At", "State", "Comment"], [
            [s["stage_title"], s["role"], s["decision"], s["user"], s["at"],
             "outdated" if s["outdated"] else "superseded" if s["superseded"] else "current", s["comment"]]
            for s in doc["signoffs"]])
    else:
        lines += [f"{NEEDED} (no sign-off recorded yet)", ""]
    audit = doc["audit"]
    state = "verifies" if audit["verified"] else f"is BROKEN: {md(audit['message'])}"
    lines += ["### Audit", "", f"The audit chain {state}: {audit['total']} events, head `{audit['head']}` "
              "(`jupyter lifecycle audit --verify`).", ""]
    return lines


def _eval_results(hub: Any, checklist: _Checklist, task_type: str) -> list[Any]:
    """One ``EvalResult`` per segment of every recorded metric, evaluated on its stage's recorded dataset."""
    results = []
    for spec, state in checklist.filled(checklist.by_kind("metrics")):
        value = state.evidence
        stage_data = [s for s in checklist.filled(checklist.by_kind("datasets")) if s[0].stage == spec.stage]
        ref = stage_data[0][1].evidence["versions"][0] if stage_data else None
        revision = (ref.get("fingerprint") or ref.get("digest")) if ref else None
        confidence = value.get("confidence")
        level = f"{show(confidence * 100)}% " if isinstance(confidence, int | float) else ""
        for row in value.get("results", []):
            if not isinstance(row.get("value"), int | float):
                continue
            interval = (f", {level}CI [{show(row.get('ci_low'))}, {show(row.get('ci_high'))}]"
                        if row.get("ci_low") is not None or row.get("ci_high") is not None else ", no interval")
            n = f", n={row['n']}" if row.get("n") is not None else ""
            results.append(hub.EvalResult(
                task_type=task_type,
                dataset_type=ref["dataset"] if ref else "unrecorded",
                dataset_name=(f"{ref['dataset']} v{ref['version']}" if ref.get("version") else ref["dataset"])
                if ref else "evaluation data (not recorded)",
                dataset_config=str(row.get("segment") or "all"),
                dataset_revision=revision,
                metric_type=value["metric"], metric_value=row["value"],
                metric_name=f"{value['metric']} on segment {row.get('segment') or 'all'}{interval}{n}",
            ))
    return results


def _card_data(hub: Any, project: Project, checklist: _Checklist, doc: Mapping[str, Any]) -> Any:
    recorded = project.manifest.model_card
    task_type = recorded.get("task_type") or UNKNOWN_TASK
    datasets = sorted({name for name, _ in _dataset_refs(checklist)})
    metrics = sorted({state.evidence["metric"] for _, state in checklist.filled(checklist.by_kind("metrics"))})
    return hub.ModelCardData(
        model_name=project.record.name,
        license=recorded.get("license"),
        library_name=recorded.get("library_name"),
        base_model=recorded.get("base_model"),
        language=recorded.get("language"),
        pipeline_tag=recorded.get("task_type"),
        tags=["lifecycle-lab", *recorded.get("tags", [])],
        datasets=datasets or None,
        metrics=metrics or None,
        eval_results=_eval_results(hub, checklist, task_type) or None,
        lifecycle_lab={"project": project.id, "template": f"{doc['template']['id']} {doc['template']['version']}",
                       "generated_at": doc["generated_at"], "audit_head": doc["audit"]["head"]},
    )


def _body(service: Lifecycle, project: Project, checklist: _Checklist, doc: Mapping[str, Any]) -> list[str]:
    recorded = project.manifest.model_card
    lines = [f"# Model card: {md(project.record.name)}", ""]
    if project.manifest.description:
        lines += [md_line(project.manifest.description.replace("\n", " ")), ""]
    lines += [f"Written from the lifecycle checklist of project {md(project.record.name)} (`{project.id}`, template "
              f"{md(doc['template']['title'])} {md(doc['template']['version'])}) at {doc['generated_at']} by "
              f"{md(doc['generated_by'])} with {md(doc['generator'])}. Sections marked {NEEDED} need a person "
              "to fill the checklist item named there.", ""]
    if "license" not in recorded:
        lines += [f"License: {NEEDED} (set `model_card.license` in lifecycle.yaml)", ""]
    if "task_type" not in recorded:
        lines += [f"Task: {NEEDED} (set `model_card.task_type` in lifecycle.yaml; the metadata says "
                  f"`{UNKNOWN_TASK}` until then)", ""]
    lines += _intended_use(checklist)
    lines += _text_section("Out-of-scope use", checklist, OUT_OF_SCOPE, "where the model must not be used")
    lines += _limitations(checklist)
    lines += _training_data(service, project, checklist)
    lines += _evaluation(checklist)
    lines += _reproducibility(doc)
    lines += _governance(doc)
    return lines


def render_model_card(service: Lifecycle, project: Project, doc: Mapping[str, Any]) -> str:
    """The model card (YAML metadata and Markdown body) of a project whose report ``doc`` was gathered.

    The card is parsed back by ``huggingface_hub`` before it is returned, so metadata it cannot read
    (a malformed ``model-index``) fails here, not on the Hub.
    """
    hub = _hub()
    checklist = _Checklist(project, service.items(project.id), doc)
    data = _card_data(hub, project, checklist, doc)
    body = "\n".join(_body(service, project, checklist, doc)).rstrip("\n") + "\n"
    content = f"---\n{data.to_yaml()}\n---\n\n{body}"
    hub.ModelCard(content)  # parses the metadata back (model-index into EvalResults): raises if it cannot
    return content
