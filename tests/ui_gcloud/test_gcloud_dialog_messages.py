"""Settings → Google Cloud says what is true (issue 11, item 11), each checked through the real path: the missing-ADC
hint from google-auth itself, Remove key before the keyring answered or when it failed, and a server's or a key
file's HTML shown as text."""

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from carbon_gui.cloud.gcp_auth import resolve_access
from carbon_gui.secrets import SecretStore
from carbon_gui.ui.dialogs.gcloud_dialog import GcloudDialog
from carbon_gui.ui.workers import BackgroundTasks
from tests.secret_store import BrokenKeyring, MemoryKeyring
from tests.ui_gcloud.test_gcloud_dialog import _key_file
from tests.vertex.fake_vertex import Fault

pytestmark = pytest.mark.usefixtures("cloud_env")
HTML = "<a href='https://example.invalid/'>Sign in</a> to continue"


def open_dialog(qtbot, keyring=None) -> tuple[GcloudDialog, SecretStore, BackgroundTasks]:
    store = SecretStore(keyring or MemoryKeyring())
    tasks = BackgroundTasks()
    dialog = GcloudDialog("carbon-test", lambda: store, lambda: resolve_access(None), tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog, store, tasks


@pytest.fixture
def no_adc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user who never ran gcloud: no ADC file anywhere google-auth looks (and no metadata server: NO_GCE_CHECK)."""
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud-config"))


def test_missing_adc_points_to_the_button_below_not_to_this_dialog(qtbot, no_adc) -> None:
    dialog, _, tasks = open_dialog(qtbot)
    try:
        qtbot.waitUntil(lambda: "looking" not in dialog.adc_label.text(), timeout=10000)
        text = dialog.adc_label.text()
        assert "gcloud auth application-default login" in text
        assert "Settings → Google Cloud" not in text and "button below" in text
    finally:
        tasks.shutdown()


def test_remove_key_is_disabled_before_the_keyring_answers(qtbot) -> None:
    dialog, _, tasks = open_dialog(qtbot)
    try:
        assert not dialog.remove_key.isEnabled()  # the keyring is read in the background: nothing known yet
        qtbot.waitUntil(lambda: "none" in dialog.key_label.text(), timeout=10000)
        assert not dialog.remove_key.isEnabled()
    finally:
        tasks.shutdown()


def test_remove_key_stays_disabled_when_the_keyring_cannot_be_read(qtbot) -> None:
    dialog, _, tasks = open_dialog(qtbot, BrokenKeyring())
    try:
        qtbot.waitUntil(lambda: "reading the keyring" not in dialog.key_label.text(), timeout=10000)
        assert not dialog.remove_key.isEnabled()
    finally:
        tasks.shutdown()


def test_a_servers_html_is_shown_as_text(qtbot, fake_vertex) -> None:
    fake_vertex.inject(Fault(403, "PERMISSION_DENIED", HTML), on="list")
    dialog, _, tasks = open_dialog(qtbot)
    try:
        dialog.check_button.click()
        qtbot.waitUntil(lambda: dialog.check_button.isEnabled(), timeout=30000)
        assert "<a href=" in dialog.status.text()  # the server's words, quoted...
        assert dialog.status.textFormat() == Qt.TextFormat.PlainText  # ...and shown as they are, not as a link
    finally:
        tasks.shutdown()


def test_a_key_files_html_is_shown_as_text(qtbot, tmp_path) -> None:
    path = _key_file(tmp_path)
    info = json.loads(path.read_text())
    path.write_text(json.dumps({**info, "client_email": "<img src='x'>trainer@carbon-test.iam.gserviceaccount.com"}))
    dialog, _, tasks = open_dialog(qtbot)
    try:
        with qtbot.waitSignal(dialog.key_changed, timeout=10000):
            dialog.use_key_file(path)
        qtbot.waitUntil(lambda: "trainer@carbon-test" in dialog.key_label.text(), timeout=10000)
        assert "<img" not in dialog.key_label.text() and "&lt;img" in dialog.key_label.text()
        assert dialog.remove_key.isEnabled()  # now there is a key to remove
    finally:
        tasks.shutdown()
