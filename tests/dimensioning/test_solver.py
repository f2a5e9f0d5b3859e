"""The exact solvers agree with exhaustive enumeration over the same surrogates: a property test over random
requests (objective, constraints, margins, regions) on the shared HADA data and on a 2-D synthetic space, the
issue's correctness request, and the pieces the solver embeds (tree copy, leaf boxes)."""

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbon_gui.core.dimensioning.dataset import BenchmarkSet
from carbon_gui.core.dimensioning.problem import enumerate_best, grid, undominated
from carbon_gui.core.dimensioning.request import (
    AT_LEAST,
    AT_MOST,
    MAXIMIZE,
    MINIMIZE,
    Constraint,
    DimensionRequest,
    Objective,
    parse_constraint,
)
from carbon_gui.dimensioning import service
from carbon_gui.dimensioning.fitting import Surrogates, fit_surrogates
from carbon_gui.sources.benchmarks import load_benchmarks
from carbon_gui.sources.reference import ReferenceData

HADA_TARGETS = ["time(sec)", "sol(keuro)", "memAvg(MB)", "CO2e(kg)"]
REGIONS = ["europe-west1", "us-central1", "asia-south1", "europe-north1"]
ISSUE_REQUEST = DimensionRequest(
    Objective("CO2e(kg)", MINIMIZE),
    tuple(parse_constraint(t) for t in ("time(sec)<=300", "sol(keuro)<=350", "memAvg(MB)<=350")),
)
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def requests(
    draw: st.DrawFn, data: BenchmarkSet, targets: list[str], carbon_factors: list[float] | None = None
) -> DimensionRequest:
    """An objective, up to 3 constraints with limits drawn from the spread of the raw runs, maybe a margin; with
    `carbon_factors` (kg CO2e per kWh of some regions), regions too, and carbon limits drawn from energy x one of
    those factors (the spread regional carbon really has)."""
    objective = Objective(draw(st.sampled_from(targets)), draw(st.sampled_from([MINIMIZE, MAXIMIZE])))
    constraints = []
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from(targets))
        if carbon_factors and target == "CO2e(kg)":
            energy = np.concatenate([p.targets["totEnergy(kW)"] for p in data.platforms])
            values = energy * draw(st.sampled_from(carbon_factors))
        else:
            values = np.concatenate([p.targets[target] for p in data.platforms])
        bound = float(np.quantile(values, draw(st.floats(0.02, 0.98))))
        constraints.append(Constraint(target, draw(st.sampled_from([AT_MOST, AT_LEAST])), bound))
    margin = draw(st.one_of(st.none(), st.floats(0.0, 1.0)))
    regions = st.lists(st.sampled_from(REGIONS), min_size=1, max_size=4, unique=True)
    chosen = tuple(draw(regions)) if carbon_factors else ()
    return DimensionRequest(objective, tuple(constraints), margin, regions=chosen)


def check_against_enumeration(
    data: BenchmarkSet, surrogates: Surrogates, request: DimensionRequest, solver: str, reference: ReferenceData
) -> None:
    regions = service.region_carbon(reference, request.regions) if request.regions else None
    expected = enumerate_best(service.build_problem(data, surrogates, request, regions))
    answer = service.solve(data, surrogates, request, regions, solver=solver)
    assert answer.feasible == (expected is not None)
    if expected is None:
        return
    assert answer.objective["value"] == expected.objective  # the same float: both read the same leaf value
    assert answer.predicted[request.objective.target] == expected.objective


@given(st.data(), st.sampled_from(["cp-sat", "highs"]))
@PROPERTY
def test_solvers_find_enumerations_optimum_on_hada(
    hada: BenchmarkSet, hada_depth10: Surrogates, reference: ReferenceData, data: st.DataObject, solver: str
) -> None:
    request = data.draw(requests(hada, HADA_TARGETS))
    check_against_enumeration(hada, hada_depth10, request, solver, reference)


