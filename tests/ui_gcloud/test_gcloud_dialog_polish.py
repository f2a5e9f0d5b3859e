"""Settings → Google Cloud polish (issue 11, item 11): the buttons and messages match what is set."""

import pytest

from carbon_gui.cloud.gcp_auth import resolve_access
from carbon_gui.secrets import SecretStore
from carbon_gui.ui.dialogs.gcloud_dialog import GcloudDialog
from carbon_gui.ui.workers import BackgroundTasks
from tests.secret_store import MemoryKeyring

pytestmark = pytest.mark.usefixtures("cloud_env")


@pytest.fixture
def window(qtbot):
    tasks = BackgroundTasks()
    store = SecretStore(MemoryKeyring())
    dialog = GcloudDialog("carbon-test", lambda: store, lambda: resolve_access(None), tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "none" in dialog.key_label.text(), timeout=10000)
    yield dialog
    tasks.shutdown()


def test_remove_key_stays_disabled_without_a_key_after_a_check(qtbot, window) -> None:
    assert not window.remove_key.isEnabled()
    window.check_button.click()
    qtbot.waitUntil(lambda: window.check_button.isEnabled(), timeout=30000)
    assert not window.remove_key.isEnabled()


def test_an_empty_project_id_says_to_enter_one(window) -> None:
    window.project.setText("")
    window.check_button.click()
    assert "''" not in window.status.text()
    assert "Enter" in window.status.text()


def test_missing_adc_does_not_send_the_user_to_the_dialog_they_are_in(window) -> None:
    window._show_adc_missing(
        "No Google Cloud credentials found. Run `gcloud auth application-default login`, or add a "
        "service-account key in Settings → Google Cloud."
    )
    assert "Settings → Google Cloud" not in window.adc_label.text()
    assert "gcloud auth application-default login" in window.adc_label.text()
