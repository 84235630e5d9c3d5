"""A static reproducibility lint of notebooks: finds what makes a rerun differ, before the rerun.

Pure: it reads notebooks and the manifest and runs no code. See :func:`lint_project` and
:func:`unseeded_random` (the rule the rerun verdicts use to explain a differing cell).
"""

from .catalog import RULE_IDS, RULES, Rule
from .engine import LintOptions, LintReport, lint_notebooks, lint_project, project_notebooks
from .finding import SEVERITIES, Finding
from .randomness import unseeded_random

__all__ = ["RULES", "RULE_IDS", "SEVERITIES", "Finding", "LintOptions", "LintReport", "Rule", "lint_notebooks",
           "lint_project", "project_notebooks", "unseeded_random"]
