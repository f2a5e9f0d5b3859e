"""API keys for Electricity Maps and WattTime: enter, test, save in the OS keyring, remove.

Saved keys are never shown: their field stays empty with the placeholder "saved — type to replace".
Without a working OS keyring the dialog says so and offers to keep the keys for this session only,
in memory; it never writes them anywhere else. Every keyring call and every "Test" runs on the thread pool:
the GUI thread never waits on the keyring (a locked one can take seconds to answer).
"""

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from carbon_gui.secrets import (
    NO_KEYRING_MESSAGE,
    PROVIDER_TITLES,
    Credentials,
    NoKeyringAvailable,
    Provider,
    Secret,
    SecretStore,
    SecretStoreError,
    redact,
)
from carbon_gui.ui.dialogs.messages import show_error
from carbon_gui.ui.workers import BackgroundTasks

# (provider, keys) -> a short answer: "accepted", "rejected", "no access to this endpoint", "offline", ...
Check = Callable[[Provider, Credentials], str]

SAVED_PLACEHOLDER = "saved — type to replace"
SESSION_PLACEHOLDER = "kept for this session — type to replace"
EMPTY_PLACEHOLDER = "not set"
SESSION_ONLY_QUESTION = NO_KEYRING_MESSAGE + " Keep them for this session only?"
READING = "reading the keyring"


@dataclass(frozen=True)
class _Failed:
    error: SecretStoreError


