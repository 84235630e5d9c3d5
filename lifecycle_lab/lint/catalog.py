"""The lint's rules: id, severity, a one-line summary and a longer help text (for SARIF, docs and the CLI)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One rule of the reproducibility lint."""

    id: str
    severity: str
    summary: str
    help: str


RULES: dict[str, Rule] = {rule.id: rule for rule in (
    Rule("execution-order", "warning", "Cells ran out of order, skipped counts or ran more than once",
         "Saved execution counts that are not 1, 2, 3… in cell order mean the saved outputs came from hidden "
         "state. Restart the kernel, run all cells and save."),
    Rule("use-before-define", "error", "A name is read before any cell above defines it",
         "A fresh top-to-bottom run fails with NameError when a cell reads a name defined only further down or in "
         "a deleted cell."),
    Rule("unseeded-random", "warning", "Random numbers drawn without a seed",
         "Draws from random, NumPy, scikit-learn, PyTorch, TensorFlow or DataFrame.sample without a seed give other "
         "numbers on every run, so a rerun differs."),
    Rule("absolute-path", "warning", "A file is read by an absolute or home-relative path",
         "Paths like /home/me/data.csv or C:\\\\data exist only on the author's machine; read files by paths "
         "relative to the notebook."),
    Rule("unregistered-data", "warning", "A data file is read that is not a registered dataset",
         "Register the files the notebooks read (`jupyter lifecycle dataset add`) so their fingerprints show when "
         "the data changes."),
    Rule("unpinned-environment", "warning", "The project pins no environment, or not every imported package",
         "Keep a lock file or pinned requirements (==) with every package the notebooks import, so a rerun installs "
         "the versions the results came from."),
    Rule("network-access", "warning", "Data is fetched from the network at run time",
         "URLs read by readers, HTTP clients and dataset downloads make a rerun depend on the outside world; keep "
         "the data in the project and register it."),
    Rule("syntax-error", "error", "A code cell does not parse",
         "The cell is not valid Python even after IPython's magics and shell escapes are applied; the other rules "
         "skip it."),
)}

RULE_IDS: tuple[str, ...] = tuple(RULES)
