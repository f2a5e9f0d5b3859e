"""The When tab on live WattTime data (a local fake, real HTTP on 127.0.0.1) that covers less than the run: the
problem says what to do in this window (the Live source), not the CLI's --live."""

from datetime import UTC, datetime

import pytest

from carbon_gui.secrets import Credentials, Secret
from tests.integration.fake_providers import FakeWattTime
from tests.ui.test_live_providers import window_with
from tests.ui_when.test_when_view import PLAN_TIMEOUT_MS


@pytest.mark.timeout(180)
def test_live_data_too_short_for_the_run_names_the_live_source_not_a_cli_option(qtbot, tmp_path) -> None:
    california = {"CAISO_NORTH": (32.0, 42.0, -124.5, -114.0)}  # us-west2, us-west4; the forecast covers 50 min
    with FakeWattTime.start(now=datetime.now(UTC), coverage=california) as wt:
        credentials = Credentials(None, wt.username, Secret(wt.password))
        window = window_with(qtbot, credentials, {"CARBON_GUI_WATTTIME_URL": wt.api_url}, tmp_path)
        view = window.when_view
        inputs = view._inputs()
        assert inputs is not None and inputs.signals, "planned on live data"
        view.run_hours.setValue(2)
        view.within.setValue(12)
        window.views.setCurrentWidget(view)
        view.replan()
        qtbot.waitUntil(lambda: not view.running and "covering a 2 h run" in view.message.text(),
                        timeout=PLAN_TIMEOUT_MS)  # fmt: skip
        message = view.message.text()
        assert "give a shorter run. Or choose “2024 replay (offline)” as the Live source under Carbon data" in message
        assert "--live" not in message
        window.close()
