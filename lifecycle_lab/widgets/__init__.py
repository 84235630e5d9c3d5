"""Notebook widgets: inline forms that read and write the same store as the sidebar and the CLI.

Use them as ``import lifecycle_lab as ll`` then ``ll.problem_statement()`` and
so on; ``lifecycle_lab`` imports this package only when one is first used.
"""

from .checklist import checklist
from .dataset import dataset
from .evaluate import evaluate
from .failure_modes import failure_modes
from .from_mlflow import from_mlflow
from .hyperparameters import hyperparameters
from .item import item
from .problem_statement import problem_statement

__all__ = ["checklist", "dataset", "evaluate", "failure_modes", "from_mlflow", "hyperparameters", "item",
           "problem_statement"]
