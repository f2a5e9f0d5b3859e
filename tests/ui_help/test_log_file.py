"""The log file: under the log dir, owner-only, at the chosen level, and without the key of a real refresh against a
local fake Electricity Maps (the token is a sentinel; the scan looks for it raw, percent- and base64-encoded)."""

import logging
import stat
from datetime import UTC, datetime

from PySide6.QtCore import qWarning

from carbon_gui.app import install_crash_handling
from carbon_gui.live_service import LiveService
from carbon_gui.secrets import Credentials, Secret
from tests.integration.fake_providers import FakeElectricityMaps
from tests.integration.secret_scan import assert_no_secret_on_disk
from tests.ui.conftest import make_services, open_window
from tests.ui_help.conftest import ENV_SENTINEL

TOKEN_SENTINEL = "em-SENTINEL-0c5e2b7d94aa"


def test_a_refresh_at_debug_level_logs_the_requests_but_not_the_key(qtbot, log_dir, tmp_path):
    em = FakeElectricityMaps.start(now=datetime.now(UTC), token=TOKEN_SENTINEL)
    try:
        live = LiveService(lambda: Credentials(Secret(TOKEN_SENTINEL), None, None),
                           environ={"CARBON_GUI_ELECTRICITYMAPS_URL": em.api_url},
                           cache_path=tmp_path / "http.sqlite", timeout_s=2)  # fmt: skip
        services = make_services()
        services = type(services)(**{**services.__dict__, "live": live})
        window = open_window(qtbot, services=services)
        install_crash_handling(lambda: window, None, "DEBUG")
        qtbot.waitUntil(lambda: window.live is not None and window.live.provider == "electricitymaps"
                        and bool(window.live.signals) and not window.live.busy, timeout=20000)  # fmt: skip
        assert em.count("carbon-intensity/latest") > 0
        # a careless log line quoting the key, as a library's debug output could
        logging.getLogger("urllib3.connectionpool").debug("headers: {'auth-token': '%s'}", TOKEN_SENTINEL)
        window.close()
    finally:
        em.stop()
    logging.getLogger().handlers[-1].flush()
    log = log_dir / "carbon-gui.log"
    text = log.read_text(encoding="utf-8")
    assert "127.0.0.1" in text, "the refresh's requests are in the log at DEBUG"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600 and stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    assert_no_secret_on_disk(log_dir, [TOKEN_SENTINEL])


def test_the_level_filters_and_the_environment_key_is_masked(qtbot, log_dir, monkeypatch):
    monkeypatch.setenv("CARBON_GUI_ELECTRICITYMAPS_TOKEN", ENV_SENTINEL)
    window = open_window(qtbot)
    install_crash_handling(lambda: window, None, "WARNING")
    logging.getLogger("carbon_gui.test").info("an info line that must not be written")
    logging.getLogger("carbon_gui.test").warning("the key %s is refused", ENV_SENTINEL)
    qWarning("a warning from Qt itself")  # Qt's message handler sends it to the log too
    window.close()
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = (log_dir / "carbon-gui.log").read_text(encoding="utf-8")
    assert "the key ••••" in text and "refused" in text
    assert "an info line" not in text
    assert "WARNING MainThread qt: a warning from Qt itself" in text
    assert_no_secret_on_disk(log_dir, [ENV_SENTINEL])


def test_the_log_rotates_and_every_file_stays_owner_only(qtbot, log_dir, monkeypatch):
    monkeypatch.setattr("carbon_gui.app_log.MAX_LOG_BYTES", 2000)
    window = open_window(qtbot)
    install_crash_handling(lambda: window, None, "INFO")
    for line in range(200):
        logging.getLogger("carbon_gui.test").info("line %d of a long session", line)
    window.close()
    files = sorted(log_dir.glob("carbon-gui.log*"))
    assert [f.name for f in files] == ["carbon-gui.log", "carbon-gui.log.1", "carbon-gui.log.2", "carbon-gui.log.3"]
    assert all(f.stat().st_size <= 2000 for f in files)
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}