@given(st.data(), st.sampled_from(["cp-sat", "highs"]))
@PROPERTY
def test_with_regions_the_solver_chooses_region_too_and_agrees(
    hada: BenchmarkSet, hada_depth10: Surrogates, reference: ReferenceData, data: st.DataObject, solver: str
) -> None:
    """Regions that can never beat another of the same hardware are not modelled: enumeration keeps them all."""
    factors = [r.kg_per_it_kwh for r in service.region_carbon(reference, tuple(REGIONS))]
    request = data.draw(requests(hada, HADA_TARGETS, factors))
    check_against_enumeration(hada, hada_depth10, request, solver, reference)


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> tuple[BenchmarkSet, Surrogates]:
    from tests.dimensioning.conftest import write_pair

    folder = tmp_path_factory.mktemp("toy")
    write_pair(folder, "cpu-slow", price=1.0)
    write_pair(folder, "gpu-fast", price=3.0)
    data = load_benchmarks(folder)
    return data, fit_surrogates(data)


@given(st.data(), st.sampled_from(["cp-sat", "highs"]))
@PROPERTY
def test_solvers_agree_on_a_two_dimensional_space(
    toy: tuple[BenchmarkSet, Surrogates], reference: ReferenceData, data: st.DataObject, solver: str
) -> None:
    """layers (int) x lr (float): leaf boxes in two dimensions, which the 1-D HADA data never exercises."""
    dataset, surrogates = toy
    request = data.draw(requests(dataset, ["time(sec)", "acc", "totEnergy(kW)"]))
    check_against_enumeration(dataset, surrogates, request, solver, reference)


@pytest.mark.parametrize("fit", ["hada_depth10", "hada_cv"])
@pytest.mark.parametrize("hardware", [None, "mbp19", "leonardo"])
def test_the_issues_request_matches_enumeration(
    hada_dir: Path, request: pytest.FixtureRequest, fit: str, hardware: str | None, tmp_path: Path
) -> None:
    """minimise CO2e(kg) s.t. time(sec) <= 300, sol(keuro) <= 350, memAvg(MB) <= 350: both datasets together and
    each alone; prints the raw check (pytest -s shows it)."""
    data = load_benchmarks(hada_dir)
    if hardware is not None:
        data = BenchmarkSet(data.algorithm, (data.platform(hardware),))
    surrogates: Surrogates = request.getfixturevalue(fit)
    expected = enumerate_best(service.build_problem(data, surrogates, ISSUE_REQUEST))
    assert expected is not None
    for solver in ("cp-sat", "highs"):
        answer = service.solve(data, surrogates, ISSUE_REQUEST, solver=solver)
        assert answer.feasible and answer.objective["value"] == expected.objective
        assert answer.predicted["time(sec)"] <= 300 and answer.predicted["sol(keuro)"] <= 350
        assert answer.predicted["memAvg(MB)"] <= 350
        assert set(answer.raw_check) == {"time(sec)", "sol(keuro)", "memAvg(MB)"}
        assert all(share is None or 0.0 <= share <= 1.0 for share in answer.raw_check.values())
    print(f"\n{fit} {hardware or 'both'}: {answer.hardware} {answer.configuration} raw check {answer.raw_check}")


