"""`launch --wait` through a poll that fails with a hostile, huge message: the real clients against the storage
emulator and the local Vertex AI server, through `carbon_gui.cli.main`. What it prints is escaped and bounded."""

import json
from pathlib import Path

import pytest

from carbon_gui.cli import main
from tests.hardening.test_cli_terminal_text import BOUND, HUGE, ONE_LINE_HOSTILE, STEERING
from tests.jobs.conftest import IMAGE, PROJECT, REGION
from tests.vertex.fake_vertex import FakeVertex, Fault


@pytest.mark.usefixtures("cloud_env")
def test_a_hostile_poll_error_while_following_is_printed_escaped_and_short(
    fake_vertex: FakeVertex, script: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from carbon_gui import cli_jobs

    monkeypatch.setattr(cli_jobs, "POLL_S", (0.05, 0.2))  # configuration, not a mock: seconds instead of minutes
    fake_vertex.script("succeed")
    fake_vertex.inject(Fault(400, "FAILED_PRECONDITION", f"{ONE_LINE_HOSTILE} " + "x" * HUGE), on="get", times=1)
    code = main(["launch", "--script", str(script), "--region", REGION, "--machine", "n1-standard-8",
                 "--project", PROJECT, "--image", IMAGE, "--wait", "--json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err[:2000]
    assert json.loads(out)[0]["state"] == "succeeded"
    assert "state unknown: " in err and "\\u001b]0;pwned" in err
    assert STEERING.search(out + err) is None and len(out + err) < BOUND
