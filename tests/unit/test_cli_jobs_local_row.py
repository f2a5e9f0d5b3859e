"""Issue 11 item 13: `carbon-gui jobs` listed a run on this machine with the machine type that --local requires
(n1-standard-8), which it never ran on, and without the region whose grid codecarbon charges it to. It now says what
the Jobs tab says: this machine, and the grid's region. A real local run, a private ledger and data dir."""

from pathlib import Path

import pytest

from tests.jobs.conftest import REGION, local_env  # noqa: F401 - fixture
from tests.jobs.test_local_orphans import QUICK, _cli, _launch

pytestmark = [pytest.mark.usefixtures("local_env"), pytest.mark.timeout(240)]


def test_a_local_run_is_listed_on_this_machine_with_its_grid_and_no_machine_type(tmp_path: Path, capsys) -> None:
    script = tmp_path / "quick.py"
    script.write_text(QUICK, encoding="utf-8")
    job_id = _launch(capsys, script)  # --machine n1-standard-8, as --local requires
    code, out, err = _cli(capsys, "jobs")
    assert code == 0, err
    [line] = [line for line in out.splitlines() if line.startswith(job_id)]
    assert f"this machine (grid: {REGION})" in line
    assert "n1-standard-8" not in line
