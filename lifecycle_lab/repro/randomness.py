"""Which cells draw from a random generator nobody seeded: the usual cause of a rerun that differs.

Pure and static (Python's ``ast``, no execution). Cells are read in order with
what earlier cells seeded: ``random.seed(0)`` covers later ``random.random()``,
``np.random.seed(0)`` covers ``np.random.rand()`` and scikit-learn estimators
without a ``random_state``, ``torch.manual_seed``, ``tf.random.set_seed`` and the
``seed_everything``/``set_seed`` helpers cover their libraries. A generator made
without a seed (``np.random.default_rng()``, ``random.Random()``) and
``os.urandom``/``secrets`` are unseeded whatever came before.

The issue-17 lint rule ``unseeded-random`` answers the same question for
``jupyter lifecycle lint``; once both are on main this function should ask it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

_MAGIC = re.compile(r"^\s*[%!?]")
_STDLIB_DRAWS = frozenset({"random", "randint", "choice", "choices", "shuffle", "sample", "uniform", "gauss",
                           "normalvariate", "randrange", "betavariate", "expovariate", "triangular", "getrandbits",
                           "lognormvariate", "vonmisesvariate", "gammavariate", "paretovariate", "weibullvariate",
                           "randbytes", "binomialvariate"})
_NUMPY_NOT_DRAWS = frozenset({"seed", "default_rng", "RandomState", "Generator", "SeedSequence", "get_state",
                              "set_state", "PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64", "BitGenerator"})
_SKLEARN_RANDOM = frozenset({
    "train_test_split", "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier",
    "ExtraTreesRegressor", "GradientBoostingClassifier", "GradientBoostingRegressor", "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor", "KMeans", "MiniBatchKMeans", "MLPClassifier", "MLPRegressor", "SGDClassifier",
    "SGDRegressor", "TSNE", "IsolationForest", "ShuffleSplit", "StratifiedShuffleSplit", "RandomizedSearchCV",
    "make_classification", "make_regression", "make_blobs", "make_moons", "make_circles", "BaggingClassifier",
    "BaggingRegressor", "AdaBoostClassifier", "AdaBoostRegressor", "DecisionTreeClassifier", "DecisionTreeRegressor",
})
_SEED_ALL = frozenset({"seed_everything", "set_seed", "set_random_seed"})  # lightning, transformers, keras
_ALWAYS_UNSEEDED = ("os.urandom", "secrets.", "uuid.uuid4")


def _parse(source: str) -> ast.Module | None:
    lines = ["pass" if _MAGIC.match(line) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return None


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def _aliases(tree: ast.Module, known: dict[str, str]) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                known[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(
                    ".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                known[alias.asname or alias.name] = f"{node.module}.{alias.name}"


def _has_seed(call: ast.Call, keyword: str = "random_state") -> bool:
    """A seed given: a first positional argument or the keyword, other than a literal None."""
    given = [k.value for k in call.keywords if k.arg == keyword] if keyword else []
    given += call.args[:1] if keyword != "random_state" else []
    return any(not (isinstance(value, ast.Constant) and value.value is None) for value in given)


class _State:
    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.seeded: set[str] = set()  # random, numpy, torch, tensorflow

    def draws_unseeded(self, call: ast.Call) -> bool:
        """Apply ``call`` to the state; whether it draws from an unseeded generator."""
        name = _dotted(call.func)
        if name is None:
            return False
        head, _, rest = name.partition(".")
        full = self.aliases.get(head, head) + (f".{rest}" if rest else "")
        last = full.rsplit(".", 1)[-1]
        seeded_call = bool(call.args) or any(k.arg in ("seed", "a") for k in call.keywords)
        if last in _SEED_ALL and seeded_call:
            self.seeded |= {"random", "numpy", "torch", "tensorflow"}
            return False
        if full == "random.seed":
            self.seeded |= {"random"} if seeded_call else set()
            return False
        if full == "numpy.random.seed":
            self.seeded |= {"numpy"} if seeded_call else set()
            return False
        if full in ("torch.manual_seed", "torch.cuda.manual_seed_all"):
            self.seeded.add("torch")
            return False
        if full in ("tensorflow.random.set_seed", "tensorflow.set_random_seed"):
            self.seeded.add("tensorflow")
            return False
        if full in ("numpy.random.default_rng", "numpy.random.RandomState", "random.Random"):
            return not seeded_call
        if full.startswith(_ALWAYS_UNSEEDED):
            return True
        if full.startswith("random.") and last in _STDLIB_DRAWS:
            return "random" not in self.seeded
        if full.startswith("numpy.random.") and last not in _NUMPY_NOT_DRAWS:
            return "numpy" not in self.seeded
        if full.startswith("torch.") and last in ("rand", "randn", "randint", "randperm", "normal", "bernoulli",
                                                  "multinomial", "rand_like", "randn_like"):
            return "torch" not in self.seeded
        if full.startswith("tensorflow.random."):
            return "tensorflow" not in self.seeded
        if last in _SKLEARN_RANDOM and (full.startswith("sklearn.") or full == last):
            return not _has_seed(call) and "numpy" not in self.seeded
        return False


def unseeded_random_cells(sources: Sequence[str]) -> set[int]:
    """Positions in ``sources`` (code cells in order) of the cells that draw from an unseeded random generator."""
    state = _State()
    suspected: set[int] = set()
    for position, source in enumerate(sources):
        tree = _parse(source)
        if tree is None:
            continue
        _aliases(tree, state.aliases)
        calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
        if any([state.draws_unseeded(call) for call in calls]):  # a list: every call updates the state
            suspected.add(position)
    return suspected
