"""The ``unseeded-random`` rule: random draws whose numbers change from run to run.

It finds draws from Python's ``random`` and NumPy's legacy global generator with no seed set before
them, generators made without a seed (``np.random.default_rng()``, ``RandomState()``, ``random.Random()``)
and every later draw from one, scikit-learn estimators and splitters that take ``random_state`` but get
none, PyTorch and TensorFlow randomness before their manual seed, and ``DataFrame.sample`` without
``random_state``. :func:`unseeded_random` runs it on bare cell sources, for callers (the rerun verdicts)
that ask whether a differing cell draws unseeded numbers.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from .cells import Cell, Notebook, notebook_from_sources
from .finding import Finding
from .names import has_kwargs_splat, is_none, keyword, notebook_names

RULE = "unseeded-random"
SEVERITY = "warning"

_RANDOM_DRAWS = frozenset({
    "random", "randint", "randrange", "choice", "choices", "shuffle", "sample", "uniform", "triangular",
    "gauss", "normalvariate", "lognormvariate", "expovariate", "vonmisesvariate", "gammavariate",
    "betavariate", "paretovariate", "weibullvariate", "getrandbits", "randbytes", "binomialvariate",
})
_NUMPY_NOT_DRAWS = frozenset({
    "seed", "default_rng", "RandomState", "Generator", "SeedSequence", "BitGenerator", "PCG64", "PCG64DXSM",
    "MT19937", "Philox", "SFC64", "get_state", "set_state", "get_bit_generator", "set_bit_generator",
})
_GENERATORS = {"numpy.random.default_rng": "np.random.default_rng(seed)",
               "numpy.random.RandomState": "np.random.RandomState(seed)",
               "random.Random": "random.Random(seed)"}
# library -> calls that seed it (each also seeds the libraries listed with it)
_SEEDS: dict[str, tuple[str, ...]] = {
    "random.seed": ("random",),
    "numpy.random.seed": ("numpy",),
    "torch.manual_seed": ("torch",),
    "torch.random.manual_seed": ("torch",),
    "tensorflow.random.set_seed": ("tensorflow",),
    "tensorflow.set_random_seed": ("tensorflow",),
    "tensorflow.random.set_random_seed": ("tensorflow",),
    "tensorflow.keras.utils.set_random_seed": ("tensorflow", "numpy", "random"),
    "keras.utils.set_random_seed": ("tensorflow", "numpy", "random"),
    "lightning.seed_everything": ("torch", "numpy", "random"),
    "pytorch_lightning.seed_everything": ("torch", "numpy", "random"),
    "lightning.pytorch.seed_everything": ("torch", "numpy", "random"),
    "transformers.set_seed": ("torch", "tensorflow", "numpy", "random"),
}
# scikit-learn names that take random_state and use it with their default settings
_SKLEARN = frozenset({
    "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
    "GradientBoostingClassifier", "GradientBoostingRegressor", "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor", "AdaBoostClassifier", "AdaBoostRegressor", "BaggingClassifier",
    "BaggingRegressor", "IsolationForest", "RandomTreesEmbedding", "DecisionTreeClassifier",
    "DecisionTreeRegressor", "ExtraTreeClassifier", "ExtraTreeRegressor", "SGDClassifier", "SGDRegressor",
    "SGDOneClassSVM", "Perceptron", "PassiveAggressiveClassifier", "PassiveAggressiveRegressor",
    "RANSACRegressor", "MLPClassifier", "MLPRegressor", "KMeans", "MiniBatchKMeans", "BisectingKMeans",
    "SpectralClustering", "GaussianMixture", "BayesianGaussianMixture", "TruncatedSVD", "NMF",
    "MiniBatchNMF", "FastICA", "LatentDirichletAllocation", "MiniBatchDictionaryLearning", "TSNE", "MDS",
    "SpectralEmbedding", "RBFSampler", "Nystroem", "GaussianRandomProjection", "SparseRandomProjection",
    "train_test_split", "ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit", "RepeatedKFold",
    "RepeatedStratifiedKFold", "RandomizedSearchCV", "ParameterSampler", "shuffle", "resample",
    "permutation_importance", "mutual_info_classif", "mutual_info_regression", "make_classification",
    "make_regression", "make_blobs", "make_moons", "make_circles",
})
_SKLEARN_IF_SHUFFLED = frozenset({"KFold", "StratifiedKFold", "StratifiedGroupKFold"})
_TORCH_DRAWS = frozenset({
    "rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "normal", "bernoulli",
    "multinomial", "poisson", "dropout",
})
_TORCH_LAYERS = frozenset({
    "Linear", "Bilinear", "LazyLinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
    "ConvTranspose3d", "LSTM", "GRU", "RNN", "Embedding", "EmbeddingBag", "Transformer",
    "TransformerEncoderLayer", "TransformerDecoderLayer", "MultiheadAttention", "Dropout",
})
_TF_DRAWS = frozenset({"normal", "uniform", "shuffle", "truncated_normal", "categorical", "gamma", "poisson"})
_KERAS_LAYERS = frozenset({"Dense", "Conv1D", "Conv2D", "Conv3D", "LSTM", "GRU", "SimpleRNN", "Embedding",
                           "Dropout"})
_STATE_KEYWORDS = ("random_state", "seed", "rng", "generator")


@dataclass(frozen=True)
class _Origin:
    cell: int
    line: int
    made_by: str
    fix: str


def _shown(call: ast.Call) -> str:
    return f"{ast.unparse(call.func)}()"


class _Checker:
    """Walks a notebook's code in run order, tracking which libraries are seeded and which names hold unseeded
    generators."""

    def __init__(self, notebook: Notebook) -> None:
        self.notebook = notebook
        self.imports = notebook_names(notebook)[0]
        self.seeded: set[str] = set()
        self.unseeded: dict[str, _Origin] = {}
        self.findings: list[Finding] = []
        self._seen: set[tuple[int, int]] = set()

    def run(self) -> list[Finding]:
        for cell in self.notebook.code_cells():
            for node in cell.nodes:
                if isinstance(node, ast.Assign):
                    self._assign(cell, node)
                elif isinstance(node, ast.Call):
                    self._call(cell, node)
        return self.findings

    def _report(self, cell: Cell, node: ast.AST, message: str, fix: str, **data: object) -> None:
        line = cell.line(node)
        if (cell.index, line) in self._seen:
            return  # one finding per line: a line with two draws has one cause to fix
        self._seen.add((cell.index, line))
        self.findings.append(Finding(rule=RULE, severity=SEVERITY, path=self.notebook.path, cell=cell.index,
                                     cell_id=cell.id, line=line, message=message, fix=fix, data=dict(data)))

    def _generator(self, call: ast.Call) -> str | None:
        """The fix when ``call`` makes a generator without a seed (None when it is seeded or not a generator)."""
        name = self.imports.call_name(call)
        if name not in _GENERATORS or not self.imports.is_imported(call.func):
            return None
        seed = call.args[0] if call.args else keyword(call, "seed") or keyword(call, "x")
        return _GENERATORS[name] if seed is None or is_none(seed) else None

    def _assign(self, cell: Cell, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                fix = self._generator(node.value) if isinstance(node.value, ast.Call) else None
                if fix is not None:
                    self.unseeded[target.id] = _Origin(cell.index, cell.line(node), _shown(node.value), fix)
                else:
                    self.unseeded.pop(target.id, None)

    def _call(self, cell: Cell, call: ast.Call) -> None:
        name = self.imports.call_name(call) or ""
        imported = self.imports.is_imported(call.func)
        if imported and name in _SEEDS and (call.args or call.keywords) and not is_none(_first(call)):
            self.seeded.update(_SEEDS[name])
            return
        fix = self._generator(call)
        if fix is not None:
            self._report(cell, call, f"`{_shown(call)}` makes a random generator without a seed: every run draws "
                         "different numbers", f"pass a seed: `{fix}`", call=_shown(call))
            return
        if self._from_unseeded(cell, call):
            return
        if imported:
            self._library_draw(cell, call, name)
        elif isinstance(call.func, ast.Attribute) and call.func.attr == "sample":
            self._dataframe_sample(cell, call)

    def _from_unseeded(self, cell: Cell, call: ast.Call) -> bool:
        """A draw from a name holding an unseeded generator (its method, or passed as ``random_state=``)."""
        holder = None
        if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
            holder = call.func.value.id if call.func.value.id in self.unseeded else None
        for key in _STATE_KEYWORDS:
            value = keyword(call, key)
            if holder is None and isinstance(value, ast.Name) and value.id in self.unseeded:
                holder = value.id
        if holder is None:
            return False
        origin = self.unseeded[holder]
        if origin.cell != cell.index:  # in the cell that makes it, the finding on the generator covers the draw
            self._report(cell, call, f"`{_shown(call)}` draws from `{holder}`, an unseeded generator "
                         f"(`{origin.made_by}` in cell {origin.cell + 1}, line {origin.line})",
                         f"seed `{holder}` where it is made: `{origin.fix}`", call=_shown(call), generator=holder,
                         origin={"cell": origin.cell, "line": origin.line})
        return True

    def _library_draw(self, cell: Cell, call: ast.Call, name: str) -> None:
        parts = name.split(".")
        shown = _shown(call)
        if parts[0] == "random" and len(parts) == 2 and parts[1] in _RANDOM_DRAWS and "random" not in self.seeded:
            self._report(cell, call, f"`{shown}` draws from Python's global generator, which is never seeded",
                         "call `random.seed(seed)` in the first code cell, or draw from `random.Random(seed)`",
                         call=shown)
        elif (parts[:2] == ["numpy", "random"] and len(parts) == 3 and parts[2] not in _NUMPY_NOT_DRAWS
              and "numpy" not in self.seeded):
            self._report(cell, call, f"`{shown}` draws from NumPy's global generator, which is never seeded",
                         "use `rng = np.random.default_rng(seed)` and draw from `rng` (or call `np.random.seed(seed)`"
                         " first)", call=shown)
        elif parts[0] == "sklearn" and "numpy" not in self.seeded:
            self._sklearn(cell, call, parts[-1])
        elif parts[0] == "torch" and "torch" not in self.seeded and _torch_random(parts, call):
            self._report(cell, call, f"`{shown}` is random and no `torch.manual_seed(...)` runs before it",
                         "call `torch.manual_seed(seed)` in the first code cell", call=shown)
        elif parts[0] in ("tensorflow", "keras") and "tensorflow" not in self.seeded and _tf_random(parts):
            self._report(cell, call, f"`{shown}` is random and no `tf.random.set_seed(...)` runs before it",
                         "call `tf.keras.utils.set_random_seed(seed)` in the first code cell", call=shown)

    def _sklearn(self, cell: Cell, call: ast.Call, short: str) -> None:
        if short in _SKLEARN_IF_SHUFFLED:
            shuffle = keyword(call, "shuffle")
            if not (isinstance(shuffle, ast.Constant) and shuffle.value is True):
                return
        elif short not in _SKLEARN:
            return
        state = keyword(call, "random_state")
        if has_kwargs_splat(call) or (state is not None and not is_none(state)):
            return
        shown = _shown(call)
        self._report(cell, call, f"`{shown}` gets no `random_state`: its result changes from run to run",
                     "pass `random_state=seed`", call=shown)

    def _dataframe_sample(self, cell: Cell, call: ast.Call) -> None:
        if has_kwargs_splat(call) or len(call.args) >= 5 or "numpy" in self.seeded:
            return
        state = keyword(call, "random_state")
        if state is None or is_none(state):
            shown = _shown(call)
            self._report(cell, call, f"`{shown}` samples without `random_state`: every run picks other rows",
                         "pass `random_state=seed`", call=shown)


def _first(call: ast.Call) -> ast.expr | None:
    return call.args[0] if call.args else (call.keywords[0].value if call.keywords else None)


def _torch_random(parts: list[str], call: ast.Call) -> bool:
    if len(parts) == 2 and parts[1] in _TORCH_DRAWS:
        return True
    if parts[1:2] == ["nn"] and parts[-1] in _TORCH_LAYERS:
        return True
    if parts[-1] == "random_split":
        return True
    if parts[-1] == "DataLoader":
        shuffle = keyword(call, "shuffle")
        return isinstance(shuffle, ast.Constant) and shuffle.value is True
    return False


def _tf_random(parts: list[str]) -> bool:
    if parts[:2] == ["tensorflow", "random"] and len(parts) == 3:
        return parts[2] in _TF_DRAWS
    return "layers" in parts and parts[-1] in _KERAS_LAYERS


def check_unseeded_random(notebook: Notebook) -> list[Finding]:
    """``unseeded-random`` findings of a notebook, in run order."""
    return _Checker(notebook).run()


def unseeded_random(sources: Sequence[str], path: str = "<cells>") -> list[Finding]:
    """``unseeded-random`` findings of code cells given as sources (a finding's ``cell`` indexes ``sources``).

    Pure: nothing is read or run. The cells are taken as one notebook's code in run order, so a generator
    made without a seed in one cell is reported in every later cell that draws from it.
    """
    return check_unseeded_random(notebook_from_sources(sources, path))
