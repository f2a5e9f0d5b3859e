"""Phase 2 of HADA: one decision tree per hardware x target, its depth chosen by cross-validation (or set by the
user), with cross-validated MAE, R² and absolute errors (the robustness margin is a quantile of these).

scikit-learn is imported inside the functions: importing this module costs nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from carbon_gui.core.dimensioning.dataset import BenchmarkSet, FloatArray
from carbon_gui.core.dimensioning.surrogate import LEAF, IntArray, Surrogate, TreeModel
from carbon_gui.core.errors import InputError

DEPTHS = tuple(range(1, 13))  # the depths cross-validation chooses from
MAX_DEPTH = 30
FOLDS = 5
SEED = 0  # folds and trees are reproducible: the same data gives the same surrogates

Progress = Callable[[int, int, str], None]  # (done, total, what is being done)
CancelFlag = Callable[[], bool]  # e.g. threading.Event().is_set


class Cancelled(Exception):
    """The caller's cancel flag was set (between two surrogates or two solves); nothing is returned."""


@dataclass(frozen=True)
class Surrogates:
    by_key: dict[tuple[str, str], Surrogate]  # (hardware, target) -> model

    def get(self, hardware: str, target: str) -> Surrogate | None:
        return self.by_key.get((hardware, target))


def check_depth(depth: int) -> int:
    if not 1 <= depth <= MAX_DEPTH:
        raise InputError(f"The tree depth must be a whole number from 1 to {MAX_DEPTH}, not {depth}.")
    return depth


def fit_surrogates(
    data: BenchmarkSet,
    targets: Iterable[str] | None = None,
    depth: int | None = None,
    progress: Progress | None = None,
    cancelled: CancelFlag | None = None,
) -> Surrogates:
    """A surrogate per hardware x target (all targets when `targets` is None; a hardware without a target is
    skipped). `depth` None: chosen by cross-validation from DEPTHS. Reports progress after each surrogate and
    checks `cancelled` between them (raises Cancelled)."""
    wanted = data.target_names if targets is None else list(dict.fromkeys(targets))
    jobs = [(p, t) for p in data.platforms for t in wanted if t in p.targets]
    fitted: dict[tuple[str, str], Surrogate] = {}
    for done, (platform, target) in enumerate(jobs):
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(done, len(jobs), f"{platform.hardware}: {target}")
        fitted[(platform.hardware, target)] = fit_one(
            platform.hardware, target, platform.inputs, platform.targets[target], depth
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
    spread = float(np.sum((values - values.mean()) ** 2))
    r2 = 1.0 - float(np.sum(errors**2)) / spread if spread > 0 else (1.0 if not errors.any() else 0.0)
    return Surrogate(
        hardware=hardware,
        target=target,
        tree=fitted(chosen, slice(None)),
        depth=chosen,
        depth_chosen_by=how,
        cv_mae=float(np.mean(np.abs(errors))),
        cv_r2=r2,
        abs_errors=np.sort(np.abs(errors)),
    )


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
