"""Regenerate ``.lifecycle/state.json``: this project half way through its lifecycle, made by using the product.

    python example_notebooks/make_state.py                 # rewrites example_notebooks/.lifecycle/state.json
    python example_notebooks/make_state.py -o /tmp/s.json  # writes elsewhere (tests compare it with the shipped one)
    python example_notebooks/make_state.py --save-outputs  # also saves the notebooks' new outputs here

It works on a copy of this folder in a temporary directory, with a temporary SQLite store, so
nothing of yours is touched, and it runs this checkout's ``lifecycle_lab`` (about a minute):

1. the model owner sets the risk tier; then the notebooks run with papermill, each as its author
   (``LIFECYCLE_LAB_USER``), and their widgets record the problem statement, failure modes,
   dataset version, hyperparameters and evaluation; the notebooks' saved outputs are left as
   they are, unless ``--save-outputs``;
2. the team works the checklist with ``jupyter lifecycle set`` and ``signoff`` (the commands are
   printed as they run): framing and data done and approved, experimentation and validation
   under way, two items overdue, one blocked, one not applicable;
3. ``jupyter lifecycle rerun``: ``nondeterministic.ipynb`` differs, the others reproduce (the
   script stops if not);
4. two edits after the rerun, one of which makes the data steward's sign-off outdated;
5. ``jupyter lifecycle export --format json``.

Two runs give the same statuses, owners, due dates, notes, evidence (bar the rerun's id and
time), sign-offs, dataset fingerprints, verdicts and sequence of audit actions. What differs:
timestamps and ids, the audit chain's hashes, the temporary folder recorded as the project's
path (``jupyter lifecycle import --project DIR`` records the folder it lives in on your
machine), the run's environment, and the random numbers of ``nondeterministic.ipynb``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STATE = HERE / ".lifecycle" / "state.json"
NOTEBOOKS = {  # in the manifest's order, with who runs each
    "01-framing.ipynb": "amara",
    "02-data.ipynb": "ben",
    "03-train.ipynb": "chen",
    "04-evaluate.ipynb": "chen",
    "nondeterministic.ipynb": "chen",
}
SHOULD_DIFFER = {"nondeterministic.ipynb"}
PASSING = {"reproduced", "within_tolerance"}


def _text(value: str) -> str:
    return json.dumps({"text": value})


def _link(url: str, title: str) -> str:
    return json.dumps({"url": url, "title": title})


def _decision(decision: str, rationale: str, alternatives: str, by: str, at: str) -> str:
    return json.dumps({"entries": [{"decision": decision, "rationale": rationale, "alternatives": alternatives,
                                    "by": by, "at": at}]})


# Before anyone runs a notebook, the model owner registers the project and sets its risk tier.
FIRST: list[tuple[str, list[str]]] = [
    ("amara", ["set", "framing/risk-tier", "--status", "done", "--owner", "amara", "--evidence", _text(
        "Tier 2: automated decisions with a material effect on individuals; every automated decline is "
        "reviewable and can be appealed.")]),
]


def checklist(loans_fingerprint: str) -> list[tuple[str, list[str]]]:
    """The team's work on the checklist, in order: (user, command arguments)."""
    held_out = json.dumps({"versions": [{"dataset": "loans", "version": 1, "fingerprint": loans_fingerprint}]})
    return [
        # Framing: done, approved by the model owner (the approval stays current).
        ("amara", ["set", "framing/problem-statement", "--status", "done", "--owner", "amara", "--due", "2026-10-09"]),
        ("amara", ["set", "framing/objective-metric", "--status", "done", "--owner", "amara"]),
        ("amara", ["set", "framing/deployment-constraints", "--status", "done", "--owner", "amara", "--evidence", _text(
            "Nightly batch scoring inside the origination service, no online latency budget; Python and scikit-learn "
            "only; the model file loads without network access.")]),
        ("amara", ["set", "framing/failure-modes", "--status", "done", "--owner", "amara",
                   "--note", "Reviewed with risk and underwriting at the kickoff, 2026-10-08."]),
        ("amara", ["set", "framing/stakeholders-owners", "--status", "done", "--owner", "amara", "--evidence", _text(
            "Model owner: Amara (credit risk). Data steward: Ben. ML engineer: Chen. Reviewers: Dana (legal), "
            "Eve (security), Farid (product), Gita (operations), Hugo (ethics).")]),
        ("hugo", ["set", "framing/fairness-criteria", "--status", "done", "--owner", "hugo", "--evidence", _text(
            "Age and region are not model inputs. Brier score and calibration are reported per age band; the "
            "expected calibration error of every band stays below 0.05 before release.")]),
        ("farid", ["set", "framing/stakeholder-alignment", "--status", "done", "--owner", "farid",
                   "--evidence", _decision(
            "Automate approvals and declines outside a manual-review band",
            "Underwriters spend most of their time on clear-cut applications",
            "Scores as advice to underwriters only", "farid", "2026-10-08")]),
        ("amara", ["set", "framing/explainability-requirements", "--status", "in_progress", "--owner", "amara",
                   "--note", "Reason codes: the three largest contributions of the logistic model; wording with "
                             "underwriting."]),
        ("amara", ["signoff", "framing", "--role", "model-owner", "--approve",
                   "--comment", "Framing agreed at the kickoff review."]),
        # Data: done and approved by the data steward (an edit after the rerun makes that approval outdated).
        ("ben", ["set", "data/provenance-lineage", "--status", "done", "--owner", "ben", "--evidence",
                 _link("02-data.ipynb", "Datasheet: collection and preprocessing")]),
        ("ben", ["set", "data/data-curation", "--status", "done", "--owner", "ben", "--evidence", _text(
            "Loans younger than 12 months are excluded (their label is not known yet); nothing else is filtered.")]),
        ("ben", ["set", "data/labeling-standards", "--status", "done", "--owner", "ben", "--evidence",
                 _link("02-data.ipynb", "Datasheet: defaulted = 90 days past due within 12 months of funding")]),
        ("eve", ["set", "data/access-controls", "--status", "done", "--owner", "eve", "--evidence", _text(
            "The extract lives in the credit-risk project bucket, readable by the model team only; it holds no "
            "direct identifiers.")]),
        ("ben", ["set", "data/retention-policy", "--status", "done", "--owner", "ben", "--evidence",
                 _link("https://intranet.example.com/policies/credit-data-retention",
                       "Credit data retention policy v3")]),
        ("dana", ["set", "data/privacy-compliance", "--status", "done", "--owner", "dana", "--evidence",
                  _link("https://intranet.example.com/dpia/credit-default-2026", "DPIA: credit default model")]),
        ("ben", ["set", "data/dataset-versions", "--status", "done", "--owner", "ben"]),
        ("chen", ["set", "data/data-drift-plan", "--status", "done", "--owner", "chen", "--evidence", _text(
            "Population stability index of every input, monthly; investigate above 0.1.")]),
        ("ben", ["signoff", "data", "--role", "data-steward", "--approve",
                 "--comment", "Loan book version 1 and its datasheet are fit for training."]),
        # Experimentation: under way; the rerun item is due and will be overdue.
        ("chen", ["set", "experimentation/experiment-tracking", "--status", "done", "--owner", "chen", "--evidence",
                  _link("03-train.ipynb", "Training notebook: model selection, hyperparameters, model")]),
        ("chen", ["set", "experimentation/deterministic-training", "--status", "done", "--owner", "chen", "--evidence",
                  _text("The split, the cross-validation folds and the models take the seed parameter (lifecycle.yaml: "
                        "seed 42); the reproducibility rerun checks the outputs.")]),
        ("chen", ["set", "experimentation/hyperparameter-records", "--status", "done", "--owner", "chen"]),
        ("chen", ["set", "experimentation/model-selection", "--status", "done", "--owner", "chen",
                  "--evidence", _decision(
            "Logistic regression, regularisation chosen by cross-validation",
            "Better cross-validated Brier score than gradient boosting, and reason codes for underwriters",
            "Gradient boosting, 150 trees", "chen", "2026-11-12")]),
        ("chen", ["set", "experimentation/feature-engineering", "--status", "in_progress", "--owner", "chen",
                  "--note", "Trying an income-to-instalment ratio."]),
        ("chen", ["set", "experimentation/reproducibility-rerun", "--owner", "chen", "--due", "2026-11-20"]),
        # Validation: under way, one item blocked.
        ("chen", ["set", "validation/evaluation-datasets", "--status", "done", "--owner", "chen",
                  "--evidence", held_out,
                  "--note", "25% of loans version 1 held out, stratified by the label, seed 42."]),
        ("chen", ["set", "validation/segment-performance", "--status", "done", "--owner", "chen"]),
        ("chen", ["set", "validation/calibration", "--owner", "chen", "--note",
                  "ECE 0.082 for ages 18-29 is above the 0.05 limit of framing/fairness-criteria; trying recalibration "
                  "per age band."]),
        ("amara", ["set", "validation/model-card", "--status", "in_progress", "--owner", "amara", "--evidence",
                   _link("04-evaluate.ipynb", "Model card (last section of the evaluation notebook)")]),
        ("chen", ["set", "validation/distribution-shift", "--status", "blocked", "--owner", "chen",
                  "--note", "Waiting for the 2026 Q3 applications extract from the data platform (ticket DATA-1432)."]),
        # Governance and product: started; one overdue, one not applicable.
        ("amara", ["set", "governance/risk-assessment", "--status", "in_progress", "--owner", "amara"]),
        ("dana", ["set", "governance/privacy-controls", "--owner", "dana", "--due", "2026-11-13"]),
        ("eve", ["set", "governance/security-controls", "--status", "in_progress", "--owner", "eve"]),
        ("farid", ["set", "product/use-cases", "--status", "done", "--owner", "farid", "--evidence", _text(
            "Personal loans up to 40,000: automated approval below the review band, manual review inside it, "
            "automated decline above it (appealable).")]),
        ("farid", ["set", "product/internationalization", "--status", "not_applicable", "--owner", "farid",
                   "--justification", "Internal underwriting tool for one market: the interface and reason codes are "
                                      "in English only and never shown to customers."]),
    ]

