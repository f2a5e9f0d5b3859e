"""What the CLI prints of text that came from a server, the ledger file or the command line: no character that steers
a terminal (ESC, other C0 and C1 controls, DEL, bidi overrides), a bounded length, and --json still valid JSON.

Everything runs through `carbon_gui.cli.main` against the local fake Vertex AI server and the real ledger file."""

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from carbon_gui.cli import main
from carbon_gui.cloud import vertex
from carbon_gui.cloud.ledger import JobRecord, Ledger
from carbon_gui.cloud.vertex import VertexJobs
from tests.vertex.fake_vertex import FakeVertex, Fault
from tests.vertex.test_vertex import body

PROJECT = "carbon-test"
REGION = "europe-west4"
JOB = "cg-20261122-100000-aaaa"
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202egnp.exe\u2066\x7f\r"  # retitle, clear, C1 CSI, bidi, DEL, CR
ONE_LINE_HOSTILE = HOSTILE.replace("\r", "")  # the CLI shows the first line of a message
HUGE = 5_000_000  # characters: a server's or a hand-edited file's idea of an error message
BOUND = 20_000  # characters: the most a whole command may print when fed HUGE
STEERING = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def fake_vertex() -> Iterator[FakeVertex]:
    with FakeVertex() as fake:
        yield fake


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_vertex: FakeVertex) -> None:
    monkeypatch.setenv("CARBON_GUI_VERTEX_ENDPOINT", fake_vertex.url)
    monkeypatch.setenv("CARBON_GUI_GCP_ANONYMOUS", "1")
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    monkeypatch.setenv("CARBON_GUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CARBON_GUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(vertex, "CALL_TIMEOUT_S", 5.0)  # a configuration value, not a mock


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse's own errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _assert_safe(text: str) -> None:
    found = STEERING.search(text)
    assert found is None, f"{found.group()!r} reached the terminal near {text[max(0, found.start() - 40):][:80]!r}"
    assert len(text) < BOUND


def _queued_job(fake_vertex: FakeVertex, **fields: str) -> None:
    fake_vertex.script("run")
    name = VertexJobs(PROJECT, REGION).submit(body(JOB))
    values = {"display_name": "run aaaa", "machine_type": "n1-standard-8"} | fields
    Ledger().add_job(
        JobRecord(id=JOB, target="vertex", project=PROJECT, region=REGION, script_path="/home/me/train.py",
                  state="queued", vertex_name=name, **values)  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_vertex_error_message_with_escapes_and_megabytes_is_escaped_and_shortened(
    env: None, fake_vertex: FakeVertex, capsys: pytest.CaptureFixture[str]
) -> None:
    _queued_job(fake_vertex)
    fake_vertex.inject(Fault(400, "FAILED_PRECONDITION", f"{ONE_LINE_HOSTILE} down " + "x" * HUGE), on="get", times=1)
    code, out, err = _run(capsys, "jobs", "--refresh")
    assert code == 0 and "state unknown" in out
    _assert_safe(out + err)
    assert "\\u001b]0;pwned\\u0007" in out  # shown, not obeyed and not silently dropped
    assert "more characters)" in out


def test_the_json_listing_of_a_hostile_poll_error_is_valid_json_without_raw_controls(
    env: None, fake_vertex: FakeVertex, capsys: pytest.CaptureFixture[str]
) -> None:
    _queued_job(fake_vertex, display_name=f"name {HOSTILE}")
    fake_vertex.inject(Fault(400, "FAILED_PRECONDITION", f"{HOSTILE} down"), on="get", times=1)
    code, out, err = _run(capsys, "jobs", "--refresh", "--json")
    assert code == 0
    _assert_safe(out + err)
    (row,) = json.loads(out)
    assert row["display_name"] == f"name {HOSTILE}"  # the data itself is unchanged, only its spelling is safe
    assert "\x1b]0;pwned" in row["poll_error"]


def test_ledger_values_with_escapes_are_shown_escaped_on_one_line(
    env: None, fake_vertex: FakeVertex, capsys: pytest.CaptureFixture[str]
) -> None:
    _queued_job(fake_vertex, machine_type=f"n1-{HOSTILE}\nfake line")
    with sqlite3.connect(Ledger().path) as db:  # behind the app's back, as a hand edit would
        db.execute("UPDATE jobs SET error = ? WHERE id = ?", (f"{HOSTILE}\n" + "e" * HUGE, JOB))
    db.close()
    code, out, err = _run(capsys, "jobs")
    assert code == 0
    _assert_safe(out + err)
    assert not any(line.startswith("fake line") for line in out.splitlines())


def test_a_damaged_row_with_a_huge_hostile_id_is_shown_short_and_escaped(
    env: None, fake_vertex: FakeVertex, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = Ledger()
    ledger.add_job(JobRecord(id=JOB, target="vertex", project=PROJECT, region=REGION, display_name="x",
                             machine_type="n1-standard-8", script_path="/t.py", state="queued"))  # fmt: skip
    with sqlite3.connect(ledger.path) as db:  # behind the app's back, as a hand edit would
        db.execute("UPDATE jobs SET id = ?, created_at = 'yesterday'", (HOSTILE + "i" * HUGE,))
    db.close()
    code, out, err = _run(capsys, "jobs")
    assert code == 0 and "damaged" in out
    _assert_safe(out + err)
    code, out, err = _run(capsys, "cleanup", "--orphans", "--yes")
    _assert_safe(out + err)


def test_a_hostile_location_on_the_command_line_is_echoed_escaped(
    env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "rank", "--machine", "n1-standard-8", "--hours", "2", "--from", f"{HOSTILE}Paris")
    assert code == 2 and out == ""
    _assert_safe(err)
    assert len(err.strip().splitlines()) == 1


def test_a_hostile_bad_value_in_an_argument_error_is_escaped(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "rank", "--machine", "n1-standard-8", "--hours", f"{HOSTILE}" + "9" * HUGE)
    assert code == 2
    _assert_safe(out + err)
    assert len(err.strip().splitlines()) == 1


def test_a_hostile_display_name_in_a_dry_run_is_escaped(
    env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "train.py"
    script.write_text("def train():\n    pass\n")
    argv = ["launch", "--script", str(script), "--region", REGION, "--machine", "n1-standard-8", "--project",
            PROJECT, "--display-name", f"run {HOSTILE}", "--dry-run"]  # fmt: skip
    for extra in ([], ["--json"]):
        _code, out, err = _run(capsys, *argv, *extra)
        _assert_safe(out + err)
        if extra:
            json.loads(out)