def test_conflicts_are_the_smallest_set_and_their_distances_are_exact(
    hada: BenchmarkSet, hada_depth10: Surrogates
) -> None:
    """time <= 0.5 s is out of reach and sol <= 250 too: dropping either alone is not enough, both are needed."""
    request = DimensionRequest(
        Objective("CO2e(kg)", MINIMIZE),
        tuple(parse_constraint(t) for t in ("memAvg(MB)<=350", "time(sec)<=0.5", "sol(keuro)<=250")),
        margin_quantile=0.5,
    )
    answer = service.solve(hada, hada_depth10, request)
    assert not answer.feasible and answer.conflicts == ["time(sec)", "sol(keuro)"]

    def feasible(req: DimensionRequest) -> bool:
        return enumerate_best(service.build_problem(hada, hada_depth10, req)) is not None

    assert feasible(request.without(frozenset({1, 2})))
    assert not any(feasible(request.without(frozenset({i}))) for i in range(3))
    for index in (1, 2):  # moving a limit by its distance (and no less) makes it reachable, the other one dropped
        c = request.constraints[index]
        distance = answer.conflict_distance[c.text()]
        assert distance > 0
        for moved, reachable in ((distance * (1 + 1e-9), True), (distance * (1 - 1e-6), False)):
            kept = Constraint(c.target, c.sense, c.bound + moved)
            probe = DimensionRequest(request.objective, (request.constraints[0], kept), request.margin_quantile)
            assert feasible(probe) is reachable, (c.text(), moved)


def test_binding_constraints_are_those_whose_removal_improves_the_optimum(
    hada: BenchmarkSet, hada_depth10: Surrogates
) -> None:
    answer = service.solve(hada, hada_depth10, ISSUE_REQUEST)
    for index, c in enumerate(ISSUE_REQUEST.constraints):
        relaxed = enumerate_best(service.build_problem(hada, hada_depth10, ISSUE_REQUEST.without(frozenset({index}))))
        assert relaxed is not None
        assert (relaxed.objective < answer.objective["value"]) == (c.target in answer.binding)
    assert answer.binding  # sol(keuro) <= 350 decides: cheaper plans need more scenarios


def test_the_tree_copy_predicts_as_scikit_learn_and_its_leaves_tile_the_space(
    toy: tuple[BenchmarkSet, Surrogates], hada: BenchmarkSet, hada_depth10: Surrogates
) -> None:
    from sklearn.tree import DecisionTreeRegressor

    dataset, toy_surrogates = toy
    for data, surrogates in ((hada, hada_depth10), (dataset, toy_surrogates)):
        for (hardware, target), surrogate in surrogates.by_key.items():
            platform = data.platform(hardware)
            domains = tuple(platform.domain(i) for i in range(platform.inputs.shape[1]))
            points = grid(domains)
            model = DecisionTreeRegressor(max_depth=surrogate.depth, random_state=0)
            model.fit(platform.inputs, platform.targets[target])
            predicted = surrogate.model.predict(points)
            np.testing.assert_array_equal(predicted, model.predict(points))
            covered = np.zeros(len(points), dtype=int)
            for leaf in surrogate.model.leaves(domains):
                index_grid = np.array(list(itertools.product(*(range(len(d)) for d in domains))))
                inside = np.all((index_grid >= leaf.low) & (index_grid <= leaf.high), axis=1)
                assert np.all(predicted[inside] == leaf.value)
                covered += inside
            assert np.all(covered == 1), f"{hardware} {target}: leaf boxes overlap or leave gaps"


def test_the_carbon_by_region_is_energy_times_pue_times_intensity(
    hada: BenchmarkSet, hada_depth10: Surrogates, reference: ReferenceData
) -> None:
    request = DimensionRequest(Objective("CO2e(kg)", MINIMIZE), regions=("europe-west1", "asia-south1"))
    regions = service.region_carbon(reference, request.regions)
    answer = service.solve(hada, hada_depth10, request, regions)
    region = reference.catalog.region(answer.region or "")
    intensity = reference.catalog.carbon(region.name, reference.catalog.latest_carbon_year).intensity_gco2_kwh
    energy = hada_depth10.get(answer.hardware or "", "totEnergy(kW)")
    assert energy is not None and intensity is not None
    kwh = float(energy.model.predict(np.array([[answer.configuration["nScenarios"]]], dtype=float))[0])
    assert math.isclose(answer.predicted["CO2e(kg)"], kwh * region.pue * intensity / 1000, rel_tol=1e-12)
    assert answer.region == min(regions, key=lambda r: r.kg_per_it_kwh).region  # same energy: the cleanest grid
    assert any("not a machine type" in note for note in answer.notes)
    assert f"{region.name}: {intensity:g} gCO₂e/kWh (Google" in "\n".join(answer.notes)  # the figure used, sourced