# After the rerun: chen explains the differing notebook and tightens the drift plan, which changes
# the data stage after the data steward approved it.
AFTER_RERUN: list[tuple[str, list[str]]] = [
    ("chen", ["set", "experimentation/reproducibility-rerun", "--note",
              "nondeterministic.ipynb draws unseeded random numbers: seed it, or drop it from lifecycle.yaml."]),
    ("chen", ["set", "data/data-drift-plan", "--evidence", _text(
        "Population stability index of every input, monthly; investigate above 0.1, retrain above 0.25.")]),
]


class Commands:
    """``jupyter lifecycle …`` on the copied project and the temporary store, in this process."""

    def __init__(self, project: Path, db_url: str) -> None:
        self.project = project
        self.db_url = db_url

    def __call__(self, user: str, args: list[str], *, expect: int = 0, quiet: bool = False) -> str:
        """Run one command as ``user`` and return what it printed; stop unless it exits with ``expect``."""
        from lifecycle_lab.cli import main

        print(f"$ jupyter lifecycle {shlex.join(args)} --user {user}", flush=True)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            status = main([*args, "--project", str(self.project), "--db", self.db_url, "--user", user])
        if not quiet:
            print(printed.getvalue(), end="", flush=True)
        if status != expect:
            raise SystemExit(f"make_state: `jupyter lifecycle {args[0]}` exited {status}, expected {expect}")
        return printed.getvalue()


