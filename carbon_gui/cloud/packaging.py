"""The user's training script as the Python source distribution Vertex AI's pythonPackageSpec installs.

Layout (the local runner stages the same `trainer/` folder):

    trainer-0.1/
      PKG-INFO
      setup.py                  install_requires: codecarbon + the user's requirements
      trainer/__init__.py
      trainer/task.py           the generated task.py (cloud/task_template/task.py, unchanged)
      trainer/task_config.json  {"script_name": ..., "function": ...}
      trainer/user_script.py    the user's script, byte for byte

Vertex AI runs `python -m trainer.task ARGS`. The archive is deterministic: sorted entries, fixed times and
owners, so the same inputs give the same bytes.
"""

import gzip
import io
import json
import os
import stat
import tarfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from packaging.requirements import Requirement

from carbon_gui.cloud.errors import CloudError
from carbon_gui.core.script_check import DEFAULT_FUNCTION, check_requirements, requirements
from carbon_gui.local_files import NotARegularFile, read_regular_file, special_file_kind

PACKAGE_NAME = "trainer"
PACKAGE_VERSION = "0.1"
PACKAGE_FILE = f"{PACKAGE_NAME}-{PACKAGE_VERSION}.tar.gz"
PYTHON_MODULE = f"{PACKAGE_NAME}.task"
USER_MODULE_FILE = "user_script.py"
CONFIG_FILE = "task_config.json"
COUNTRY_ENV = "CARBON_GUI_COUNTRY_ISO"  # task.py reads the grid's country for codecarbon from this variable
RUN_STATE_ENV = "CARBON_GUI_RUN_STATE"  # task.py records the run's pid and exit code in this file (local runs)
CODECARBON_REQUIREMENT = "codecarbon>=2.8"
# On Vertex AI, AIP_MODEL_DIR is <baseOutputDirectory>/model/: task.py writes emissions.csv there.
EMISSIONS_UNDER_BASE_OUTPUT = "model/emissions.csv"
METHODS_UNDER_BASE_OUTPUT = "model/codecarbon_methods.json"
_ARCHIVE_TIME = 946684800  # 2000-01-01: fixed for reproducible archives (zip, hence wheels, refuse pre-1980)
MAX_SCRIPT_BYTES = 10 * 1024**2  # data and weights belong in files the script loads, not in the script
MAX_REQUIREMENTS_BYTES = 1024**2


@dataclass(frozen=True)
class UserFile:
    """A kind of file the user names: how messages call it, what to choose instead, how big it may be."""

    title: str
    choose: str
    limit: int


SCRIPT_FILE = UserFile("Training script", "choose a .py file", MAX_SCRIPT_BYTES)
REQUIREMENTS_FILE = UserFile("Requirements file", "choose a requirements.txt text file", MAX_REQUIREMENTS_BYTES)


@dataclass(frozen=True)
class SourcePackage:
    path: Path  # <staging dir>/trainer-0.1.tar.gz
    python_module: str  # what pythonPackageSpec.pythonModule names: "trainer.task"