class KeysDialog(QDialog):
    """Emits `credentials_changed` after a save or a removal, so the caller can reload the keys."""

    credentials_changed = Signal()

    def __init__(self, store: SecretStore, check: Check, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("API keys")
        self._store = store
        self._check = check
        self._tasks: BackgroundTasks | None = None
        self._saved = Credentials()
        self._working: str | None = None  # what the keyring is doing now
        self._close_with: int | None = None  # closing waits for a keyring write

        layout = QVBoxLayout(self)
        self.backend_label = QLabel(f"Keys are stored in: <b>{store.backend_name()}</b>")
        self.backend_label.setAccessibleName("key storage")
        layout.addWidget(self.backend_label)
        self.no_keyring_label = QLabel(SESSION_ONLY_QUESTION)
        self.no_keyring_label.setObjectName("noKeyringMessage")
        self.no_keyring_label.setWordWrap(True)
        layout.addWidget(self.no_keyring_label)
        self.session_only = QCheckBox("&Keep for this session only (in memory)")
        self.session_only.setToolTip("The keys are forgotten when carbon_gui closes; nothing is written to disk.")
        layout.addWidget(self.session_only)

        self.token = self._secret_field("Electricity Maps token")
        self.username = QLineEdit()
        self.username.setAccessibleName("WattTime username")
        self.password = self._secret_field("WattTime password")

        em_box = QGroupBox("Electricity Maps")
        em_form = QFormLayout(em_box)
        em_form.addRow(self._buddy("&Token:", self.token), self.token)
        self.test_buttons: dict[Provider, QPushButton] = {}
        self.test_results: dict[Provider, QLabel] = {}
        self.remove_buttons: dict[Provider, QPushButton] = {}
        em_form.addRow(self._actions("electricitymaps", "Test &Electricity Maps", "&Remove Electricity Maps key"))
        layout.addWidget(em_box)

        wt_box = QGroupBox("WattTime")
        wt_form = QFormLayout(wt_box)
        wt_form.addRow(self._buddy("&Username:", self.username), self.username)
        wt_form.addRow(self._buddy("&Password:", self.password), self.password)
        wt_form.addRow(self._actions("watttime", "Test &WattTime", "Remo&ve WattTime login"))
        layout.addWidget(wt_box)

        self.status = QLabel()
        self.status.setObjectName("keysStatus")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("status")
        layout.addWidget(self.status)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        save = buttons.button(QDialogButtonBox.StandardButton.Save)
        assert save is not None
        save.setText("&Save")
        self.save_button = save
        save.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self._show_session_choice(not store.persistent_available())
        self._reload()
        self.setMinimumWidth(520)

    # --- layout helpers -------------------------------------------------------------------------

    @staticmethod
    def _secret_field(name: str) -> QLineEdit:
        field = QLineEdit()
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setAccessibleName(name)
        return field

    @staticmethod
    def _buddy(text: str, field: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(field)
        return label

    def _actions(self, provider: Provider, test_text: str, remove_text: str) -> QHBoxLayout:
        row = QHBoxLayout()
        test = QPushButton(test_text)
        test.clicked.connect(lambda: self.test(provider))
        result = QLabel()
        result.setWordWrap(True)
        result.setAccessibleName(f"{PROVIDER_TITLES[provider]} test result")
        remove = QPushButton(remove_text)
        remove.clicked.connect(lambda: self.remove(provider))
        row.addWidget(test)
        row.addWidget(result, 1)
        row.addWidget(remove)
        self.test_buttons[provider] = test
        self.test_results[provider] = result
        self.remove_buttons[provider] = remove
        return row

    def _show_session_choice(self, visible: bool) -> None:
        self.no_keyring_label.setVisible(visible)
        self.session_only.setVisible(visible)

    # --- keyring work, on the thread pool ---------------------------------------------------------

    @property
    def working(self) -> bool:
        """A keyring read or write is in progress (the buttons are disabled meanwhile)."""
        return self._working is not None

    def _background(self) -> BackgroundTasks:
        if self._tasks is None:
            self._tasks = BackgroundTasks()
        return self._tasks

    def _keyring(self, what: str, func: Callable[[], object], then: Callable[[object], None]) -> None:
        """Run a keyring call off the GUI thread; `then` gets its result or the SecretStoreError it raised."""

        def call() -> object:
            try:
                return func()
            except SecretStoreError as exc:
                return _Failed(exc)  # a value (a returned exception would be raised again by the worker)

        def finished(result: object) -> None:
            self._set_working(None)
            then(result.error if isinstance(result, _Failed) else result)
            if self._close_with is not None and not self.working:
                super(KeysDialog, self).done(self._close_with)

        def failed(message: str) -> None:
            finished(_Failed(SecretStoreError(message)))

        self._set_working(what)
        self._background().run(call, on_result=finished, on_error=failed)

    def _set_working(self, what: str | None) -> None:
        self._working = what
        if what is not None:
            self.status.setText(f"Working… {what}")
        for button in (self.save_button, *self.test_buttons.values()):
            button.setEnabled(what is None)
        self._enable_removes()

    def _enable_removes(self) -> None:
        for provider, button in self.remove_buttons.items():
            button.setEnabled(not self.working and not self._is_empty(provider, self._saved))

    # --- state ----------------------------------------------------------------------------------

    def _reload(self, status: str = "") -> None:
        """Read what is stored and show it as "saved", never as text (the username is not a secret)."""
        self._keyring(READING, self._store.load, lambda result: self._show_saved(result, status))

    def _show_saved(self, result: object, status: str) -> None:
        if isinstance(result, Credentials):
            self._saved = result
        else:
            self._saved = Credentials()
            status = str(result)
        self._placeholder(self.token, self._saved.electricitymaps_token is not None, "electricitymaps")
        self._placeholder(self.password, self._saved.watttime_password is not None, "watttime")
        if not self.username.isModified():  # never overwrite what the user typed while the keyring was read
            self.username.setText(self._saved.watttime_username or "")
        self._enable_removes()
        self.status.setText(status)

    def _placeholder(self, field: QLineEdit, saved: bool, provider: Provider) -> None:
        if not saved:
            field.setPlaceholderText(EMPTY_PLACEHOLDER)
        elif self._store.session_only(provider):
            field.setPlaceholderText(SESSION_PLACEHOLDER)
        else:
            field.setPlaceholderText(SAVED_PLACEHOLDER)

    @staticmethod
    def _is_empty(provider: Provider, creds: Credentials) -> bool:
        if provider == "electricitymaps":
            return creds.electricitymaps_token is None
        return creds.watttime_username is None and creds.watttime_password is None

    def typed(self) -> Credentials:
        """What the user typed (an empty field: keep what is stored)."""
        token, username, password = self.token.text().strip(), self.username.text().strip(), self.password.text()
        return Credentials(
            Secret(token) if token else None,
            username if username and username != self._saved.watttime_username else None,
            Secret(password) if password else None,
        )

    def current(self) -> Credentials:
        """The keys a test would use: typed ones, else the stored ones."""
        typed, saved = self.typed(), self._saved
        return Credentials(
            typed.electricitymaps_token or saved.electricitymaps_token,
            typed.watttime_username or saved.watttime_username,
            typed.watttime_password or saved.watttime_password,
        )

    # --- actions --------------------------------------------------------------------------------

    def save(self) -> None:
        creds = self.typed()
        if creds.is_empty():
            self.status.setText("Nothing to save: type a key first.")
            return
        session_only = not self.session_only.isHidden() and self.session_only.isChecked()
        self._keyring(
            "saving the keys", lambda: self._store.save(creds, session_only=session_only),
            lambda result: self._saved_keys(result, session_only),
        )  # fmt: skip

    def _saved_keys(self, result: object, session_only: bool) -> None:
        if isinstance(result, NoKeyringAvailable):
            self._show_session_choice(True)
            self.status.setText(f"Not saved. {result} Tick “Keep for this session only” and save again, or close.")
            return
        if isinstance(result, SecretStoreError):
            self.status.setText("Not saved.")
            show_error(self, "Keys not saved", str(result))
            return
        for field in (self.token, self.password):
            field.clear()
        self.username.setModified(False)
        if session_only:
            status = "Kept for this session only, in memory: they are forgotten when carbon_gui closes."
        else:
            status = f"Saved in {self._store.backend_name()}."
        self._reload(status)
        self.credentials_changed.emit()

    def remove(self, provider: Provider) -> None:
        self._keyring(
            f"removing the {PROVIDER_TITLES[provider]} key", lambda: self._store.clear(provider),
            lambda result: self._removed(provider, result),
        )  # fmt: skip

    def _removed(self, provider: Provider, result: object) -> None:
        if isinstance(result, SecretStoreError):
            self.status.setText("Not removed.")
            show_error(self, "Key not removed", str(result))
            return
        if provider == "electricitymaps":
            self.token.clear()
        else:
            self.username.clear()
            self.username.setModified(False)
            self.password.clear()
        self.test_results[provider].clear()
        self._reload(f"{PROVIDER_TITLES[provider]} key removed.")
        self.credentials_changed.emit()

    def test(self, provider: Provider) -> None:
        creds = self.current()
        result = self.test_results[provider]
        if not creds.has(provider):
            need = "a token" if provider == "electricitymaps" else "a username and a password"
            result.setText(f"Enter {need} first.")
            return
        button = self.test_buttons[provider]
        button.setEnabled(False)
        result.setText("checking…")
        secrets = creds.secret_values()

        def show(answer: str) -> None:
            button.setEnabled(not self.working)
            result.setText(redact(answer, secrets))

        self._background().run(self._check, provider, creds, on_result=lambda a: show(str(a)), on_error=show)

    @property
    def busy(self) -> bool:
        return self._tasks is not None and self._tasks.busy

    def done(self, result: int) -> None:
        """Close without waiting for a key test; a keyring write in progress finishes first (it is quick, and
        the window must learn about the new keys), then the dialog closes itself."""
        for field in (self.token, self.password):
            field.clear()
        if self._working is not None and self._working != READING:
            self._close_with = result
            self.status.setText(f"Working… {self._working}; the dialog closes when the keyring has answered.")
            return
        if self._tasks is not None:
            self._tasks.shutdown()
            self._tasks = None
        super().done(result)
