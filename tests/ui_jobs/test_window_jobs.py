"""The job flow inside the real main window: the Jobs tab, Launch… from the selected region (Ctrl+L),
Settings → Google Cloud…, and a job launched from the wizard's flow showing up in the tab."""

import dataclasses

import pytest
from PySide6.QtCore import Qt

from carbon_gui.jobs.request import LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.secrets import SecretStore
from carbon_gui.settings import UserSettings
from carbon_gui.ui.dialogs.gcloud_dialog import GcloudDialog
from carbon_gui.ui.launch.wizard import LaunchWizard
from tests.secret_store import MemoryKeyring
from tests.ui.conftest import make_services, open_window
from tests.ui_jobs.conftest import WAIT_MS, launch

pytestmark = pytest.mark.usefixtures("local_env")


@pytest.fixture
def window(qtbot, service: JobService):
    from carbon_gui.cloud.gcp_auth import resolve_access

    store = SecretStore(MemoryKeyring())
    services = dataclasses.replace(
        make_services(), jobs=lambda: service, gcp_access=lambda: resolve_access(None), secret_store=lambda: store
    )
    w = open_window(qtbot, UserSettings(gcp_project="carbon-test"), services)
    qtbot.waitUntil(lambda: w.ranking is not None and w.jobs_controller.view is not None, timeout=WAIT_MS)
    yield w
    w.close()


def test_the_jobs_tab_shows_a_job_and_follows_it_to_the_end(qtbot, window, service, script) -> None:
    record = launch(service, LaunchRequest("local", "europe-west4", script, "n1-standard-8", 1.0))
    view = window.jobs_controller.view
    window.jobs_controller._show_job(record.id)
    assert window.views.currentWidget() is window.jobs_controller.tab
    qtbot.waitUntil(lambda: (s := view.model.find(record.id)) is not None and s.record.state == "succeeded",
                    timeout=WAIT_MS)  # fmt: skip


def test_launch_opens_the_wizard_for_the_selected_region(qtbot, window) -> None:
    window.select_region("europe-west4")
    assert window.jobs_controller.launch_action.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(w.isVisible() for w in window.findChildren(LaunchWizard)), timeout=10000)
    wizard = next(w for w in window.findChildren(LaunchWizard) if w.isVisible())
    assert "europe-west4" in wizard.windowTitle()
    wizard.reject()


def test_google_cloud_settings_keep_the_project_id(qtbot, window) -> None:
    window.jobs_controller.gcloud_action.trigger()
    dialog = next(d for d in window.findChildren(GcloudDialog) if d.isVisible())
    assert dialog.project.text() == "carbon-test"
    dialog.project.setText("other-project")
    dialog.buttons.accepted.emit()
    assert window.current_settings().gcp_project == "other-project"
