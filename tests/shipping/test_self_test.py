"""`carbon-gui --self-test` from the development install, run as a user runs it: a subprocess, outside the tree."""

import sys
from pathlib import Path

from carbon_gui.self_test import STAND_IN_TOKEN, stand_in_provider
from tests.shipping.commands import assert_self_test_passed, closed_port_url, run_command

CARBON_GUI = [sys.executable, "-m", "carbon_gui"]


def test_the_self_test_passes_without_a_display(tmp_path: Path) -> None:
    result = run_command([*CARBON_GUI, "--self-test"], tmp_path)
    assert_self_test_passed(result)
    assert "window: opened on the 'offscreen' platform" in result.stdout
    assert "in a helper process" in result.stdout  # a source install fetches as its window does
    assert not (tmp_path / "config").exists()  # the user's settings are not touched: it uses its own scratch folder


def test_the_self_test_fetches_from_the_provider_it_is_given(tmp_path: Path) -> None:
    with stand_in_provider() as url:
        result = run_command([*CARBON_GUI, "--self-test"], tmp_path, CARBON_GUI_ELECTRICITYMAPS_URL=url,
                             CARBON_GUI_ELECTRICITYMAPS_TOKEN=STAND_IN_TOKEN)  # fmt: skip
    assert_self_test_passed(result)
    assert f"live signals from {url} " in result.stdout


def test_a_provider_that_is_down_fails_the_self_test_with_a_message(tmp_path: Path) -> None:
    url = closed_port_url()
    result = run_command([*CARBON_GUI, "--self-test"], tmp_path, CARBON_GUI_ELECTRICITYMAPS_URL=url,
                         CARBON_GUI_ELECTRICITYMAPS_TOKEN=STAND_IN_TOKEN)  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "carbon-gui self-test FAILED: fetch: no live value for" in result.stderr
    assert url in result.stderr
    assert "Traceback" not in result.stderr
    assert "self-test passed" not in result.stdout


def test_the_self_test_takes_no_other_arguments(tmp_path: Path) -> None:
    result = run_command([*CARBON_GUI, "--self-test", "machines"], tmp_path)
    assert result.returncode == 2
    assert "--self-test takes no other arguments: run 'carbon-gui --self-test'" in result.stderr
    assert "Traceback" not in result.stderr
