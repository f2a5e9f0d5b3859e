"""Settings → Google Cloud: the project id, which credentials the app uses, and a Check.

Credentials are Application Default Credentials (the gcloud convention; detected and shown) or a
service-account key file whose JSON goes to the OS keyring through the secrets layer — the app never
copies it to disk. Reading the file, the keyring and the network all run on the thread pool.
"""

import re
from collections.abc import Callable
from html import escape
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.cloud.access_check import AccessReport, check_access
from carbon_gui.cloud.gcp_auth import GcpAccess, application_default_access, parse_service_account
from carbon_gui.secrets import NoKeyringAvailable, Secret, SecretStore
from carbon_gui.ui.workers import BackgroundTasks

PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
CHECK_REGION = "us-central1"  # any Vertex AI region answers the read-only probe


class GcloudDialog(QDialog):
    """`project_changed(str)` is emitted on OK with the project id the user set."""

    project_changed = Signal(str)
    key_changed = Signal()

    def __init__(
        self,
        project: str,
        store: Callable[[], SecretStore],
        access: Callable[[], GcpAccess],
        tasks: BackgroundTasks,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Google Cloud")
        self.setMinimumWidth(620)
        self._store, self._access, self._tasks = store, access, tasks
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.project = QLineEdit(project)
        self.project.setPlaceholderText("e.g. my-training-project")
        self.project.setToolTip("The project id (not its display name or number): 6-30 lower-case letters, digits, -")
        label = QLabel("&Project id:")
        label.setBuddy(self.project)
        form.addRow(label, self.project)
        layout.addLayout(form)

        credentials = QGroupBox("Credentials")
        box = QVBoxLayout(credentials)
        self.adc_label = QLabel("Application Default Credentials: looking…")
        self.adc_label.setWordWrap(True)
        self.adc_label.setTextFormat(Qt.TextFormat.PlainText)  # a path or an error message, never markup
        box.addWidget(self.adc_label)
        self.key_label = QLabel("Service-account key: reading the keyring…")
        self.key_label.setWordWrap(True)
        box.addWidget(self.key_label)
        keys = QHBoxLayout()
        self.choose_key = QPushButton("Use a service-account &key file…")
        self.choose_key.setToolTip("Its JSON is kept in the OS keyring; the app writes it nowhere else.")
        self.remove_key = QPushButton("&Remove key")
        self.remove_key.setEnabled(False)  # until the keyring says there is a key
        self.session_only = QCheckBox("Keep the key for this &session only (in memory)")
        self.session_only.setVisible(False)
        keys.addWidget(self.choose_key)
        keys.addWidget(self.remove_key)
        keys.addStretch(1)
        box.addLayout(keys)
        box.addWidget(self.session_only)
        layout.addWidget(credentials)

        checks = QHBoxLayout()
        self.check_button = QPushButton("&Check access")
        self.check_button.setToolTip("Lists the project's training jobs and buckets (read-only) with these credentials")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # may quote a server's answer: its HTML is not ours
        self.status.setObjectName("gcloudStatus")
        checks.addWidget(self.check_button)
        checks.addStretch(1)
        layout.addLayout(checks)
        layout.addWidget(self.status)
        layout.addStretch(1)  # a taller dialog keeps its lines together, the room goes above OK / Cancel
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        layout.addWidget(self.buttons)

        self.choose_key.clicked.connect(self._choose_key)
        self.remove_key.clicked.connect(self._remove_key)
        self.check_button.clicked.connect(self.check)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self._has_key = False
        self._refresh_credentials()

    # --- layout --------------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:  # new text laid out: it may need more lines
            self._fit_text()
        return handled

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_text()

    def _fit_text(self) -> None:
        """Keep the dialog tall enough for its wrapped text at its width. Qt gives a window no minimum height for
        wrapped labels, so a long credentials line was cut mid-line and Check access's lines squashed the buttons."""
        layout = self.layout()
        needed = layout.totalHeightForWidth(self.width()) if layout and layout.hasHeightForWidth() else -1
        if needed > 0:
            self.setMinimumHeight(needed)
            if self.height() < needed:
                self.resize(self.width(), needed)

    # --- what is set ---------------------------------------------------------------------------------

    def _refresh_credentials(self) -> None:
        self._tasks.run(self._describe_key, on_result=self._show_key, on_error=self._show_key_error)
        self._tasks.run(application_default_access, on_result=self._show_adc, on_error=self._show_adc_missing)

    def _describe_key(self) -> str | None:
        key = self._store().load_service_account_key()
        if key is None:
            return None
        info = parse_service_account(key.reveal())
        where = "this session only" if self._store().service_account_session_only() else "the OS keyring"
        return f"{info['client_email']} (project {info['project_id']}), kept in {where}"

    def _show_key(self, description: object) -> None:
        self._has_key = description is not None
        self.remove_key.setEnabled(self._has_key)
        if description is None:
            self.key_label.setText("Service-account key: none — the app uses Application Default Credentials.")
        else:
            self.key_label.setText(f"Service-account key: <b>{escape(str(description))}</b> — used instead of ADC.")

    def _show_key_error(self, message: str) -> None:
        self.key_label.setText(f"Service-account key: {escape(message)}")  # the label is rich text (the <b> above)

    def _show_adc(self, access: object) -> None:
        assert isinstance(access, GcpAccess)
        project = f"; its project: {access.default_project}" if access.default_project else ""
        self.adc_label.setText(f"{access.description}{project}.")
        if not self.project.text() and access.default_project:
            self.project.setText(access.default_project)

    def _show_adc_missing(self, message: str) -> None:
        self.adc_label.setText(f"Application Default Credentials: {_here(message, 'the button below')}")

    # --- actions -------------------------------------------------------------------------------------

    def _choose_key(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Service-account key", str(Path.home()), "Key files (*.json)")
        if path:
            self.use_key_file(Path(path))

    def use_key_file(self, path: Path) -> None:
        """Read, check and store the key in the background; the dialog shows the outcome."""
        session_only = self.session_only.isChecked()

        def store_key() -> str:
            text = path.read_text(encoding="utf-8")
            info = parse_service_account(text)  # says what is wrong with a file that is not a key
            self._store().save_service_account_key(Secret(text), session_only=session_only)
            return info["client_email"]

        self._set_busy("Storing the key…")
        self._tasks.run(store_key, on_result=self._key_stored, on_error=self._key_not_stored)

    def _key_stored(self, email: object) -> None:
        self._set_busy(None)
        self.status.setText(f"Key for {email} stored.")
        self.key_changed.emit()
        self._refresh_credentials()

    def _key_not_stored(self, message: str) -> None:
        self._set_busy(None)
        if NoKeyringAvailable.__name__ in message or "keyring" in message.lower():
            self.session_only.setVisible(True)
        self.status.setText(self._below_the_key_button(message))

    def _remove_key(self) -> None:
        self._set_busy("Removing the key…")
        self._tasks.run(
            lambda: self._store().clear_service_account_key(),
            on_result=lambda _: self._key_removed(),
            on_error=self._key_not_stored,
        )

    def _key_removed(self) -> None:
        self._set_busy(None)
        self.status.setText("Key removed: the app uses Application Default Credentials.")
        self.key_changed.emit()
        self._refresh_credentials()

    def check(self) -> None:
        project = self.project.text().strip()
        if not PROJECT_ID.match(project):
            self.status.setText(_project_id_problem(project))
            return
        self._set_busy("Checking…")
        self._tasks.run(
            lambda: check_access(project, CHECK_REGION, self._access()),
            on_result=self._checked,
            on_error=self._check_failed,
        )

    def _checked(self, report: object) -> None:
        assert isinstance(report, AccessReport)
        self._set_busy(None)
        self.status.setText(self._below_the_key_button(report.text()))

    def _check_failed(self, message: str) -> None:
        self._set_busy(None)
        self.status.setText(self._below_the_key_button(message))

    def _below_the_key_button(self, message: str) -> str:
        return _here(message, f"'{self.choose_key.text().replace('&', '')}' above")

    def _set_busy(self, what: str | None) -> None:
        for button in (self.choose_key, self.check_button):
            button.setEnabled(what is None)
        self.remove_key.setEnabled(what is None and self._has_key)  # nothing to remove without a key
        if what:
            self.status.setText(what)

    def _accept(self) -> None:
        project = self.project.text().strip()
        if project and not PROJECT_ID.match(project):
            self.status.setText(_project_id_problem(project))
            return
        self.project_changed.emit(project)
        self.accept()


def _here(message: str, key_button: str) -> str:
    """The shared cloud messages point to this very dialog ("… in Settings → Google Cloud"): point to its key button."""
    return message.replace("in Settings → Google Cloud", f"with {key_button}")


def _project_id_problem(project: str) -> str:
    if not project:
        return "Enter a project id: 6-30 lower-case letters, digits and hyphens (see the Cloud console)."
    return f"'{project}' is not a project id: 6-30 lower-case letters, digits and hyphens."
