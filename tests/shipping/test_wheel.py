"""The wheel and sdist carry the code and all of resources/; the wheel, installed in a fresh venv, works outside the
source tree."""

import json
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from carbon_gui.sources.reference import resources_dir
from tests.shipping.commands import assert_self_test_passed, run_command

RANK = ["rank", "--machine", "n2-standard-8", "--hours", "3", "--json"]


def _resource_files() -> set[str]:
    """resources/ as the source tree has it, relative to resources/ (no caches)."""
    root = resources_dir()
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def test_the_wheel_carries_every_resource_file_and_the_script_templates(built_dists: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(built_dists["wheel"]).namelist())
    installed = {n.removeprefix("carbon_gui/resources/") for n in names if n.startswith("carbon_gui/resources/")}
    assert installed == _resource_files()
    assert {"carbon_gui/cloud/task_template/task.py", "carbon_gui/cloud/task_template/benchmark_task.py"} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_the_sdist_carries_resources_and_the_build_recipe(built_dists: dict[str, Path]) -> None:
    with tarfile.open(built_dists["sdist"]) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {f"resources/{name}" for name in _resource_files()} <= names
    assert {"setup.py", "pyproject.toml", "README.md", "carbon_gui/__main__.py"} <= names


@pytest.fixture(scope="module")
def wheel_venv(built_dists: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel installed. Its dependencies come from the development venv through a .pth
    line (a plain path: that venv's own editable-install hook is not run), so no PySide6 is downloaded again."""
    venv = tmp_path_factory.mktemp("wheel-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())  # fmt: skip
    (site / "zz_dev_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q"]
    subprocess.run([*install, str(built_dists["wheel"])], check=True, timeout=300)
    return venv


def test_the_installed_command_ranks_like_the_source_tree(wheel_venv: Path, tmp_path: Path) -> None:
    result = run_command([str(wheel_venv / "bin" / "carbon-gui"), *RANK], tmp_path)
    assert result.returncode == 0, result.stderr
    expected = run_command([sys.executable, "-m", "carbon_gui", *RANK], tmp_path)
    assert json.loads(result.stdout) == json.loads(expected.stdout)
    assert json.loads(result.stdout)["ranked"]


def test_the_installed_command_passes_its_self_test_with_the_wheels_data(wheel_venv: Path, tmp_path: Path) -> None:
    result = run_command([str(wheel_venv / "bin" / "carbon-gui"), "--self-test"], tmp_path)
    assert_self_test_passed(result)
    assert f"data in {wheel_venv}" in result.stdout  # the wheel's copy, not the source tree's
