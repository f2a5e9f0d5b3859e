"""Settings → Google Cloud, driven like a user: check access against the local servers, store a
service-account key in the (in-memory) keyring and never on disk, remove it."""

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from carbon_gui.cloud.gcp_auth import resolve_access
from carbon_gui.secrets import SecretStore
from carbon_gui.ui.dialogs.gcloud_dialog import GcloudDialog
from carbon_gui.ui.workers import BackgroundTasks
from tests.secret_store import MemoryKeyring, files_containing

pytestmark = pytest.mark.usefixtures("cloud_env")


def _key_file(folder: Path) -> Path:
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    info = {
        "type": "service_account",
        "project_id": "carbon-test",
        "private_key": pem.decode(),
        "client_email": "trainer@carbon-test.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path = folder / "key.json"
    path.write_text(json.dumps(info))
    return path


@pytest.fixture
def dialog(qtbot):
    store = SecretStore(MemoryKeyring())
    tasks = BackgroundTasks()
    dialog = GcloudDialog("carbon-test", lambda: store, lambda: resolve_access(None), tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    yield dialog, store
    tasks.shutdown()


def test_check_says_both_services_answered(qtbot, dialog) -> None:
    window, _ = dialog
    qtbot.waitUntil(lambda: "none" in window.key_label.text(), timeout=10000)
    window.check_button.click()
    qtbot.waitUntil(lambda: "Access confirmed" in window.status.text(), timeout=30000)
    assert window.check_button.isEnabled()


def test_a_bad_project_id_is_refused_before_any_call(qtbot, dialog, fake_vertex) -> None:
    window, _ = dialog
    window.project.setText("My Project")
    window.check_button.click()
    assert "is not a project id" in window.status.text()
    assert fake_vertex.requests == []


def test_a_key_file_goes_to_the_keyring_only(qtbot, dialog, tmp_path: Path) -> None:
    window, store = dialog
    path = _key_file(tmp_path)
    secret_line = json.loads(path.read_text())["private_key"].splitlines()[1]
    with qtbot.waitSignal(window.key_changed, timeout=10000):
        window.use_key_file(path)
    assert store.load_service_account_key() is not None
    qtbot.waitUntil(lambda: "trainer@carbon-test" in window.key_label.text(), timeout=10000)
    path.unlink()  # the user's own file: the only copy on disk was theirs
    assert files_containing(secret_line, tmp_path) == []
    with qtbot.waitSignal(window.key_changed, timeout=10000):
        window.remove_key.click()
    assert store.load_service_account_key() is None


def test_a_file_that_is_not_a_key_says_so(qtbot, dialog, tmp_path: Path) -> None:
    window, store = dialog
    path = tmp_path / "notes.json"
    path.write_text('{"type": "authorized_user"}')
    window.use_key_file(path)
    qtbot.waitUntil(lambda: "not a service-account key" in window.status.text(), timeout=10000)
    assert store.load_service_account_key() is None
