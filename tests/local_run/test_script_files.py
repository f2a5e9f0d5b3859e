"""Scripts and requirements files must be regular files under a size limit: `launch` never reads a device, never
waits on a named pipe, never loads a huge file. Through the CLI in a subprocess, under a memory limit and a
timeout, so a regression fails the test instead of eating the machine."""

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from carbon_gui.cloud.packaging import MAX_REQUIREMENTS_BYTES, MAX_SCRIPT_BYTES

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 2 * 1024**3  # address space of the CLI process: reading /dev/zero whole hits it in seconds
TIMEOUT_S = 60  # a read that blocks on a FIFO would wait forever
VERTEX = ("--project", "my-project", "--image", "europe-west4-docker.pkg.dev/my-project/training/trainer:1.0")


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def launch_dry_run(*options: str, target: tuple[str, ...] = ("--local",)) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "carbon_gui", "launch", "--region", "europe-west4", "--machine", "n1-standard-8",
               *target, "--dry-run", *options]  # fmt: skip
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, preexec_fn=_limit_memory, check=False
    )


def _good_script(tmp_path: Path) -> Path:
    path = tmp_path / "train.py"
    path.write_text("def train():\n    print('training')\n", encoding="utf-8")
    return path


def _fifo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


def _sparse(tmp_path: Path, name: str, size: int) -> Path:
    path = tmp_path / name
    with path.open("wb") as file:
        file.truncate(size)  # no disk space used
    return path


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("make_script", "expected"),
    [
        (lambda tmp: Path("/dev/zero"), "/dev/zero is a device, not a regular file"),
        (lambda tmp: _fifo(tmp, "pipe.py"), "is a named pipe (FIFO), not a regular file"),
        (lambda tmp: (tmp / "folder.py").mkdir() or tmp / "folder.py", "is a directory, not a regular file"),
        (lambda tmp: _sparse(tmp, "huge.py", MAX_SCRIPT_BYTES + 1), "over the 10 MB limit for a training script"),
        (lambda tmp: tmp / "missing.py", "does not exist"),
        (lambda tmp: _good_script(tmp) / "under_a_file.py", "cannot be read (Not a directory)"),
    ],
    ids=["dev-zero", "fifo", "directory", "oversize", "missing", "unreadable"],
)
def test_a_script_that_is_not_a_small_regular_file_is_a_one_line_problem(
    tmp_path: Path, make_script, expected: str
) -> None:
    script = make_script(tmp_path)
    result = launch_dry_run("--script", str(script))
    assert result.returncode == 2, result.stderr[-2000:]
    problems = [line for line in result.stdout.splitlines() if line.startswith("problem:")]
    assert len(problems) == 1 and expected in problems[0] and str(script) in problems[0], result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("make_requirements", "expected"),
    [
        (lambda tmp: _fifo(tmp, "requirements.txt"), "is a named pipe (FIFO), not a regular file"),
        (lambda tmp: Path("/dev/zero"), "/dev/zero is a device, not a regular file"),
        (lambda tmp: _sparse(tmp, "requirements.txt", MAX_REQUIREMENTS_BYTES + 1), "over the 1 MB limit"),
    ],
    ids=["fifo", "dev-zero", "oversize"],
)
def test_a_requirements_file_is_checked_the_same_way(tmp_path: Path, make_requirements, expected: str) -> None:
    requirements = make_requirements(tmp_path)
    # a Vertex AI job's requirements: a local run has none (`launch --local --requirements` is refused)
    result = launch_dry_run("--script", str(_good_script(tmp_path)), "--requirements", str(requirements), target=VERTEX)
    assert result.returncode == 2, result.stderr[-2000:]
    problems = [line for line in result.stdout.splitlines() if line.startswith("problem:")]
    assert len(problems) == 1 and expected in problems[0], result.stdout


def test_a_script_at_the_limit_is_read(tmp_path: Path) -> None:
    script = tmp_path / "big.py"
    body = b"def train():\n    pass\n"
    script.write_bytes(body + b"#" * (MAX_SCRIPT_BYTES - len(body) - 1) + b"\n")
    result = launch_dry_run("--script", str(script))
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
