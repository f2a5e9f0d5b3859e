"""Issue 11 item 14: `cancel` and `cleanup` answer --json like `jobs` and `launch` do. Real local runs, a private
ledger and data dir (tests/jobs' local_env)."""

import json
import textwrap
from pathlib import Path

import pytest

from carbon_gui.cloud.local import staging_dir_for
from tests.jobs.conftest import wait_until
from tests.jobs.test_local_orphans import QUICK, SLOW, _cli, _launch, _state

pytestmark = [pytest.mark.usefixtures("local_env"), pytest.mark.timeout(240)]


def test_cancel_and_cleanup_print_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    quick, slow = tmp_path / "quick.py", tmp_path / "slow.py"
    quick.write_text(QUICK, encoding="utf-8")
    slow.write_text(textwrap.dedent(SLOW), encoding="utf-8")
    done, running = _launch(capsys, quick), _launch(capsys, slow)

    code, out, err = _cli(capsys, "cancel", running, "--json")
    assert code == 0, err
    cancelled = json.loads(out)
    assert cancelled["id"] == running and cancelled["state"] in ("cancelling", "cancelled")

    wait_until(lambda: _state(capsys, done) == "succeeded", f"{done} to end")
    code, out, err = _cli(capsys, "cleanup", done, "--yes", "--json")
    assert code == 0, err
    cleaned = json.loads(out)
    assert cleaned["id"] == done and cleaned["deleted"] is True and done in cleaned["message"]
    assert not staging_dir_for(done).exists()

    code, out, err = _cli(capsys, "cleanup", done, "--yes", "--json")  # again: nothing left to delete
    assert code == 0, err
    again = json.loads(out)
    assert again["id"] == done and again["deleted"] is False and "nothing to delete" in again["message"]

    code, out, err = _cli(capsys, "cleanup", "--orphans", "--yes", "--json")
    assert code == 0, err
    assert json.loads(out) == {"orphans": [], "deleted": []}
