"""Reproducibility: rerun notebooks under papermill in a worker process and compare their outputs.

``compare`` and ``sanitize`` are pure; ``notebooks`` refuses files that are
not notebooks; ``environment`` captures what a run ran on; ``worker`` executes
a run out of process; ``runs`` starts, watches and cancels runs for every
front door.
"""

# nbformat imports jsonschema; importing it through _jsonschema first skips a slow optional dependency
# (about a second per worker process), whichever module of this package is imported first.
from .. import _jsonschema  # noqa: F401
