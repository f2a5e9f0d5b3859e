"""Start-up does not pay for scikit-learn or the solvers; the service API a Qt worker calls reports progress and
honours a cancel flag."""

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from carbon_gui.core.dimensioning.request import MINIMIZE, DimensionRequest, Objective, parse_constraint
from carbon_gui.dimensioning import service
from carbon_gui.dimensioning.fitting import Cancelled, fit_surrogates
from carbon_gui.sources.benchmarks import load_benchmarks

HEAVY = ("sklearn", "scipy", "ortools", "highspy")


@pytest.mark.parametrize(
    "code",
    [
        "import carbon_gui.app, carbon_gui.ui.main_window",
        "import carbon_gui.cli; carbon_gui.cli.build_parser()",  # every command registered, `dimension` included
        "import carbon_gui.dimensioning.service, carbon_gui.sources.benchmarks",
    ],
)
def test_importing_loads_no_heavy_library(code: str) -> None:
    probe = f"import sys\n{code}\nprint(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert loaded.stdout.strip() == "[]", f"{code!r} loaded {loaded.stdout.strip()}"


def test_fitting_reports_progress_and_stops_when_cancelled(toy_dir: Path) -> None:
    data = load_benchmarks(toy_dir)
    seen: list[tuple[int, int, str]] = []
    surrogates = fit_surrogates(data, depth=4, progress=lambda done, total, what: seen.append((done, total, what)))
    assert len(surrogates.by_key) == 6  # 2 hardware x 3 targets
    assert [s[0] for s in seen] == list(range(7)) and {s[1] for s in seen} == {6}
    assert seen[0][2] == "cpu-slow: time(sec)" and seen[-1][2] == "done"

    cancel = threading.Event()
    calls: list[int] = []

    def progress(done: int, total: int, what: str) -> None:
        calls.append(done)
        if done == 2:
            cancel.set()  # as the window's Cancel button would, from another thread

    with pytest.raises(Cancelled):
        fit_surrogates(data, depth=4, progress=progress, cancelled=cancel.is_set)
    assert calls == [0, 1, 2]  # the third surrogate was the last one fitted


def test_solving_stops_between_solves_when_cancelled(toy_dir: Path) -> None:
    data = load_benchmarks(toy_dir)
    request = DimensionRequest(Objective("time(sec)", MINIMIZE), (parse_constraint("acc>=0.6"),))
    surrogates = service.fit_for(data, request, depth=4)
    assert service.solve(data, surrogates, request, cancelled=lambda: False).feasible
    with pytest.raises(Cancelled):  # the follow-up solves (binding constraints) check the flag
        service.solve(data, surrogates, request, cancelled=lambda: True)


def test_an_answer_the_surrogates_say_breaks_a_limit_is_never_returned(
    toy_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EML's known pitfall: an encoding bug returns a point the models themselves say violates a limit. A solver
    with such a bug (made here on purpose: no real solver misbehaves on demand) must raise, not answer."""
    from carbon_gui.core.dimensioning.problem import Solution

    data = load_benchmarks(toy_dir)
    request = DimensionRequest(Objective("time(sec)", MINIMIZE), (parse_constraint("acc>=0.75"),))
    surrogates = service.fit_for(data, request, depth=4)

    def buggy(problem: service.Problem) -> Solution:
        return Solution(0, (0, 0), 0.0)  # 1 layer: fast, and far below acc >= 0.75

    monkeypatch.setitem(service.SOLVERS, "buggy", buggy)
    monkeypatch.setitem(service.LOADERS, "buggy", lambda: None)
    with pytest.raises(service.EncodingBug, match=r"acc>=0.75"):
        service.solve(data, surrogates, request, solver="buggy")
    assert service.solve(data, surrogates, request).predicted["acc"] >= 0.75  # the real solver is fine
