"""Settings → Google Cloud laid out as a user sees it (issue 11, item 11): the credentials text is never cut, the
buttons keep their size after Check access, and the dialog fits a 1024 x 640 screen. Each state is saved as a PNG
in test-artifacts/ to look at."""

import json
import socket
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from PySide6.QtWidgets import QLabel, QPushButton

from carbon_gui.cloud.gcp_auth import resolve_access
from carbon_gui.secrets import SecretStore
from carbon_gui.ui.dialogs.gcloud_dialog import GcloudDialog
from carbon_gui.ui.workers import BackgroundTasks
from tests.secret_store import MemoryKeyring

pytestmark = pytest.mark.usefixtures("cloud_env")
SCREEN = (1024, 640)


def adc_key_file(folder: Path) -> Path:
    """A service-account file for ADC at a long path, as gcloud leaves them in a user's config dir."""
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    info = {"type": "service_account", "project_id": "carbon-test", "private_key": pem.decode(),
            "client_email": "a-rather-long-training-account-name@carbon-test.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.googleapis.com/token"}  # fmt: skip
    path = folder / "home" / "someone" / ".config" / "gcloud" / "legacy_credentials" / "training-account" / "adc.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(info))
    return path


@pytest.fixture
def dialog(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(adc_key_file(tmp_path)))
    tasks = BackgroundTasks()
    store = SecretStore(MemoryKeyring())
    window = GcloudDialog("carbon-test", lambda: store, lambda: resolve_access(None), tasks)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "none" in window.key_label.text(), timeout=10000)
    qtbot.waitUntil(lambda: "GOOGLE_APPLICATION_CREDENTIALS" in window.adc_label.text(), timeout=10000)
    yield window
    tasks.shutdown()


def cut_labels(window) -> list[str]:
    """Labels whose text needs more room than they have (wrapped text taller than the label, or wider than it)."""
    cut = []
    for label in window.findChildren(QLabel):
        if not label.isVisible() or not label.text():
            continue
        need = label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
        if need > label.height() or label.minimumSizeHint().width() > label.width():
            cut.append(label.text()[:60])
    return cut


def squashed_buttons(window) -> list[str]:
    return [b.text() for b in window.findChildren(QPushButton) if b.isVisible()
            and (b.height() < b.sizeHint().height() or b.width() < b.minimumSizeHint().width())]  # fmt: skip


def check_layout(qtbot, window, name: str, artifacts_dir: Path) -> None:
    qtbot.wait(50)  # let the layout settle
    assert window.grab().save(str(artifacts_dir / f"gcloud_dialog_{name}.png"))
    assert cut_labels(window) == []
    assert squashed_buttons(window) == []
    assert window.width() <= SCREEN[0] and window.height() <= SCREEN[1]


def check_access(qtbot, window) -> None:
    window.check_button.click()
    qtbot.waitUntil(lambda: window.check_button.isEnabled(), timeout=30000)
    assert window.status.text() not in ("", "Checking…")  # the check's answer is shown


def test_at_its_default_size_before_and_after_check_access(qtbot, dialog, artifacts_dir) -> None:
    check_layout(qtbot, dialog, "default", artifacts_dir)
    check_access(qtbot, dialog)
    check_layout(qtbot, dialog, "default_checked", artifacts_dir)


def test_on_a_1024_by_640_screen_before_and_after_check_access(qtbot, dialog, artifacts_dir) -> None:
    dialog.setMaximumSize(*SCREEN)
    dialog.resize(*SCREEN)
    check_layout(qtbot, dialog, "1024x640", artifacts_dir)
    dialog.resize(dialog.minimumSizeHint())  # as small as the dialog lets a user make it
    check_layout(qtbot, dialog, "smallest", artifacts_dir)
    check_access(qtbot, dialog)
    check_layout(qtbot, dialog, "smallest_checked", artifacts_dir)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the probe is closed


def test_a_failed_check_keeps_the_buttons_whole_at_the_smallest_size(qtbot, dialog, monkeypatch, artifacts_dir):
    monkeypatch.setenv("CARBON_GUI_VERTEX_ENDPOINT", f"http://127.0.0.1:{closed_port()}")  # Vertex AI unreachable
    dialog.resize(dialog.minimumSizeHint())
    check_access(qtbot, dialog)
    assert "Vertex AI:" in dialog.status.text() and "\n" in dialog.status.text()  # the three-line report
    check_layout(qtbot, dialog, "smallest_check_failed", artifacts_dir)
