"""Phase 2 of HADA: one decision tree per hardware x target, its depth chosen by cross-validation (or set by the
user), with cross-validated MAE, R² and absolute errors (the robustness margin is a quantile of these). Or, as an
option, gradient boosting: at most MAX_BOOSTED_TREES trees of depth at most MAX_BOOSTED_DEPTH (few shallow trees
keep the solver's model small), the number of trees chosen by cross-validation or set by the user.

scikit-learn is imported inside the functions: importing this module costs nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from carbon_gui.core.dimensioning.dataset import BenchmarkSet, FloatArray
from carbon_gui.core.dimensioning.surrogate import BOOSTING, LEAF, TREE, BoostedTrees, IntArray, Surrogate, TreeModel
from carbon_gui.core.errors import InputError

DEPTHS = tuple(range(1, 13))  # the depths cross-validation chooses from
MAX_DEPTH = 30
FOLDS = 5
SEED = 0  # folds and trees are reproducible: the same data gives the same surrogates
KINDS = (TREE, BOOSTING)
MAX_BOOSTED_TREES = 50
MAX_BOOSTED_DEPTH = 3
DEFAULT_BOOSTED_DEPTH = 3  # not chosen by CV: 3 depths would triple the fitting time (docs/DIMENSIONING.md)
LEARNING_RATE = 0.1

Progress = Callable[[int, int, str], None]  # (done, total, what is being done)
CancelFlag = Callable[[], bool]  # e.g. threading.Event().is_set


class Cancelled(Exception):
    """The caller's cancel flag was set (between two surrogates or two solves); nothing is returned."""


@dataclass(frozen=True)
class Surrogates:
    by_key: dict[tuple[str, str], Surrogate]  # (hardware, target) -> model

    def get(self, hardware: str, target: str) -> Surrogate | None:
        return self.by_key.get((hardware, target))


def check_depth(depth: int, kind: str = TREE) -> int:
    if kind == BOOSTING and not 1 <= depth <= MAX_BOOSTED_DEPTH:
        raise InputError(
            f"With gradient boosting the depth of each tree must be a whole number from 1 to {MAX_BOOSTED_DEPTH} "
            f"(shallow trees keep the optimisation model small), not {depth}."
        )
    if not 1 <= depth <= MAX_DEPTH:
        raise InputError(f"The tree depth must be a whole number from 1 to {MAX_DEPTH}, not {depth}.")
    return depth


def check_trees(trees: int) -> int:
    if not 1 <= trees <= MAX_BOOSTED_TREES:
        raise InputError(
            f"The number of boosted trees must be a whole number from 1 to {MAX_BOOSTED_TREES}, not {trees}."
        )
    return trees


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InputError(f"Unknown surrogate model '{kind}': choose {' or '.join(KINDS)}.")
    return kind


def fit_surrogates(
    data: BenchmarkSet,
    targets: Iterable[str] | None = None,
    depth: int | None = None,
    progress: Progress | None = None,
    cancelled: CancelFlag | None = None,
    kind: str = TREE,
    trees: int | None = None,
) -> Surrogates:
    """A surrogate per hardware x target (all targets when `targets` is None; a hardware without a target is
    skipped). `kind` TREE: `depth` None is chosen by cross-validation from DEPTHS. BOOSTING: `depth` None is
    DEFAULT_BOOSTED_DEPTH, `trees` None chosen by cross-validation. Reports progress after each surrogate and
    checks `cancelled` between them (raises Cancelled)."""
    check_kind(kind)
    if depth is not None:
        check_depth(depth, kind)
    if trees is not None and kind != BOOSTING:
        raise InputError("A number of trees applies to gradient boosting only: choose the boosting model too.")
    if trees is not None:
        check_trees(trees)
    wanted = data.target_names if targets is None else list(dict.fromkeys(targets))
    jobs = [(p, t) for p in data.platforms for t in wanted if t in p.targets]
    fitted: dict[tuple[str, str], Surrogate] = {}
    for done, (platform, target) in enumerate(jobs):
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(done, len(jobs), f"{platform.hardware}: {target}")
        inputs, values = platform.inputs, platform.targets[target]
        fitted[(platform.hardware, target)] = (
            fit_boosted(platform.hardware, target, inputs, values, depth, trees)
            if kind == BOOSTING
            else fit_one(platform.hardware, target, inputs, values, depth)
        )
    if progress is not None:
        progress(len(jobs), len(jobs), "done")
    return Surrogates(fitted)