def file_problem(path: Path, kind: UserFile) -> str | None:
    """Why `path` cannot be used as `kind` (missing, not a regular file, too big), or None. Only stats the file,
    never opens it: a FIFO or a device cannot block the caller."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return f"{kind.title} {path} does not exist: {kind.choose}."
    except OSError as err:
        return f"{kind.title} {path} cannot be read ({err.strerror}): {kind.choose}."
    return _status_problem(path, status, kind)


def _status_problem(path: Path, status: os.stat_result, kind: UserFile) -> str | None:
    if not stat.S_ISREG(status.st_mode):
        return f"{kind.title} {path} is {special_file_kind(status.st_mode)}, not a regular file: {kind.choose}."
    if status.st_size > kind.limit:
        return (
            f"{kind.title} {path} is {status.st_size / 1024**2:.1f} MB, over the {kind.limit // 1024**2} MB limit for "
            f"a {kind.title.lower()}: keep data and model weights in files the script loads at run time."
        )
    return None


def read_user_file(path: Path, kind: UserFile) -> bytes:
    """The file's bytes, read only if it is a regular file within `kind.limit`. Raises CloudError with the reason.

    Opened non-blocking (a FIFO swapped in after the stat must not block the open) and checked again on the open
    file; the read is bounded, so a file that grows meanwhile is refused too."""
    problem = file_problem(path, kind)
    if problem is None:
        try:
            content = read_regular_file(path, kind.limit)
        except NotARegularFile as err:  # swapped in after the stat
            problem = f"{kind.title} {path} is {err.what}, not a regular file: {kind.choose}."
        except OSError as err:
            problem = f"{kind.title} {path} cannot be read ({err.strerror}): {kind.choose}."
        else:
            if len(content) > kind.limit:
                problem = f"{kind.title} {path} grew past the {kind.limit // 1024**2} MB limit while it was read."
    if problem is not None:
        raise CloudError(problem, step="package")
    return content


def read_user_text(path: Path, kind: UserFile) -> str:
    """`read_user_file` as UTF-8 text."""
    try:
        return read_user_file(path, kind).decode("utf-8")
    except UnicodeDecodeError:
        raise CloudError(f"{kind.title} {path} is not UTF-8 text: {kind.choose}.", step="package") from None


def trainer_files(script: Path, function: str | None = DEFAULT_FUNCTION) -> dict[str, bytes]:
    """The `trainer/` package: relative path -> content. `function` None runs the script as it is."""
    user_script = read_user_file(script, SCRIPT_FILE)
    config = {"script_name": script.name, "function": function}
    return {
        f"{PACKAGE_NAME}/__init__.py": b"",
        f"{PACKAGE_NAME}/task.py": resources.files("carbon_gui.cloud").joinpath("task_template/task.py").read_bytes(),
        f"{PACKAGE_NAME}/{CONFIG_FILE}": json.dumps(config, indent=2).encode() + b"\n",
        f"{PACKAGE_NAME}/{USER_MODULE_FILE}": user_script,
    }


def write_trainer(script: Path, folder: Path, function: str | None = DEFAULT_FUNCTION) -> Path:
    """The `trainer/` package written under `folder` (for a local run); returns `folder`."""
    for relative, content in trainer_files(script, function).items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return folder


def build_package(
    script: Path, staging_dir: Path, requirements_file: Path | None = None, function: str | None = DEFAULT_FUNCTION
) -> SourcePackage:
    """Write trainer-0.1.tar.gz into `staging_dir` (created if needed). Raises CloudError with what to do."""
    install_requires = _install_requires(requirements_file)
    files = {
        "PKG-INFO": _pkg_info().encode(),
        "setup.py": _setup_py(install_requires).encode(),
        **trainer_files(script, function),
    }
    staging_dir.mkdir(parents=True, exist_ok=True)
    path = staging_dir / PACKAGE_FILE
    path.write_bytes(_tar_gz(files, root=f"{PACKAGE_NAME}-{PACKAGE_VERSION}"))
    return SourcePackage(path, PYTHON_MODULE)


def _install_requires(requirements_file: Path | None) -> list[str]:
    if requirements_file is None:
        return [CODECARBON_REQUIREMENT]
    text = read_user_text(requirements_file, REQUIREMENTS_FILE)
    problems = check_requirements(requirements_file.name, text)
    if problems:
        raise CloudError(" ".join(problems), step="package")
    wanted = requirements(text)
    has_codecarbon = any(Requirement(line).name.lower() == "codecarbon" for line in wanted)
    return wanted if has_codecarbon else [CODECARBON_REQUIREMENT, *wanted]


def _pkg_info() -> str:
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {PACKAGE_NAME}\n"
        f"Version: {PACKAGE_VERSION}\n"
        "Summary: A training script packaged by carbon-gui\n"
    )


def _setup_py(install_requires: list[str]) -> str:
    return (
        '"""Generated by carbon-gui: the training script as a package for Vertex AI (python -m trainer.task)."""\n'
        "from setuptools import setup\n\n"
        "setup(\n"
        f"    name={PACKAGE_NAME!r},\n"
        f"    version={PACKAGE_VERSION!r},\n"
        f"    packages=[{PACKAGE_NAME!r}],\n"
        f"    package_data={{{PACKAGE_NAME!r}: [{CONFIG_FILE!r}]}},\n"
        f"    install_requires={install_requires!r},\n"
        ")\n"
    )


def _tar_gz(files: dict[str, bytes], root: str) -> bytes:
    raw = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=_ARCHIVE_TIME) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for relative in sorted(files):
            info = tarfile.TarInfo(f"{root}/{relative}")
            info.size, info.mtime, info.mode = len(files[relative]), _ARCHIVE_TIME, 0o644
            archive.addfile(info, io.BytesIO(files[relative]))
    return raw.getvalue()
