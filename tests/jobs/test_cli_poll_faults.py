"""`jobs --refresh` and `cancel` against a Vertex AI server that fails: the real client, the local fake server
with fault modes, the real ledger, through `carbon_gui.cli.main`. One failing poll marks that job, never hides
the list, and never prints a traceback."""

import json
import socket
from pathlib import Path

import pytest

from carbon_gui.cli import main
from carbon_gui.cloud import vertex
from carbon_gui.cloud.ledger import JobRecord, Ledger
from carbon_gui.cloud.vertex import VertexJobs
from tests.jobs.conftest import IMAGE, PROJECT, REGION
from tests.vertex.fake_vertex import FakeVertex
from tests.vertex.test_vertex import body

FIRST = "cg-20261122-100000-aaaa"
SECOND = "cg-20261122-110000-bbbb"
SHORT_TIMEOUT_S = 1.0  # the "slow" fault answers after 5 s


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_vertex: FakeVertex) -> None:
    monkeypatch.setenv("CARBON_GUI_VERTEX_ENDPOINT", fake_vertex.url)
    monkeypatch.setenv("CARBON_GUI_GCP_ANONYMOUS", "1")
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(tmp_path / "data"))
    # a configuration value, not a mock: a 60 s wait per test would be too long
    monkeypatch.setattr(vertex, "CALL_TIMEOUT_S", SHORT_TIMEOUT_S)


@pytest.fixture
def two_running_jobs(env: None, fake_vertex: FakeVertex) -> dict[str, str]:
    """Two Vertex AI jobs the ledger knows as queued; the server runs them until cancelled."""
    fake_vertex.script("run")
    client = VertexJobs(PROJECT, REGION)
    ledger = Ledger()
    names = {}
    for job_id in (FIRST, SECOND):
        names[job_id] = client.submit(body(job_id))
        record = JobRecord(
            id=job_id, target="vertex", project=PROJECT, region=REGION, display_name=f"run {job_id[-4:]}",
            machine_type="n1-standard-8", script_path="/home/me/train.py", state="queued", vertex_name=names[job_id],
        )  # fmt: skip
        ledger.add_job(record)
    return names


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "ParseError" not in out + err
    return code, out, err


def _line_of(out: str, job_id: str) -> list[str]:
    """The job's line and the indented lines under it, which belong to it."""
    lines = out.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(job_id))
    end = next((n for n in range(start + 1, len(lines)) if not lines[n].startswith(" ")), len(lines))
    return lines[start:end]


FAULTS = [
    ("not-json", "not a Vertex AI answer"),
    ("wrong-shape", "not a Vertex AI answer"),
    ("json-list", "not a Vertex AI answer"),
    ("unavailable", "HTTP 503"),
    ("html-503", "HTTP 503"),
    ("internal", "HTTP 500"),
    ("not-found", "no such job"),
    ("permission", "Permission denied"),
    ("slow", f"did not answer within {SHORT_TIMEOUT_S:g} s"),
    ("hang-up", "Cannot reach Vertex AI"),
]


@pytest.mark.parametrize(("fault", "said"), FAULTS, ids=[f[0] for f in FAULTS])
def test_a_failing_poll_marks_that_job_and_the_list_still_prints(
    two_running_jobs: dict[str, str], fake_vertex: FakeVertex, capsys: pytest.CaptureFixture[str], fault: str,
    said: str,
) -> None:  # fmt: skip
    fake_vertex.inject(fault, on="get", times=1)  # jobs are polled newest first: SECOND's poll fails
    code, out, err = _run(capsys, "jobs", "--refresh")
    assert code == 0, err
    second = _line_of(out, SECOND)
    assert "queued" in second[0]  # the last known state, as the ledger has it
    assert second[1].strip().startswith("state unknown: ") and said in second[1]
    assert second[1].rstrip().endswith("shown as last known")
    assert len(_line_of(out, FIRST)) == 1  # the other job was polled as usual
    polled = [r.path for r in fake_vertex.requests if r.method == "GET"]
    assert f"/v1/{two_running_jobs[FIRST]}" in polled and f"/v1/{two_running_jobs[SECOND]}" in polled