def fit_one(hardware: str, target: str, inputs: FloatArray, values: FloatArray, depth: int | None) -> Surrogate:
    from sklearn.model_selection import KFold
    from sklearn.tree import DecisionTreeRegressor

    def fitted(max_depth: int, rows: slice | IntArray) -> TreeModel:
        return tree_model(DecisionTreeRegressor(max_depth=max_depth, random_state=SEED).fit(inputs[rows], values[rows]))

    # One tree per fold at the largest depth considered: CART grows greedily from the root, so that tree cut at
    # depth d is the depth-d tree, and one fit per fold scores every depth (12 times fewer fits).
    splits = KFold(min(FOLDS, len(values)), shuffle=True, random_state=SEED).split(inputs) if len(values) > 1 else ()
    folds = [(test, fitted(max(DEPTHS) if depth is None else check_depth(depth), train)) for train, test in splits]

    def cv_predictions(max_depth: int) -> FloatArray:
        predicted = np.array(values, dtype=np.float64)  # one run: no held-out prediction, zero error
        for test, tree in folds:
            predicted[test] = tree.predict(inputs[test], max_depth)
        return predicted

    if depth is None:
        # the shallowest depth with the lowest cross-validated mean absolute error
        scored = [(float(np.mean(np.abs(cv_predictions(d) - values))), d) for d in DEPTHS]
        chosen, how = min(scored)[1], "cross-validation"
    else:
        chosen, how = depth, "user"
    errors = cv_predictions(chosen) - values
    return Surrogate(hardware, target, fitted(chosen, slice(None)), chosen, how, *_scores(errors, values))


def fit_boosted(
    hardware: str, target: str, inputs: FloatArray, values: FloatArray, depth: int | None, trees: int | None
) -> Surrogate:
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.model_selection import KFold

    depth_used = DEFAULT_BOOSTED_DEPTH if depth is None else depth

    def fitted(count: int, rows: slice | IntArray) -> object:
        model = GradientBoostingRegressor(
            n_estimators=count, max_depth=depth_used, learning_rate=LEARNING_RATE, random_state=SEED
        )
        return model.fit(inputs[rows], values[rows])

    # One fit per fold with the most trees: boosting adds trees one by one, so its staged predictions are those of
    # every smaller count, and one fit scores them all.
    most = MAX_BOOSTED_TREES if trees is None else trees
    cv_predictions = np.tile(np.array(values, dtype=np.float64), (most, 1))  # [count - 1, run]; one run: no error
    if len(values) > 1:
        for train, test in KFold(min(FOLDS, len(values)), shuffle=True, random_state=SEED).split(inputs):
            staged = fitted(most, train).staged_predict(inputs[test])  # type: ignore[attr-defined]
            for count, predicted in enumerate(staged):
                cv_predictions[count, test] = predicted
    # trees None: the fewest trees with the lowest cross-validated mean absolute error
    chosen = int(np.argmin(np.mean(np.abs(cv_predictions - values), axis=1))) + 1 if trees is None else trees
    errors = cv_predictions[chosen - 1] - values
    return Surrogate(
        hardware,
        target,
        boosted_model(fitted(chosen, slice(None))),
        depth_used,
        "default" if depth is None else "user",
        *_scores(errors, values),
        trees_chosen_by="cross-validation" if trees is None else "user",
    )


def _scores(errors: FloatArray, values: FloatArray) -> tuple[float, float, FloatArray]:
    """Cross-validated MAE, R² and the sorted absolute errors (the margin's quantiles)."""
    spread = float(np.sum((values - values.mean()) ** 2))
    r2 = 1.0 - float(np.sum(errors**2)) / spread if spread > 0 else (1.0 if not errors.any() else 0.0)
    return float(np.mean(np.abs(errors))), r2, np.sort(np.abs(errors))


def boosted_model(model: object) -> BoostedTrees:
    """A fitted GradientBoostingRegressor (squared error: its start is the mean) copied into core's plain arrays."""
    init = float(model.init_.constant_[0][0])  # type: ignore[attr-defined]
    trees = tuple(tree_model(stage[0]) for stage in model.estimators_)  # type: ignore[attr-defined]
    return BoostedTrees(init, float(model.learning_rate), trees)  # type: ignore[attr-defined]


def tree_model(model: object) -> TreeModel:
    """A fitted DecisionTreeRegressor copied into core's plain arrays."""
    tree = model.tree_  # type: ignore[attr-defined]
    left = np.asarray(tree.children_left, dtype=np.int64)
    right = np.asarray(tree.children_right, dtype=np.int64)
    return TreeModel(
        feature=np.asarray(tree.feature, dtype=np.int64),
        threshold=np.asarray(tree.threshold, dtype=np.float64),
        left=np.where(left < 0, LEAF, left),
        right=np.where(right < 0, LEAF, right),
        value=np.asarray(tree.value[:, 0, 0], dtype=np.float64),
    )
