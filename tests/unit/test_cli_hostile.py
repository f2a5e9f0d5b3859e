"""Hostile input for every CLI command and every one of its options: exit 0 or 2, never a traceback.

The commands and options come from the real argparse parser, so a new command or option is fuzzed without editing
this file. Each option gets either a value that works (so the command runs past argparse into its handler) or a
hostile one: empty, whitespace, huge or tiny numbers, nan/inf, negative, unicode, control characters, very long
text, /dev/zero, a FIFO, a directory. Nothing leaves 127.0.0.1: the grid-data and Google endpoints point at a closed
local port, Google access is anonymous, and `launch` only ever runs with --dry-run or --local (a tiny script).
"""

import argparse
import contextlib
import io
import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbon_gui.cli import build_parser, main
from carbon_gui.sources.reference import load_reference

TINY_SCRIPT = "def train(**configuration):\n    return None\n"
# Commands that could reach Vertex AI run with --dry-run or --local only: launch sometimes runs the tiny script on
# this machine (a process of about two seconds), benchmark never runs anything (its grid could be thousands of runs).
MODES = {
    "launch": ({"dry_run"},) * 6 + ({"local"}, {"dry_run", "local"}),
    "benchmark": ({"dry_run"}, {"dry_run", "local"}),
}
SLOW_FLAGS = {("cleanest", "live"): 8, ("launch", "wait"): 4}  # 1 in N examples: each costs seconds
EXAMPLES_PER_COMMAND = 30
# Given in every sweep run of the command: launch in process, creating nothing; dimension without cross-validation.
SWEEP_ALWAYS = {"launch": ("dry_run", "project", "image"), "benchmark": ("dry_run", "local"), "dimension": ("depth",)}


def closed_port() -> int:
    """A local port nothing listens on (bound, then released): connections to it are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hostile")
    script = root / "train.py"
    script.write_text(TINY_SCRIPT, encoding="utf-8")
    requirements = root / "requirements.txt"
    requirements.write_text("", encoding="utf-8")
    fifo = root / "fifo"
    os.mkfifo(fifo)  # opening it for reading would block for ever
    directory = root / "a directory"
    directory.mkdir()
    return {
        "script": script,
        "requirements": requirements,
        "fifo": fifo,
        "directory": directory,
        "benchmarks": benchmark_folder(root / "benchmarks"),
    }


def benchmark_folder(folder: Path) -> Path:
    """A tiny benchmark folder for `dimension` (its CSV + JSON pair format): run time falls with more layers."""
    folder.mkdir()
    description = {
        "name": "toy",
        "HW_ID": "box",
        "HW_price": 1000.0,
        "hyperparams": [{"ID": "layers", "description": None, "type": "int", "LB": 1, "UB": 8}],
        "targets": [{"ID": "time(sec)"}, {"ID": "acc"}],
    }
    (folder / "toy_box.json").write_text(json.dumps(description), encoding="utf-8")
    rows = "".join(f"{n},{100 / n + repeat},{0.5 + n / 20}\n" for n in range(1, 9) for repeat in (0, 1))
    (folder / "toy_box.csv").write_text("layers,time(sec),acc\n" + rows, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The app's configuration through its environment: private dirs, a closed port for every remote service."""
    root = tmp_path_factory.mktemp("hostile-env")
    (root / "home").mkdir()
    dead = f"http://127.0.0.1:{closed_port()}"
    with pytest.MonkeyPatch.context() as env:
        for name in ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "CARBON_GUI_GCP_PROJECT",
                     "CARBON_GUI_WATTTIME_USERNAME", "CARBON_GUI_WATTTIME_PASSWORD"):  # fmt: skip
            env.delenv(name, raising=False)
        for name, value in {
            "CARBON_GUI_CONFIG_DIR": root / "config",
            "CARBON_GUI_CACHE_DIR": root / "cache",
            "CARBON_GUI_DATA_DIR": root / "data",
            "HOME": root / "home",  # no ~/.config/gcloud, no ~/.netrc
            "CARBON_GUI_ELECTRICITYMAPS_URL": f"{dead}/v3",
            "CARBON_GUI_WATTTIME_URL": dead,
            "CARBON_GUI_ELECTRICITYMAPS_TOKEN": "hostile-test-token-not-a-key",  # so --live tries the closed port
            "CARBON_GUI_VERTEX_ENDPOINT": dead,
            "STORAGE_EMULATOR_HOST": dead,
            "CARBON_GUI_GCP_ANONYMOUS": "1",
            "NO_GCE_CHECK": "true",
        }.items():
            env.setenv(name, str(value))
        (root / "cwd").mkdir()
        env.chdir(root / "cwd")  # a command's default output folder (./benchmark-<name>) lands here
        # The real bundled data, read once for the file: each command reads it again otherwise (~40 ms a run).
        reference = load_reference()
        build_parser()  # imports every command's module
        loaders = [m for n, m in sys.modules.items() if n.startswith("carbon_gui.") and hasattr(m, "load_reference")]
        for module in loaders:
            env.setattr(module, "load_reference", lambda: reference)
        yield


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def sane_values(files: dict[str, Path]) -> dict[str, str]:
    """A value that works, per option (by its dest); any other option gets 'x'."""
    return {
        "machine": "n1-standard-8",
        "accelerator": "nvidia-tesla-t4:1",
        "hours": "2",
        "weights": "carbon=0.5,cost=0.3,security=0.1,latency=0.1",
        "origin": "Paris",
        "year": "2024",
        "rule": "eu",
        "max_price": "5",
        "max_emissions": "100",
        "top": "3",
        "script": str(files["script"]),
        "requirements": str(files["requirements"]),
        "function": "train",
        "region": "europe-west4",
        "project": "carbon-test",
        "image": "gcr.io/carbon-test/trainer:1.0",  # every bundled prebuilt image has ended: launch needs one
        "arg": "--epochs=1",
        "env": "BATCH_SIZE=64",
        "display_name": "hostile test",
        "job_id": "cg-20260101-000000-abcd",
        "data": str(files["benchmarks"]),
        "minimize": "time(sec)",
        "maximize": "acc",
        "constraint": "acc>=0.6",
        "margin": "0.9",
        "budget": "5000",
        "depth": "3",
        "grid": "n=1..3",
        "repeat": "2",
        "name": "hostile",
        "out": str(files["directory"] / "dataset"),
        "speedup": "nvidia-l4=2.5",
        "deadline": "36h",
        "zones": "DE",
    }


