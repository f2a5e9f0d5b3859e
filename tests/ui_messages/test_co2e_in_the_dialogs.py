"""Issue 11 item 14, beyond the main window's own widgets: the dialogs (Keys, Google Cloud, Countries, the launch
wizard up to its review page, Compare hardware, Cleanest region now, every Help dialog) and the Hardware tab after a
fit and an optimisation with regions (its Models and Optimise pages with results) spell CO₂e, as the window does.
The window is the real one with its real services: the job service over a private ledger, an in-memory keyring (no OS
keyring exists on a test machine; the Keys dialog only needs one to list), the bundled replay for live data. The
benchmark is the synthetic one the dimensioning tests write; its own column names (CO2e(kg)) keep their spelling."""

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from carbon_gui.jobs.service import JobService
from carbon_gui.live_service import LiveService
from carbon_gui.secrets import Credentials, SecretStore
from carbon_gui.settings import UserSettings
from carbon_gui.ui.main_window import MainWindow
from tests.dimensioning.conftest import write_pair
from tests.jobs.conftest import local_env, reference, script, service  # noqa: F401 - fixtures
from tests.secret_store import MemoryKeyring
from tests.ui.conftest import make_services, open_window
from tests.ui_launch.conftest import click_button, wait_for_review
from tests.ui_messages.test_co2e_in_the_window import window_texts, wrong_texts

pytestmark = [pytest.mark.timeout(300), pytest.mark.usefixtures("local_env")]
WAIT_MS = 120_000


@pytest.fixture
def window(qtbot, service: JobService):  # noqa: F811
    from carbon_gui.cloud.gcp_auth import resolve_access

    store = SecretStore(MemoryKeyring())
    services = dataclasses.replace(
        make_services(),
        live=LiveService(lambda: Credentials()),
        jobs=lambda: service,
        gcp_access=lambda: resolve_access(None),
        secret_store=lambda: store,
    )
    w = open_window(qtbot, UserSettings(gcp_project="carbon-test"), services)
    qtbot.waitUntil(lambda: w.ranking is not None and w.jobs_controller.view is not None and bool(w.live.signals),
                    timeout=WAIT_MS)  # fmt: skip
    yield w
    w.close()


def open_every_dialog(qtbot, window: MainWindow, script_path: Path) -> None:
    window.select_region(window.ranking.ranked[0].name)
    window.live_controller.edit_keys()
    qtbot.waitUntil(lambda: window.live_controller.keys_dialog is not None, timeout=WAIT_MS)
    window.jobs_controller.gcloud_action.trigger()
    window.constraints_panel.editCountriesRequested.emit()
    window.carbon_panel.cleanest.click()
    qtbot.waitUntil(lambda: window.live_controller.cleanest_dialog is not None, timeout=WAIT_MS)
    window._compare_hardware()
    qtbot.waitUntil(lambda: window.compare_dialog.model.rowCount() > 0, timeout=WAIT_MS)
    help_menu = window.help_menu
    for show in (help_menu.show_welcome, help_menu.show_shortcuts, help_menu.show_diagnostics, help_menu.show_about):
        show()
    window.jobs_controller.launch_action.trigger()
    wizard = window.jobs_controller.wizard
    qtbot.waitUntil(lambda: wizard.hardware_page.machine.count() > 1, timeout=WAIT_MS)
    qtbot.keyClicks(wizard.script_page.script_edit, str(script_path))
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    click_button(qtbot, wizard, QWizard.WizardButton.NextButton)
    wait_for_review(qtbot, wizard)


def fit_and_optimise(qtbot, window: MainWindow, folder: Path) -> None:
    """Load a benchmark on the Hardware tab, fit its models, and optimise energy with three regions to choose from."""
    window.views.setCurrentWidget(window.hardware_view)
    view = window.hardware_view
    qtbot.waitUntil(lambda: view.optimise_page is not None, timeout=WAIT_MS)
    view.pages.setCurrentWidget(view.data_page)
    with qtbot.waitSignal(view.data_page.loaded, timeout=WAIT_MS):
        qtbot.keyClicks(view.data_page.folder, str(folder))
        qtbot.keyClick(view.data_page.folder, Qt.Key.Key_Return)
    view.pages.setCurrentWidget(view.models_page)
    with qtbot.waitSignal(view.models_page.fitted, timeout=WAIT_MS):
        qtbot.mouseClick(view.models_page.fit_button, Qt.MouseButton.LeftButton)
    page = view.optimise_page
    view.pages.setCurrentIndex(view.pages.indexOf(page.parentWidget()))
    qtbot.waitUntil(lambda: page.regions.count() > 0, timeout=WAIT_MS)
    page.choose_region.setChecked(True)
    for i in range(3):
        page.regions.item(i).setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(page.optimise_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.running and page.result is not None, timeout=WAIT_MS)
    assert page.result.answer.feasible, page.status.text()


def test_every_dialog_writes_co2e_one_way(qtbot, window, script):  # noqa: F811
    open_every_dialog(qtbot, window, script)
    texts = "\n".join(text for _where, text in window_texts(window))
    for title in ("API keys", "Google Cloud", "Countries and trust tiers", "Cleanest region now", "Compare hardware",
                  "Welcome", "Keyboard shortcuts", "Diagnostics", "About", "Launch a training job"):  # fmt: skip
        assert title in texts, f"the {title} dialog was walked"
    assert "gCO₂e/kWh" in texts  # the review page's estimate, among others
    assert not wrong_texts(window), wrong_texts(window)


def test_the_hardware_tab_after_a_fit_writes_co2e_one_way(qtbot, window, tmp_path):
    folder = tmp_path / "bench"
    write_pair(folder, "n1-standard-4", price=1.0)
    write_pair(folder, "n1-standard-8", price=3.0)
    fit_and_optimise(qtbot, window, folder)
    view = window.hardware_view
    for page in (view.models_page, view.optimise_page.parentWidget()):
        view.pages.setCurrentWidget(page)
        qtbot.wait(300)
    texts = "\n".join(text for _where, text in window_texts(view))
    assert "europe" in texts or "us-" in texts, "the carbon by region was shown"
    assert not wrong_texts(view), wrong_texts(view)
