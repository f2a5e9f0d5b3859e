"""Gradient boosting surrogates (issue 9 item 3): the plain-array copy predicts as scikit-learn, HiGHS with the
boosted sums embedded finds enumeration's optimum over random requests on the shared HADA data and on a 2-D space,
its own predicted values match the models at its answer (the encoding-bug check), an infeasible request still names
its conflicts, and the CLI's --model / --trees."""

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbon_gui.cli import main
from carbon_gui.core.dimensioning.dataset import BenchmarkSet
from carbon_gui.core.dimensioning.problem import Solution, encode, enumerate_best, grid
from carbon_gui.core.dimensioning.request import DimensionRequest, Objective, parse_constraint
from carbon_gui.core.dimensioning.surrogate import BoostedTrees
from carbon_gui.core.errors import InputError
from carbon_gui.dimensioning import cpsat, highs, service
from carbon_gui.dimensioning.fitting import BOOSTING, MAX_BOOSTED_DEPTH, MAX_BOOSTED_TREES, Surrogates, fit_surrogates
from carbon_gui.sources.benchmarks import load_benchmarks
from carbon_gui.sources.reference import ReferenceData
from tests.dimensioning.test_solver import HADA_TARGETS, ISSUE_REQUEST, requests

# no example database: .hypothesis is shared by parallel runs, and a stale entry replayed as a flaky strategy
FEW = settings(
    max_examples=10, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SOLVER_TOLERANCE = 1e-9  # relative: HiGHS sums real coefficients, enumeration walks the trees one by one


@pytest.fixture(scope="module")
def hada_boosted(hada: BenchmarkSet) -> Surrogates:
    return fit_surrogates(hada, [*HADA_TARGETS, "totEnergy(kW)"], kind=BOOSTING)


@pytest.fixture(scope="module")
def hada_small_boosted(hada: BenchmarkSet) -> Surrogates:
    """Fewer, shallower trees for the sum encoding: with 50 trees of depth 3 one HiGHS solve of it can take 30 s."""
    return fit_surrogates(hada, [*HADA_TARGETS, "totEnergy(kW)"], kind=BOOSTING, depth=2, trees=10)


@pytest.fixture(scope="module")
def toy_boosted(tmp_path_factory: pytest.TempPathFactory) -> tuple[BenchmarkSet, Surrogates]:
    from tests.dimensioning.conftest import write_pair

    folder = tmp_path_factory.mktemp("toy")
    write_pair(folder, "cpu-slow", price=1.0)
    write_pair(folder, "gpu-fast", price=3.0)
    data = load_benchmarks(folder)
    return data, fit_surrogates(data, kind=BOOSTING, depth=2)


def check_against_enumeration(
    data: BenchmarkSet,
    surrogates: Surrogates,
    request: DimensionRequest,
    solvers: tuple[str, ...] = ("highs",),
    summed_with: Surrogates | None = None,
) -> None:
    """Both encodings of a boosted model: as one tree of boxes (what the service uses here: exact, the same float as
    enumeration) and as a sum of trees (forced, on `summed_with` or the same models; HiGHS sums real coefficients,
    so equal within SOLVER_TOLERANCE)."""
    problem = service.build_problem(data, surrogates, request)
    expected = enumerate_best(problem)
    for solver in solvers:
        answer = service.solve(data, surrogates, request, solver=solver)
        assert answer.feasible == (expected is not None), request
        if expected is not None:
            assert answer.objective["value"] == expected.objective, request
            for c in request.constraints:  # the models themselves, at the answer, meet every (tightened) limit
                value, margin = answer.predicted[c.target], answer.margins[c.target]
                assert value + margin <= c.bound if c.sense == "<=" else value - margin >= c.bound
    if summed_with is not None:
        problem = service.build_problem(data, summed_with, request)
        expected = enumerate_best(problem)
    as_sums = encode(problem, max_cells=0)
    assert all(choice.sums and not choice.trees for choice in as_sums)
    summed = highs.solve(problem, as_sums)
    assert (summed is None) == (expected is None), request
    if summed is not None and expected is not None:
        assert math.isclose(summed.objective, expected.objective, rel_tol=SOLVER_TOLERANCE, abs_tol=1e-15), request
        assert set(summed.solver_values) == set(request.targets)
        service.check_encoding(problem, summed)  # its sums match the models at its point; the limits hold


def test_the_boosted_copy_predicts_as_scikit_learn(
    hada: BenchmarkSet, hada_boosted: Surrogates, toy_boosted: tuple[BenchmarkSet, Surrogates]
) -> None:
    from sklearn.ensemble import GradientBoostingRegressor

    toy, toy_surrogates = toy_boosted
    for data, surrogates in ((hada, hada_boosted), (toy, toy_surrogates)):
        for (hardware, target), surrogate in surrogates.by_key.items():
            assert isinstance(surrogate.model, BoostedTrees) and surrogate.kind == BOOSTING
            assert 1 <= surrogate.trees == len(surrogate.model.trees) <= MAX_BOOSTED_TREES
            assert surrogate.depth <= MAX_BOOSTED_DEPTH and surrogate.trees_chosen_by == "cross-validation"
            platform = data.platform(hardware)
            points = grid(tuple(platform.domain(i) for i in range(platform.inputs.shape[1])))
            model = GradientBoostingRegressor(n_estimators=surrogate.trees, max_depth=surrogate.depth, random_state=0)
            model.fit(platform.inputs, platform.targets[target])
            np.testing.assert_allclose(surrogate.model.predict(points), model.predict(points), rtol=1e-12)
            assert surrogate.cv_mae > 0 and surrogate.cv_r2 <= 1


@given(st.data())
@FEW
def test_highs_finds_enumerations_optimum_with_boosting_on_hada(
    hada: BenchmarkSet, hada_boosted: Surrogates, hada_small_boosted: Surrogates, data: st.DataObject
) -> None:
    request = data.draw(requests(hada, HADA_TARGETS))
    check_against_enumeration(hada, hada_boosted, request, summed_with=hada_small_boosted)


@given(st.data())
@FEW
def test_highs_finds_enumerations_optimum_with_boosting_on_two_dimensions(
    toy_boosted: tuple[BenchmarkSet, Surrogates], data: st.DataObject
) -> None:
    toy, surrogates = toy_boosted
    check_against_enumeration(toy, surrogates, data.draw(requests(toy, ["time(sec)", "acc", "totEnergy(kW)"])))


@pytest.mark.parametrize(
    "objective",
    [Objective("CO2e(kg)", "minimize"), Objective("time(sec)", "minimize"), Objective("sol(keuro)", "maximize")],
)
def test_the_issues_constraints_with_boosting_match_enumeration(
    hada: BenchmarkSet, hada_boosted: Surrogates, hada_small_boosted: Surrogates, objective: Objective
) -> None:
    for margin in (None, 0.5):
        request = DimensionRequest(objective, ISSUE_REQUEST.constraints, margin)
        check_against_enumeration(hada, hada_boosted, request, ("highs", "cp-sat"), hada_small_boosted)
        answer = service.solve(hada, hada_boosted, request)
        assert set(answer.raw_check) == {"time(sec)", "sol(keuro)", "memAvg(MB)"}
        assert all(share is None or 0.0 <= share <= 1.0 for share in answer.raw_check.values())
        assert answer.surrogates[objective.target]["kind"] == BOOSTING


def test_with_regions_boosting_chooses_the_region_too(
    hada: BenchmarkSet, hada_boosted: Surrogates, reference: ReferenceData
) -> None:
    request = DimensionRequest(
        Objective("CO2e(kg)", "minimize"), ISSUE_REQUEST.constraints, regions=("europe-west1", "asia-south1")
    )
    regions = service.region_carbon(reference, request.regions)
    expected = enumerate_best(service.build_problem(hada, hada_boosted, request, regions))
    answer = service.solve(hada, hada_boosted, request, regions)
    assert expected is not None and answer.feasible
    assert answer.objective["value"] == expected.objective
    assert answer.region == min(regions, key=lambda r: r.kg_per_it_kwh).region


def test_cp_sat_refuses_a_boosted_sum_with_a_clear_message(hada: BenchmarkSet, hada_small_boosted: Surrogates) -> None:
    problem = service.build_problem(hada, hada_small_boosted, ISSUE_REQUEST)
    with pytest.raises(InputError, match="choose the HiGHS solver"):
        cpsat.solve(problem, encode(problem, max_cells=0))


def test_a_boosted_model_cut_into_boxes_predicts_as_the_model_everywhere(
    toy_boosted: tuple[BenchmarkSet, Surrogates],
) -> None:
    toy, surrogates = toy_boosted
    for (hardware, _), surrogate in surrogates.by_key.items():
        assert isinstance(surrogate.model, BoostedTrees)
        platform = toy.platform(hardware)
        domains = tuple(platform.domain(i) for i in range(platform.inputs.shape[1]))
        points = grid(domains)
        predicted = surrogate.model.predict(points)
        index_grid = np.array(list(itertools.product(*(range(len(d)) for d in domains))))
        covered = np.zeros(len(points), dtype=int)
        cells = surrogate.model.cells(domains)
        assert len(cells) == surrogate.model.cell_count(domains) > 1
        for cell in cells:
            inside = np.all((index_grid >= cell.low) & (index_grid <= cell.high), axis=1)
            assert np.all(predicted[inside] == cell.value)
            covered += inside
        assert np.all(covered == 1)


def test_an_infeasible_boosted_request_names_the_conflicting_constraints(
    hada: BenchmarkSet, hada_boosted: Surrogates, hada_small_boosted: Surrogates
) -> None:
    request = DimensionRequest(
        Objective("CO2e(kg)", "minimize"),
        tuple(parse_constraint(t) for t in ("memAvg(MB)<=350", "time(sec)<=0.5", "sol(keuro)<=250")),
        margin_quantile=0.5,
    )
    answer = service.solve(hada, hada_boosted, request)
    assert not answer.feasible and answer.conflicts == ["time(sec)", "sol(keuro)"]
    problem = service.build_problem(hada, hada_small_boosted, request)
    assert highs.solve(problem, encode(problem, max_cells=0)) is None  # the sum encoding agrees it is infeasible
    assert set(answer.conflict_distance) == {"time(sec)<=0.5", "sol(keuro)<=250"}
    assert all(distance > 0 for distance in answer.conflict_distance.values())


def test_a_solver_value_that_disagrees_with_the_models_is_an_encoding_bug(
    hada: BenchmarkSet, hada_boosted: Surrogates
) -> None:
    problem = service.build_problem(hada, hada_boosted, ISSUE_REQUEST)
    found = enumerate_best(problem)
    assert found is not None
    point = np.array([problem.choices[found.choice].configuration(found.indices)])
    true_value = float(problem.choices[found.choice].terms["time(sec)"].predict(point)[0])
    service.check_encoding(problem, Solution(found.choice, found.indices, found.objective, {"time(sec)": true_value}))
    wrong = Solution(found.choice, found.indices, found.objective, {"time(sec)": true_value * (1 + 1e-5)})
    with pytest.raises(service.EncodingBug, match="time"):
        service.check_encoding(problem, wrong)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(["dimension", *args])
    except SystemExit as exit_info:
        code = exit_info.code if isinstance(exit_info.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_fits_boosting_and_matches_enumeration(hada_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    issue = ["--minimize", "CO2e(kg)", "--constraint", "time(sec)<=300", "--constraint", "sol(keuro)<=350",
             "--constraint", "memAvg(MB)<=350", "--model", "boosting", "--trees", "20", "--json"]  # fmt: skip
    answers = []
    for solver in ("highs", "enumeration", "cp-sat"):
        code, out, err = cli(capsys, "--data", str(hada_dir), *issue, "--solver", solver)
        assert code == 0, err
        answers.append(json.loads(out))
    exact, enumerated, cp_sat = answers
    assert cp_sat["objective"] == exact["objective"]
    assert exact["feasible"] and exact["solver"] == "highs"
    assert {model["kind"] for model in exact["surrogates"].values()} == {BOOSTING}
    assert {model["trees"] for model in exact["surrogates"].values()} == {20}
    assert {model["depth"] for model in exact["surrogates"].values()} == {MAX_BOOSTED_DEPTH}
    assert exact["objective"] == enumerated["objective"] and exact["predicted"] == enumerated["predicted"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "boosting", "--depth", "4"], "depth"),
        (["--model", "boosting", "--trees", "0"], "trees"),
        (["--model", "boosting", "--trees", "51"], "trees"),
        (["--trees", "10"], "--model boosting"),
        (["--model", "forest"], "forest"),
    ],
)
def test_bad_boosting_options_exit_2_with_one_line(
    toy_dir: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code, out, err = cli(capsys, "--data", str(toy_dir), "--minimize", "time(sec)", *extra, "--json")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert message in lines[-1] and "Traceback" not in err