def hostile_list(files: dict[str, Path]) -> list[str]:
    """Values every option of every command is given, one at a time (see the sweep below)."""
    return [
        "", " ", "\t\n", "-", "0", "-1", "1e308", "1e-300", "nan", "-inf", "9" * 5000, "١٢",  # Arabic-Indic digits
        "carbon=1e308,cost=1e308", "eu:FRA", "countries:XXX,fra", "T4:99999999999", "名前🙂\u202e\x1b[31m", "\udcff",
        "a" * 10_000, "../../../etc/passwd", "/dev/zero", str(files["fifo"]), str(files["directory"]),
    ]  # fmt: skip


def hostile_values(files: dict[str, Path]) -> st.SearchStrategy[str]:
    no_nul = st.characters(exclude_characters="\x00")  # argv cannot hold NUL: the OS ends the string there
    return st.one_of(
        st.sampled_from(hostile_list(files)),
        st.text(no_nul, max_size=40),
        st.floats().map(repr),
        st.integers().map(str),
        st.lists(st.sampled_from(["carbon", "cost", "=", ",", "1e308", "-1", "nan", ":", "FRA"]), max_size=6).map(
            "".join
        ),
    )


def given_as(action: argparse.Action, value: str) -> list[str]:
    if action.nargs == 0:
        return [action.option_strings[-1]]
    if action.option_strings:
        return [f"{action.option_strings[-1]}={value}"]  # '=' so a value like '-1' is not taken for an option
    return ["--", value]  # a positional, even one starting with '-' (so it goes last)


def assemble(command: str, parts: list[tuple[argparse.Action, str]]) -> list[str]:
    options = [arg for action, value in parts if action.option_strings for arg in given_as(action, value)]
    positionals = [arg for action, value in parts if not action.option_strings for arg in given_as(action, value)]
    return [command, *options, *positionals]


def options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]


@st.composite
def command_line(draw: st.DrawFn, command: str, parser: argparse.ArgumentParser, files: dict[str, Path]) -> list[str]:
    """The command with one or two options given hostile values; the others work, so the handler runs."""
    sane, hostile = sane_values(files), hostile_values(files)
    valued = [a.dest for a in options(parser) if a.nargs != 0]
    targets = draw(st.sets(st.sampled_from(valued), min_size=1, max_size=2)) if valued else set()
    # One member of each mutually exclusive group (a hostile one if drawn), so argparse does not stop every example.
    left_out = set()
    for group in parser._mutually_exclusive_groups:
        members = [a.dest for a in group._group_actions]
        chosen = next((d for d in members if d in targets), None) or draw(st.sampled_from(members))
        left_out |= set(members) - {chosen}
    mode = draw(st.sampled_from(MODES[command])) if command in MODES else set()
    parts: list[tuple[argparse.Action, str]] = []
    for action in options(parser):
        if action.dest in left_out:
            continue
        if command in MODES and action.dest in ("dry_run", "local"):
            if action.dest in mode:
                parts.append((action, ""))
            continue
        if action.nargs == 0:  # a flag
            if draw(st.integers(1, SLOW_FLAGS.get((command, action.dest), 2))) == 1:
                parts.append((action, ""))
            continue
        if action.dest not in targets and not action.required and action.option_strings and draw(st.booleans()):
            continue  # leave the option out
        for _ in range(draw(st.integers(1, 2)) if isinstance(action, argparse._AppendAction) else 1):
            if action.dest in targets:
                value = draw(hostile)
            elif action.choices is not None:
                value = draw(st.sampled_from(sorted(action.choices)))
            else:
                value = sane.get(action.dest, "x")
            parts.append((action, value))
    return assemble(command, parts)