def _copy_project(target: Path) -> Path:
    ignored = shutil.ignore_patterns("runs", "models", ".ipynb_checkpoints", "__pycache__", "state.json")
    return Path(shutil.copytree(HERE, target, ignore=ignored))


def clean_outputs(path: Path) -> None:
    """Drop papermill's run metadata (timings, temporary paths) and the widget state from an executed notebook.

    JupyterLab renders no widget of a notebook it does not trust, as a cloned one is: it shows each
    widget's text instead, so the state (hundreds of kilobytes of layout models) would only weigh.
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    nbformat.write(nb, str(path))


def run_notebooks(project: Path, executed: Path, *, save_outputs: bool) -> None:
    """Step 1: each notebook run by its author in a real kernel, as a researcher does; widgets record."""
    import papermill

    for name, user in NOTEBOOKS.items():
        print(f"$ LIFECYCLE_LAB_USER={user} papermill {name} (in the project folder)", flush=True)
        os.environ["LIFECYCLE_LAB_USER"] = user  # the kernel inherits it
        papermill.execute_notebook(str(project / name), str(executed / name), cwd=str(project), progress_bar=False,
                                   kernel_name="python3")
        if save_outputs:
            clean_outputs(executed / name)
            shutil.copy2(executed / name, HERE / name)
            shutil.copy2(executed / name, project / name)


def loans_sha256(project: Path) -> str:
    """The fingerprint of ``data/loans.csv``, the evaluation data's reference."""
    from lifecycle_lab.fingerprint import sha256_file

    return sha256_file(project / "data" / "loans.csv")