def test_a_machine_type_gets_a_cost_by_region(tmp_path: Path, reference: ReferenceData) -> None:
    from tests.dimensioning.conftest import write_pair

    write_pair(tmp_path, "n1-standard-8")
    write_pair(tmp_path, "laptop")
    data = load_benchmarks(tmp_path)
    request = DimensionRequest(Objective("cost(USD)", MINIMIZE), regions=("europe-west1", "us-central1"))
    regions = service.region_carbon(reference, request.regions)
    prices = service.machine_prices(reference, data.hardware, request.regions)
    answer = service.solve(data, service.fit_for(data, request), request, regions, prices)
    assert answer.hardware == "n1-standard-8"  # the laptop has no price: left out, and said so
    assert any("laptop" in note and "left out" in note for note in answer.notes)
    price = prices[("n1-standard-8", answer.region or "")]
    assert price == min(prices.values())
    time_model = service.fit_for(data, request).get("n1-standard-8", "time(sec)")
    assert time_model is not None
    point = np.array([[answer.configuration["layers"], answer.configuration["lr"]]], dtype=float)
    seconds = float(time_model.model.predict(point)[0])
    assert math.isclose(answer.predicted["cost(USD)"], seconds / 3600 * price, rel_tol=1e-12)


def test_a_threshold_on_a_domain_value_sends_that_value_left_in_both_views() -> None:
    """x <= threshold goes left. Fitted trees split half-way between values, so only a tree built by hand can put a
    threshold exactly on a value: the leaf boxes and the walk must agree there too."""
    from carbon_gui.core.dimensioning.surrogate import LEAF, TreeModel

    tree = TreeModel(
        feature=np.array([0, LEAF, LEAF]),
        threshold=np.array([3.0, 0.0, 0.0]),
        left=np.array([1, LEAF, LEAF]),
        right=np.array([2, LEAF, LEAF]),
        value=np.array([0.0, 10.0, 20.0]),
    )
    domain = (np.arange(1.0, 6.0),)
    assert sorted((leaf.low, leaf.high, leaf.value) for leaf in tree.leaves(domain)) == [
        ((0,), (2,), 10.0),  # 1, 2, 3
        ((3,), (4,), 20.0),  # 4, 5
    ]
    assert tree.predict(np.array([[3.0], [4.0]])).tolist() == [10.0, 20.0]


def raw_share(data: BenchmarkSet, hardware: str, configuration: dict[str, float], target: str, ok: object) -> float:
    """The share of the raw runs at `configuration` whose `target` passes `ok`, straight from the loaded rows."""
    platform = data.platform(hardware)
    names = [h.name for h in platform.hyperparameters]
    rows = [
        i for i in range(platform.runs) if all(platform.inputs[i, k] == configuration[n] for k, n in enumerate(names))
    ]
    assert rows, "no raw run at the answer's configuration"
    return sum(bool(ok(platform.targets[target][i])) for i in rows) / len(rows)  # type: ignore[operator]


def test_the_raw_check_counts_the_runs_at_the_answer(
    hada: BenchmarkSet, hada_depth10: Surrogates, reference: ReferenceData
) -> None:
    answer = service.solve(hada, hada_depth10, ISSUE_REQUEST)
    assert answer.hardware is not None
    for c in ISSUE_REQUEST.constraints:
        expected = raw_share(hada, answer.hardware, answer.configuration, c.target, lambda v, b=c.bound: v <= b)
        assert answer.raw_check[c.target] == expected
    assert answer.raw_check["sol(keuro)"] < 1.0  # the model's mean meets the limit, not every run: why margins exist

    # with regions, the raw check scales each run's energy by the region's PUE x intensity, as the surrogate does
    limit = 0.0001  # the best plan (lowest cost in keuro) sits on this limit: some runs meet it, some do not
    request = DimensionRequest(
        Objective("sol(keuro)", MINIMIZE), (Constraint("CO2e(kg)", AT_MOST, limit),), regions=("asia-south1",)
    )
    regions = service.region_carbon(reference, request.regions)
    answer = service.solve(hada, hada_depth10, request, regions)
    assert answer.hardware is not None
    factor = regions[0].kg_per_it_kwh
    expected = raw_share(hada, answer.hardware, answer.configuration, "totEnergy(kW)", lambda v: v * factor <= limit)
    assert answer.raw_check["CO2e(kg)"] == expected
    assert 0 < expected < 1