def sweep(command: str, parser: argparse.ArgumentParser, files: dict[str, Path]) -> Iterator[list[str]]:
    """Every option alone with every value of `hostile_list`; only what the command requires besides it."""
    for target in options(parser):
        if target.nargs != 0:
            for value in hostile_list(files):
                yield assemble(command, [*baseline(command, parser, files, leave_out=target), (target, value)])


def baseline(
    command: str, parser: argparse.ArgumentParser, files: dict[str, Path], leave_out: argparse.Action | None = None
) -> list[tuple[argparse.Action, str]]:
    """What the command needs to run (with values that work), besides the option under test."""
    needed = [a for a in options(parser) if a.required or a.dest in SWEEP_ALWAYS.get(command, ())]
    for group in parser._mutually_exclusive_groups:
        if group.required and leave_out not in group._group_actions:
            needed.append(group._group_actions[0])
    sane = sane_values(files)
    return [(a, sane.get(a.dest, "x")) for a in needed if a is not leave_out]


def run(argv: list[str]) -> tuple[object, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code: object = main(argv)
        except SystemExit as exit_:  # argparse's own errors, --help and --version
            code = exit_.code
    return code, out.getvalue() + err.getvalue()


def failure(argv: list[str]) -> str | None:
    """What went wrong with this command line: an exception, a traceback in the output, or an exit code other than
    0 (done) or 2 (bad input, with a message). A launch whose job ran and failed may exit 1."""
    try:
        code, output = run(argv)
    except Exception as err:  # noqa: BLE001 -- any exception is the finding, reported with its input
        return f"{shortened(argv)}: {type(err).__name__}: {shortened(str(err))}"
    failed_run = argv[:1] == ["launch"] and code == 1 and " failed" in output
    if "Traceback" in output or not (code in (0, 2, None) or failed_run):
        return f"{shortened(argv)}: exit {code}: {output[-1000:]}"
    return None


def shortened(value: object) -> str:
    """A command line or message with each long run of text cut, so a failure report stays readable."""
    if isinstance(value, list):
        return "[" + ", ".join(shortened(v) for v in value) + "]"
    text = repr(value) if not isinstance(value, str) or "\n" in value else value
    return text if len(text) <= 80 else f"{text[:60]}…({len(text)} characters)"


COMMANDS = subcommands()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_of_every_command_survives_hostile_values(
    command: str, files: dict[str, Path], isolated: None
) -> None:
    @settings(
        max_examples=EXAMPLES_PER_COMMAND,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(command_line(command, COMMANDS[command], files))
    def run_command(argv: list[str]) -> None:
        assert failure(argv) is None

    run_command()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_alone_with_each_hostile_value(command: str, files: dict[str, Path], isolated: None) -> None:
    failures = [problem for argv in sweep(command, COMMANDS[command], files) if (problem := failure(argv))]
    assert not failures, "\n".join(failures)


WORDS = st.sampled_from(["rank", "jobs", "--version", "--help", "-h", "--json", "-", "--", "fly"])


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=st.lists(WORDS | st.text(st.characters(exclude_characters="\x00"), max_size=12), max_size=4))
def test_any_command_line_at_all(argv: list[str], isolated: None) -> None:
    assert failure(argv) is None


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_working_values_reach_the_command_itself(command: str, files: dict[str, Path], isolated: None) -> None:
    """Else the fuzzing above would only ever meet argparse. (No job has this id: cancel, cleanup and report say so.)"""
    code, output = run(assemble(command, baseline(command, COMMANDS[command], files)))
    needs_a_job = command in ("cancel", "cleanup", "report")
    assert code == (2 if needs_a_job else 0), output
    if needs_a_job:
        assert "No job cg-20260101-000000-abcd in the ledger" in output, output  # the command itself answered
    assert "error: argument" not in output and "usage:" not in output


def test_the_parser_has_the_commands_this_file_expects_to_cover() -> None:
    assert {"rank", "cleanest", "machines", "launch", "jobs", "cancel", "cleanup"} <= set(COMMANDS)


@pytest.mark.parametrize("command", sorted(subcommands()))
def test_every_commands_help_reads_as_written(command: str) -> None:
    """argparse %-formats an option's help but not a description: '%%' there would show as '%%'."""
    text = subcommands()[command].format_help()
    assert "%%" not in text and "%(" not in text, text
