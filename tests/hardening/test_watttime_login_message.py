"""A failed WattTime login says it was the login: `carbon-gui cleanest --live` in a subprocess against the fake
WattTime on 127.0.0.1."""

from pathlib import Path

import pytest

from tests.integration.fake_providers import FakeWattTime
from tests.integration.test_cli_live import run_cli


@pytest.mark.parametrize(
    ("fault", "said"),
    [("503", "WattTime login failed: HTTP 503"), ("malformed", "WattTime login failed: malformed answer")],
)
def test_a_failed_login_is_reported_as_the_login(tmp_path: Path, fault: str, said: str) -> None:
    with FakeWattTime.start(faults={"login": fault}) as server:
        env = {"CARBON_GUI_WATTTIME_URL": server.api_url, "CARBON_GUI_WATTTIME_USERNAME": server.username,
               "CARBON_GUI_WATTTIME_PASSWORD": server.password, "CARBON_GUI_CACHE_DIR": str(tmp_path)}  # fmt: skip
        result = run_cli("cleanest", "--live", "--provider", "watttime", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert said in result.stderr and "provider error" not in result.stderr