def test_a_margin_tightens_an_at_least_limit_downwards(toy: tuple[BenchmarkSet, Surrogates]) -> None:
    """A limit just under the margin-free answer's accuracy: with the margin, that answer no longer qualifies."""
    dataset, surrogates = toy
    objective = Objective("time(sec)", MINIMIZE)
    plain = service.solve(dataset, surrogates, DimensionRequest(objective, (Constraint("acc", AT_LEAST, 0.7),)))
    model = surrogates.get(plain.hardware or "", "acc")
    assert model is not None and model.margin(0.9) > 0
    limit = plain.predicted["acc"] - model.margin(0.9) / 2
    answer = service.solve(dataset, surrogates, DimensionRequest(objective, (Constraint("acc", AT_LEAST, limit),), 0.9))
    assert answer.feasible and answer.margins["acc"] > 0
    assert answer.predicted["acc"] - answer.margins["acc"] >= limit
    assert answer.predicted["time(sec)"] > plain.predicted["time(sec)"]  # robustness costs time here


@pytest.mark.parametrize("which", ["hada", "toy"])
def test_a_deep_tree_cut_at_depth_d_is_the_depth_d_tree(
    which: str, hada: BenchmarkSet, toy: tuple[BenchmarkSet, Surrogates]
) -> None:
    """Cross-validation scores every depth from one deep tree per fold: that shortcut must give the predictions of
    trees fitted at each depth (to the last bit of a mean), on both datasets."""
    from sklearn.tree import DecisionTreeRegressor

    from carbon_gui.dimensioning.fitting import tree_model

    data = hada if which == "hada" else toy[0]
    for platform in data.platforms:
        for values in platform.targets.values():
            deep = tree_model(DecisionTreeRegressor(max_depth=12, random_state=0).fit(platform.inputs, values))
            for depth in (1, 3, 7, 10):
                shallow = DecisionTreeRegressor(max_depth=depth, random_state=0).fit(platform.inputs, values)
                cut, fitted = deep.predict(platform.inputs, depth), shallow.predict(platform.inputs)
                assert np.allclose(cut, fitted, rtol=1e-12, atol=0)  # node means may differ in the last bit


def test_regions_are_pruned_only_where_a_cleaner_region_cannot_lose(
    hada: BenchmarkSet, hada_depth10: Surrogates, reference: ReferenceData
) -> None:
    """Minimising carbon: only the cleanest region per hardware is modelled. A lower limit on carbon (as odd as it
    is) makes the dirtier region the only feasible one: it must not have been pruned."""
    regions = ("europe-north1", "asia-south1")  # about 30 and 700 gCO2e/kWh
    carbon = service.region_carbon(reference, regions)
    clean, dirty = sorted(carbon, key=lambda r: r.kg_per_it_kwh)
    energy = np.concatenate([p.targets["totEnergy(kW)"] for p in hada.platforms])
    floor = float(np.median(energy)) * dirty.kg_per_it_kwh  # reachable in the dirty region only
    assert float(np.max(energy)) * clean.kg_per_it_kwh < floor
    for objective in (Objective("CO2e(kg)", MINIMIZE), Objective("time(sec)", MINIMIZE)):
        request = DimensionRequest(objective, (Constraint("CO2e(kg)", AT_LEAST, floor),), regions=regions)
        for solver in ("highs", "cp-sat"):
            answer = service.solve(hada, hada_depth10, request, carbon, solver=solver)
            assert answer.feasible and answer.region == dirty.region, (objective, solver)
    minimise = DimensionRequest(Objective("CO2e(kg)", MINIMIZE), regions=regions)
    problem = service.build_problem(hada, hada_depth10, minimise, carbon)
    kept = {problem.choices[i].region for i in undominated(problem)}
    assert kept == {clean.region}


