"""The headless layers never import Qt: import-linter's contracts, plus a plain-Python double check."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = REPO_ROOT / "carbon_gui"
QT_MODULES = {"PySide6", "pyqtgraph", "superqt", "shiboken6"}
OTHER_LAYERS = {
    "carbon_gui.sources",
    "carbon_gui.ui",
    "carbon_gui.cli",
    "carbon_gui.app",
    "carbon_gui.planning",
    "carbon_gui.settings",
}


def headless_files() -> list[Path]:
    packages = ("core", "sources", "cloud", "jobs")
    files = [path for package in packages for path in sorted((PACKAGE / package).rglob("*.py"))]
    modules = ("cli.py", "cli_jobs.py", "planning.py", "settings.py", "live_service.py", "providers.py", "secrets.py")
    for name in modules:
        if (PACKAGE / name).exists():
            files.append(PACKAGE / name)
    return files


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def test_lint_imports_passes() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    assert lint_imports.exists(), lint_imports
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=100, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "broken" in result.stdout and "0 broken" in result.stdout


def test_the_walk_finds_the_headless_modules() -> None:
    names = {p.relative_to(PACKAGE).as_posix() for p in headless_files()}
    assert {
        "core/scoring.py",
        "core/weights.py",
        "sources/reference.py",
        "sources/places.py",
        "cli.py",
        "planning.py",
    } <= names


@pytest.mark.parametrize("path", headless_files(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_headless_module_imports_no_qt(path: Path) -> None:
    qt = {m for m in imported_modules(path) if m.split(".")[0] in QT_MODULES}
    assert not qt, f"{path.relative_to(REPO_ROOT)} imports {sorted(qt)}"


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "core").rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE).as_posix()
)
def test_core_imports_no_other_layer(path: Path) -> None:
    bad = {m for m in imported_modules(path) if any(m == o or m.startswith(o + ".") for o in OTHER_LAYERS)}
    assert not bad, f"{path.relative_to(REPO_ROOT)} imports {sorted(bad)}"


def test_running_the_cli_loads_no_qt_module() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from carbon_gui.cli import main\n"
        "import carbon_gui.planning, carbon_gui.settings, carbon_gui.sources.places\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    rc = main(['rank', '--machine', 'e2-standard-4', '--hours', '1', '--from', '48.85, 2.35'])\n"
        "    rc += main(['cleanest'])\n"
        f"qt = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(QT_MODULES)!r})\n"
        "print(rc, qt)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0 []"