def check_rerun(run: dict[str, Any]) -> None:
    """Stop unless the rerun found what the example shows: one notebook differs, the others reproduce."""
    verdicts = {nb["path"]: nb["verdict"] for nb in run["notebooks"]}
    print("rerun verdicts: " + ", ".join(f"{path} {verdict}" for path, verdict in verdicts.items()), flush=True)
    expected = {path: "differs" if path in SHOULD_DIFFER else "reproduced" for path in NOTEBOOKS}
    if {path: "reproduced" if v in PASSING else v for path, v in verdicts.items()} != expected:
        raise SystemExit(f"make_state: the rerun's verdicts are {verdicts}, expected {expected}")


def make_state(output: Path, *, save_outputs: bool) -> None:
    """Build the state in a temporary copy and store, and export it to ``output``."""
    with tempfile.TemporaryDirectory(prefix="lifecycle-example-") as scratch:
        root = Path(scratch)
        project = _copy_project(root / "example_notebooks")
        executed = root / "executed"
        executed.mkdir()
        db_url = f"sqlite:///{root / 'store.sqlite'}"
        os.environ["LIFECYCLE_LAB_DB_URL"] = db_url
        os.environ.pop("LIFECYCLE_LAB_RERUN", None)
        lifecycle = Commands(project, db_url)

        for user, args in FIRST:
            lifecycle(user, args)
        run_notebooks(project, executed, save_outputs=save_outputs)
        for user, args in checklist(loans_sha256(project)):
            lifecycle(user, args)
        run = json.loads(lifecycle("chen", ["rerun", "--json"], expect=1, quiet=True))  # 1: a notebook differs
        check_rerun(run)
        for user, args in AFTER_RERUN:
            lifecycle(user, args)
        lifecycle("amara", ["audit", "--verify"])
        lifecycle("amara", ["status"])
        output.parent.mkdir(parents=True, exist_ok=True)
        lifecycle("amara", ["export", "--format", "json", "-o", str(output)])


def main() -> None:
    """Parse the options and make the state."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-o", "--output", type=Path, default=STATE, help=f"where to write (default: {STATE})")
    parser.add_argument("--save-outputs", action="store_true",
                        help="save the notebooks' new outputs into this folder (what a researcher commits)")
    args = parser.parse_args()
    if (REPO / "lifecycle_lab").is_dir():  # this checkout's code, here and in the kernels and the rerun worker
        sys.path.insert(0, str(REPO))
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    make_state(args.output.resolve(), save_outputs=args.save_outputs)


if __name__ == "__main__":
    main()