def test_with_many_constraints_the_conflict_set_is_still_irreducible(toy: tuple[BenchmarkSet, Surrogates]) -> None:
    """Past 8 constraints subsets are not all tried; the set found must still hold no constraint that could be kept:
    here eight easy limits and one impossible one, last."""
    dataset, surrogates = toy
    easy = [Constraint("acc", AT_LEAST, 0.1 + i * 0.01) for i in range(8)]
    impossible = Constraint("time(sec)", AT_MOST, 1.0)  # the quickest run takes 10 s
    request = DimensionRequest(Objective("time(sec)", MINIMIZE), (*easy, impossible))
    answer = service.solve(dataset, surrogates, request)
    assert not answer.feasible
    assert answer.conflicts == ["time(sec)"]
    assert list(answer.conflict_distance) == [impossible.text()]


@given(st.data())
@PROPERTY
def test_merging_boxes_keeps_exactly_the_allowed_points(
    toy: tuple[BenchmarkSet, Surrogates], hada: BenchmarkSet, hada_depth10: Surrogates, data: st.DataObject
) -> None:
    """Any subset of a tree's leaves (what constraints leave), merged: the same points, none twice, and merged
    boxes never mix keys (ranks)."""
    from carbon_gui.core.dimensioning.problem import merge_boxes

    benchmark, surrogates = toy if data.draw(st.booleans()) else (hada, hada_depth10)
    hardware, target = data.draw(st.sampled_from(sorted(surrogates.by_key)))
    platform = benchmark.platform(hardware)
    domains = tuple(platform.domain(i) for i in range(platform.inputs.shape[1]))
    leaves = surrogates.by_key[(hardware, target)].model.leaves(domains)
    kept = [leaf for leaf in leaves if data.draw(st.booleans())]
    keys = [data.draw(st.integers(0, 2)) for _ in kept]

    def points(boxes: list[tuple[object, int]]) -> list[tuple[int, tuple[int, ...]]]:
        found = []
        for leaf, key in boxes:
            ranges = [range(lo, hi + 1) for lo, hi in zip(leaf.low, leaf.high, strict=True)]  # type: ignore[attr-defined]
            found += [(key, point) for point in itertools.product(*ranges)]
        return sorted(found)

    merged = merge_boxes(kept, keys)
    assert points(merged) == points(list(zip(kept, keys, strict=True)))  # same points with the same keys, once each
    assert len(merged) <= len(kept)


def test_per_region_answers_and_the_joint_answer_agree(
    hada: BenchmarkSet, hada_depth10: Surrogates, reference: ReferenceData
) -> None:
    """Each region solved alone; the joint optimum is the best of them (and carbon grows with the grid's factor)."""
    request = DimensionRequest(ISSUE_REQUEST.objective, ISSUE_REQUEST.constraints, regions=tuple(REGIONS))
    regions = service.region_carbon(reference, request.regions)
    alone = service.solve_per_region(hada, hada_depth10, request, regions)
    assert list(alone) == REGIONS and all(a.feasible and a.region == r for r, a in alone.items())
    joint = service.solve(hada, hada_depth10, request, regions)
    assert joint.objective["value"] == min(a.objective["value"] for a in alone.values())
    by_factor = sorted(regions, key=lambda r: r.kg_per_it_kwh)
    values = [alone[r.region].objective["value"] for r in by_factor]
    assert values == sorted(values)
