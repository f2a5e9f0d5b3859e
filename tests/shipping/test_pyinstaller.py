"""`make package`'s recipe (packaging/carbon_gui.spec): the one-folder build runs, offscreen, with its data.

The build takes minutes, so it is made once per session, in a temporary folder (never a stale dist/)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from carbon_gui.sources.reference import resources_dir
from tests.shipping.commands import assert_self_test_passed, run_command
from tests.shipping.test_wheel import RANK, _resource_files

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(1200)  # the first test waits for the build


@pytest.fixture(scope="session")
def frozen_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("pyinstaller")
    spec = ROOT / "packaging" / "carbon_gui.spec"
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(work / "dist"), "--workpath", str(work / "build"), str(spec)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=1100, check=False)
    assert result.returncode == 0, result.stderr[-5000:]
    return work / "dist" / "carbon-gui" / "carbon-gui"


def test_the_build_passes_its_self_test_without_a_display(frozen_app: Path, tmp_path: Path) -> None:
    result = run_command([str(frozen_app), "--self-test"], tmp_path)
    assert_self_test_passed(result)
    assert "(frozen build)" in result.stdout
    assert f"data in {frozen_app.parent}" in result.stdout  # its own copy, not the source tree's


def test_the_build_carries_every_resource_file(frozen_app: Path) -> None:
    bundled = next(frozen_app.parent.rglob("carbon_gui/resources"))
    found = {p.relative_to(bundled).as_posix() for p in bundled.rglob("*") if p.is_file()}
    assert {f for f in found if "__pycache__" not in f} == _resource_files()
    assert (bundled / "data" / "NOTICE.md").read_bytes() == (resources_dir() / "data" / "NOTICE.md").read_bytes()


def test_the_build_ranks_like_the_source_tree(frozen_app: Path, tmp_path: Path) -> None:
    result = run_command([str(frozen_app), *RANK], tmp_path)
    assert result.returncode == 0, result.stderr
    expected = run_command([sys.executable, "-m", "carbon_gui", *RANK], tmp_path)
    assert json.loads(result.stdout) == json.loads(expected.stdout)


def test_bad_input_to_the_build_gets_one_line_and_exit_2(frozen_app: Path, tmp_path: Path) -> None:
    result = run_command([str(frozen_app), "rank", "--machine", "n2-standard-8", "--hours", "-3"], tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