def test_the_json_listing_carries_the_poll_error(
    two_running_jobs: dict[str, str], fake_vertex: FakeVertex, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "jobs", "--refresh")  # both move from queued to pending on the server
    fake_vertex.inject("not-json", on="get", times=1)
    code, out, _ = _run(capsys, "jobs", "--refresh", "--json")
    rows = {row["id"]: row for row in json.loads(out)}
    assert code == 0 and rows[FIRST]["state"] == "pending" and "poll_error" not in rows[FIRST]
    assert rows[SECOND]["state"] == "queued" and "not a Vertex AI answer" in rows[SECOND]["poll_error"]


def test_a_server_that_refuses_connections_marks_every_job(
    two_running_jobs: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("CARBON_GUI_VERTEX_ENDPOINT", closed)
    code, out, err = _run(capsys, "jobs", "--refresh")
    assert code == 0, err
    for job_id in (FIRST, SECOND):
        assert "Cannot reach Vertex AI" in _line_of(out, job_id)[1]


CANCEL_FAULTS = [f for f in FAULTS if f[0] not in ("not-json", "wrong-shape", "json-list")]  # cancel reads no body


@pytest.mark.parametrize(("fault", "said"), CANCEL_FAULTS, ids=[f[0] for f in CANCEL_FAULTS])
def test_cancel_on_a_failing_server_says_why_in_one_line(
    two_running_jobs: dict[str, str], fake_vertex: FakeVertex, capsys: pytest.CaptureFixture[str], fault: str,
    said: str,
) -> None:  # fmt: skip
    fake_vertex.inject(fault, on="cancel", times=1)
    code, out, err = _run(capsys, "cancel", SECOND)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and said in err
    assert Ledger().job(SECOND).state == "queued"  # nothing recorded as cancelling


def test_cancel_of_an_unknown_job_says_so_in_one_line(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "cancel", FIRST)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "`carbon-gui jobs` lists them" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["cancel", "cg-1; rm -rf /"],
        ["cancel", "x" * 5000],
        ["cancel", "cg-20261122-100000-aaaa\nsecond line"],
        ["cancel", "\udcff\x00"],
        ["cancel", "--"],
        ["cleanup", "../../etc", "--yes"],
        ["cleanup", "--orphans", FIRST],
        ["cleanup"],
        ["jobs", "--refresh", "extra"],
    ],
)
def test_hostile_arguments_get_one_line_and_exit_2(
    env: None, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "Traceback" not in err
    message = err.strip().splitlines()[-1]
    assert message.startswith("carbon-gui") and len(message) < 400


@pytest.mark.usefixtures("cloud_env")
def test_launch_wait_keeps_following_through_a_failing_poll(
    fake_vertex: FakeVertex, script: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from carbon_gui import cli_jobs

    monkeypatch.setattr(cli_jobs, "POLL_S", (0.05, 0.2))  # configuration, not a mock: seconds instead of minutes
    fake_vertex.script("succeed")
    fake_vertex.inject("unavailable", on="get", times=2)  # the first two polls fail; the job goes on regardless
    code, out, err = _run(
        capsys, "launch", "--script", str(script), "--region", REGION, "--machine", "n1-standard-8",
        "--project", PROJECT, "--image", IMAGE, "--wait", "--json",
    )  # fmt: skip
    assert code == 0, err
    [record] = json.loads(out)
    assert record["state"] == "succeeded"
    assert err.count("state unknown: Vertex AI is unavailable right now (HTTP 503)") == 2


@pytest.mark.usefixtures("cloud_env")
def test_launch_wait_gives_up_after_polls_keep_failing_and_says_the_job_goes_on(
    fake_vertex: FakeVertex, script: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from carbon_gui import cli_jobs

    monkeypatch.setattr(cli_jobs, "POLL_S", (0.05, 0.2))
    fake_vertex.script("run")
    fake_vertex.inject("not-found", on="get", times=10_000)
    code, out, err = _run(
        capsys, "launch", "--script", str(script), "--region", REGION, "--machine", "n1-standard-8",
        "--project", PROJECT, "--image", IMAGE, "--wait",
    )  # fmt: skip
    assert code == 2 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith("carbon-gui: ") and "no such job" in last and "`carbon-gui jobs --refresh`" in last
