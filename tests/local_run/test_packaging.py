"""The trainer source distribution: its contents, its determinism, and that it installs and runs."""

import importlib.util
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from carbon_gui.cloud.errors import CloudError
from carbon_gui.cloud.packaging import (
    EMISSIONS_UNDER_BASE_OUTPUT,
    PACKAGE_FILE,
    PYTHON_MODULE,
    build_package,
)

TEMPLATE = Path(__file__).resolve().parents[2] / "carbon_gui" / "cloud" / "task_template" / "task.py"
SCRIPT = "import sys\n\ndef train():\n    print('trained with', sys.argv[1:])\n"
EXPECTED_FILES = [
    "trainer-0.1/PKG-INFO",
    "trainer-0.1/setup.py",
    "trainer-0.1/trainer/__init__.py",
    "trainer-0.1/trainer/task.py",
    "trainer-0.1/trainer/task_config.json",
    "trainer-0.1/trainer/user_script.py",
]


def _member(archive: tarfile.TarFile, name: str) -> str:
    extracted = archive.extractfile(name)
    assert extracted is not None
    return extracted.read().decode("utf-8")


def test_the_package_holds_the_script_the_template_and_the_requirements(
    write_script: Callable[..., Path], tmp_path: Path
) -> None:
    script = write_script(SCRIPT, "task.py")  # the usual Vertex AI name must not clash with the generated task.py
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pinned\nnumpy>=1.26  # arrays\n\nscikit-learn==1.5.*\n", encoding="utf-8")

    package = build_package(script, tmp_path / "staging", requirements, "train")

    assert package.path == tmp_path / "staging" / PACKAGE_FILE
    assert package.python_module == PYTHON_MODULE == "trainer.task"
    with tarfile.open(package.path) as archive:
        assert archive.getnames() == EXPECTED_FILES
        assert _member(archive, "trainer-0.1/trainer/user_script.py") == SCRIPT
        assert _member(archive, "trainer-0.1/trainer/task.py") == TEMPLATE.read_text(encoding="utf-8")
        config = json.loads(_member(archive, "trainer-0.1/trainer/task_config.json"))
        setup_py = _member(archive, "trainer-0.1/setup.py")
        assert all(member.mtime == archive.getmembers()[0].mtime and member.uid == 0 for member in archive)
    assert config == {"script_name": "task.py", "function": "train"}
    assert "install_requires=['codecarbon>=2.8', 'numpy>=1.26', 'scikit-learn==1.5.*']" in setup_py
    assert "packages=['trainer']" in setup_py
    assert EMISSIONS_UNDER_BASE_OUTPUT == "model/emissions.csv"


def test_the_same_inputs_give_the_same_bytes(write_script: Callable[..., Path], tmp_path: Path) -> None:
    script = write_script(SCRIPT)
    first = build_package(script, tmp_path / "one").path.read_bytes()
    second = build_package(script, tmp_path / "two").path.read_bytes()
    assert first == second
    assert build_package(script, tmp_path / "three", function=None).path.read_bytes() != first


def test_the_users_own_codecarbon_pin_is_kept(write_script: Callable[..., Path], tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("CodeCarbon==2.8.1\n", encoding="utf-8")
    package = build_package(write_script(SCRIPT), tmp_path / "staging", requirements)
    with tarfile.open(package.path) as archive:
        assert "install_requires=['CodeCarbon==2.8.1']" in _member(archive, "trainer-0.1/setup.py")


def test_bad_requirements_and_a_missing_script_are_messages(write_script: Callable[..., Path], tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("numpy\n-r other.txt\nfoo bar\n", encoding="utf-8")
    with pytest.raises(CloudError, match=r"requirements\.txt, line 2: pip options such as '-r'") as raised:
        build_package(write_script(SCRIPT), tmp_path / "staging", requirements)
    assert "line 3: 'foo bar' is not a valid requirement" in str(raised.value)
    assert not (tmp_path / "staging" / PACKAGE_FILE).exists()

    with pytest.raises(CloudError, match=r"Training script .*missing\.py does not exist"):
        build_package(tmp_path / "missing.py", tmp_path / "staging")
    with pytest.raises(CloudError, match=r"Requirements file .*missing\.txt does not exist"):
        build_package(write_script(SCRIPT), tmp_path / "staging", tmp_path / "missing.txt")


def _setuptools_builds_wheels_offline() -> bool:
    """pip --no-build-isolation needs bdist_wheel: setuptools >= 70.1 has it, older ones need `wheel`."""
    import setuptools

    major, minor = (int(part) for part in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


def test_pip_installs_the_package_and_python_m_trainer_task_runs_it(
    write_script: Callable[..., Path], tmp_path: Path
) -> None:
    """What Vertex AI does with pythonPackageSpec: pip install the sdist, then `python -m trainer.task ARGS`."""
    package = build_package(write_script(SCRIPT), tmp_path / "staging")
    target = tmp_path / "site"
    # when this venv's setuptools cannot build a wheel, pip fetches a build backend from its configured index
    isolation = ["--no-build-isolation"] if _setuptools_builds_wheels_offline() else []
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", *isolation, "--target", str(target), str(package.path)],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    if installed.returncode != 0 and not isolation and "setuptools" in installed.stderr:
        pytest.skip(f"no setuptools able to build wheels offline here: {installed.stderr.strip().splitlines()[-1]}")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert sorted(path.name for path in (target / "trainer").iterdir() if path.suffix in (".py", ".json")) == [
        "__init__.py",
        "task.py",
        "task_config.json",
        "user_script.py",
    ]

    output = tmp_path / "output"
    environment = {"PYTHONPATH": str(target), "AIP_MODEL_DIR": str(output), "CARBON_GUI_COUNTRY_ISO": "SWE"}
    ran = subprocess.run(
        [sys.executable, "-m", PYTHON_MODULE, "--lr", "0.1"],
        cwd=tmp_path,
        env={**_minimal_environment(), **environment},
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "trained with ['--lr', '0.1']" in ran.stdout
    assert "SWE" in (output / "emissions.csv").read_text(encoding="utf-8")


def _minimal_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG", "TMPDIR")}


def test_task_py_writes_to_the_gcs_mount_for_a_gs_output_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("generated_task", TEMPLATE)
    assert spec is not None and spec.loader is not None
    task = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(task)

    monkeypatch.setenv("AIP_MODEL_DIR", "gs://carbon-gui-cg-20250101-000000-abcd/output/model/")
    assert task.output_dir() == Path("/gcs/carbon-gui-cg-20250101-000000-abcd/output/model")
    monkeypatch.setenv("AIP_MODEL_DIR", "/tmp/somewhere")
    assert task.output_dir() == Path("/tmp/somewhere")
    monkeypatch.delenv("AIP_MODEL_DIR")
    assert task.output_dir() == Path("output")
