"""KeysDialog with pytest-qt: an in-memory keyring, no keyring, failing keyrings, and a test check on the pool."""

import re
import threading
from collections.abc import Callable

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox

from carbon_gui.core.errors import UserFacingError
from carbon_gui.secrets import (
    ELECTRICITYMAPS_TOKEN,
    SERVICE,
    WATTTIME_PASSWORD,
    WATTTIME_USERNAME,
    Credentials,
    Secret,
    SecretStore,
)
from carbon_gui.ui.dialogs.keys_dialog import (
    EMPTY_PLACEHOLDER,
    SAVED_PLACEHOLDER,
    SESSION_ONLY_QUESTION,
    SESSION_PLACEHOLDER,
    KeysDialog,
)
from tests.secret_store import BrokenKeyring, LockedKeyring, MemoryKeyring

TOKEN = "em-token-Hq2x-1618033988"
LEFT = Qt.MouseButton.LeftButton


def no_check(provider: str, creds: Credentials) -> str:
    raise AssertionError("the check should not run")


def open_dialog(qtbot, store: SecretStore, check: Callable[[str, Credentials], str] = no_check) -> KeysDialog:
    """The dialog once it has read the keyring (on the thread pool)."""
    dialog = KeysDialog(store, check)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: not dialog.working, timeout=5000)
    return dialog


def click_and_wait(qtbot, dialog: KeysDialog, button) -> None:
    """Click a keyring button and wait until the keyring has answered (and the dialog has re-read it)."""
    qtbot.mouseClick(button, LEFT)
    qtbot.waitUntil(lambda: not dialog.working, timeout=5000)


def type_and_save(qtbot, dialog: KeysDialog, field: QLineEdit, text: str) -> None:
    qtbot.keyClicks(field, text)
    click_and_wait(qtbot, dialog, dialog.save_button)


def error_boxes(dialog: KeysDialog) -> list[QMessageBox]:
    return [b for b in dialog.findChildren(QMessageBox, "errorMessage") if b.isVisible()]


def test_names_the_backend_in_use(qtbot):
    dialog = open_dialog(qtbot, SecretStore(MemoryKeyring()))
    assert dialog.backend_label.text() == f"Keys are stored in: <b>{MemoryKeyring.name}</b>"
    assert not dialog.no_keyring_label.isVisible() and not dialog.session_only.isVisible()
    dialog = open_dialog(qtbot, SecretStore(fail.Keyring()))
    assert dialog.backend_label.text() == "Keys are stored in: <b>none available</b>"


def test_secret_fields_hide_what_is_typed(qtbot):
    dialog = open_dialog(qtbot, SecretStore(MemoryKeyring()))
    assert dialog.token.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.password.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.username.echoMode() == QLineEdit.EchoMode.Normal
    assert dialog.token.placeholderText() == EMPTY_PLACEHOLDER


def test_save_stores_the_token_in_the_keyring(qtbot):
    backend = MemoryKeyring()
    dialog = open_dialog(qtbot, SecretStore(backend))
    with qtbot.waitSignal(dialog.credentials_changed, timeout=5000):
        type_and_save(qtbot, dialog, dialog.token, TOKEN)
    assert backend.entries == {(SERVICE, ELECTRICITYMAPS_TOKEN): TOKEN}
    assert dialog.token.text() == ""
    assert dialog.token.placeholderText() == SAVED_PLACEHOLDER
    assert dialog.status.text() == f"Saved in {MemoryKeyring.name}."
    assert dialog.remove_buttons["electricitymaps"].isEnabled()


def test_saved_keys_show_as_saved_never_as_text(qtbot):
    backend = MemoryKeyring()
    SecretStore(backend).save(Credentials(Secret(TOKEN), "alice", Secret("pw-secret")))
    dialog = open_dialog(qtbot, SecretStore(backend))
    assert dialog.token.text() == "" and dialog.password.text() == ""
    assert dialog.token.placeholderText() == SAVED_PLACEHOLDER
    assert dialog.password.placeholderText() == SAVED_PLACEHOLDER
    assert dialog.username.text() == "alice"  # not a secret
    shown = " ".join(w.text() for w in dialog.findChildren(QLabel) + dialog.findChildren(QLineEdit))
    assert TOKEN not in shown and "pw-secret" not in shown


def test_saving_a_new_watttime_password_keeps_the_username(qtbot):
    backend = MemoryKeyring()
    SecretStore(backend).save(Credentials(None, "alice", Secret("old-pw")))
    dialog = open_dialog(qtbot, SecretStore(backend))
    type_and_save(qtbot, dialog, dialog.password, "new-pw")
    assert backend.entries == {(SERVICE, WATTTIME_USERNAME): "alice", (SERVICE, WATTTIME_PASSWORD): "new-pw"}


def test_save_with_nothing_typed_says_so(qtbot):
    backend = MemoryKeyring()
    dialog = open_dialog(qtbot, SecretStore(backend))
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert not dialog.working
    assert dialog.status.text() == "Nothing to save: type a key first."
    assert backend.writes == 0


def test_test_button_runs_the_check_off_the_gui_thread(qtbot):
    calls: list[tuple[str, Credentials, bool]] = []

    def check(provider: str, creds: Credentials) -> str:
        calls.append((provider, creds, threading.current_thread() is not threading.main_thread()))
        return "accepted"

    dialog = open_dialog(qtbot, SecretStore(MemoryKeyring()), check)
    qtbot.keyClicks(dialog.token, TOKEN)
    qtbot.mouseClick(dialog.test_buttons["electricitymaps"], LEFT)
    result = dialog.test_results["electricitymaps"]
    qtbot.waitUntil(lambda: result.text() == "accepted", timeout=5000)
    assert len(calls) == 1
    provider, creds, off_gui_thread = calls[0]
    assert provider == "electricitymaps" and creds.electricitymaps_token == Secret(TOKEN)
    assert off_gui_thread
    assert dialog.test_buttons["electricitymaps"].isEnabled()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=5000)


def test_test_uses_the_saved_login_when_nothing_is_typed(qtbot):
    backend = MemoryKeyring()
    SecretStore(backend).save(Credentials(None, "alice", Secret("pw")))
    seen: list[Credentials] = []

    def check(provider: str, creds: Credentials) -> str:
        seen.append(creds)
        return "rejected"

    dialog = open_dialog(qtbot, SecretStore(backend), check)
    qtbot.mouseClick(dialog.test_buttons["watttime"], LEFT)
    qtbot.waitUntil(lambda: dialog.test_results["watttime"].text() == "rejected", timeout=5000)
    assert seen == [Credentials(None, "alice", Secret("pw"))]


def test_test_without_a_key_asks_for_one(qtbot):
    dialog = open_dialog(qtbot, SecretStore(MemoryKeyring()))
    qtbot.mouseClick(dialog.test_buttons["electricitymaps"], LEFT)
    qtbot.mouseClick(dialog.test_buttons["watttime"], LEFT)
    assert dialog.test_results["electricitymaps"].text() == "Enter a token first."
    assert dialog.test_results["watttime"].text() == "Enter a username and a password first."
    assert not dialog.busy


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (UserFacingError("offline: the provider could not be reached"), "offline: the provider could not be reached"),
        (RuntimeError(f"GET https://example.test/?auth-token={TOKEN} failed"), "Unexpected error (RuntimeError: GET"),
    ],
)
def test_a_failing_check_shows_a_message_without_the_key_or_a_traceback(qtbot, error, expected):
    def check(provider: str, creds: Credentials) -> str:
        raise error

    dialog = open_dialog(qtbot, SecretStore(MemoryKeyring()), check)
    qtbot.keyClicks(dialog.token, TOKEN)
    qtbot.mouseClick(dialog.test_buttons["electricitymaps"], LEFT)
    result = dialog.test_results["electricitymaps"]
    qtbot.waitUntil(lambda: result.text().startswith(expected), timeout=5000)
    assert TOKEN not in result.text() and "Traceback" not in result.text()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=5000)


def test_without_a_keyring_the_dialog_says_so_and_keeps_keys_for_the_session_only(qtbot):
    store = SecretStore(fail.Keyring())
    dialog = open_dialog(qtbot, store)
    assert dialog.no_keyring_label.isVisible()
    assert dialog.no_keyring_label.text() == SESSION_ONLY_QUESTION
    assert SESSION_ONLY_QUESTION == (
        "No OS keyring is available on this system, so keys cannot be saved. Keep them for this session only?"
    )
    assert dialog.session_only.isVisible() and not dialog.session_only.isChecked()

    type_and_save(qtbot, dialog, dialog.token, TOKEN)  # not ticked: nothing kept
    assert dialog.status.text().startswith("Not saved. No OS keyring is available")
    assert store.load() == Credentials()
    assert dialog.token.text() == TOKEN  # still there to save for the session

    dialog.session_only.setChecked(True)
    with qtbot.waitSignal(dialog.credentials_changed, timeout=5000):
        click_and_wait(qtbot, dialog, dialog.save_button)
    assert store.load() == Credentials(Secret(TOKEN))
    assert store.session_only("electricitymaps")
    assert dialog.token.placeholderText() == SESSION_PLACEHOLDER
    assert "forgotten when carbon_gui closes" in dialog.status.text()
    assert not error_boxes(dialog)


def test_a_locked_keyring_offers_the_session_only_choice_after_save(qtbot):
    store = SecretStore(LockedKeyring())
    dialog = open_dialog(qtbot, store)
    assert not dialog.session_only.isVisible()
    type_and_save(qtbot, dialog, dialog.token, TOKEN)
    assert dialog.session_only.isVisible() and dialog.no_keyring_label.isVisible()
    assert "KeyringLocked" in dialog.status.text() and TOKEN not in dialog.status.text()
    dialog.session_only.setChecked(True)
    click_and_wait(qtbot, dialog, dialog.save_button)
    assert store.load().electricitymaps_token == Secret(TOKEN)


def test_a_broken_keyring_shows_an_error_box_without_the_key(qtbot):
    dialog = open_dialog(qtbot, SecretStore(BrokenKeyring()))
    assert "could not be read" in dialog.status.text()  # loading failed, the dialog still opens
    type_and_save(qtbot, dialog, dialog.token, TOKEN)
    qtbot.waitUntil(lambda: len(error_boxes(dialog)) == 1, timeout=2000)
    box = error_boxes(dialog)[0]
    assert "could not be saved" in box.text() and TOKEN not in box.text() and "Traceback" not in box.text()
    box.close()


def test_remove_clears_one_provider(qtbot):
    backend = MemoryKeyring()
    SecretStore(backend).save(Credentials(Secret(TOKEN), "alice", Secret("pw")))
    dialog = open_dialog(qtbot, SecretStore(backend))
    with qtbot.waitSignal(dialog.credentials_changed, timeout=5000):
        click_and_wait(qtbot, dialog, dialog.remove_buttons["electricitymaps"])
    assert (SERVICE, ELECTRICITYMAPS_TOKEN) not in backend.entries
    assert (SERVICE, WATTTIME_PASSWORD) in backend.entries
    assert dialog.token.placeholderText() == EMPTY_PLACEHOLDER
    assert not dialog.remove_buttons["electricitymaps"].isEnabled()
    click_and_wait(qtbot, dialog, dialog.remove_buttons["watttime"])
    assert backend.entries == {}
    assert dialog.username.text() == "" and dialog.password.placeholderText() == EMPTY_PLACEHOLDER
    assert dialog.status.text() == "WattTime key removed."


def test_remove_forgets_a_session_key(qtbot):
    store = SecretStore(fail.Keyring())
    store.save(Credentials(Secret(TOKEN)), session_only=True)
    dialog = open_dialog(qtbot, store)
    assert dialog.token.placeholderText() == SESSION_PLACEHOLDER
    click_and_wait(qtbot, dialog, dialog.remove_buttons["electricitymaps"])
    assert store.load() == Credentials()


def test_every_field_has_a_labelled_shortcut_and_every_shortcut_is_unique(qtbot):
    dialog = open_dialog(qtbot, SecretStore(fail.Keyring()))
    buddies = {label.buddy(): label.text() for label in dialog.findChildren(QLabel) if label.buddy() is not None}
    assert set(buddies) == {dialog.token, dialog.username, dialog.password}
    texts = [*buddies.values(), dialog.session_only.text(), dialog.save_button.text()]
    texts += [b.text() for b in (*dialog.test_buttons.values(), *dialog.remove_buttons.values())]
    keys = [m.group(1).lower() for t in texts for m in [re.search(r"&(\w)", t)] if m]
    assert len(keys) == len(texts) == len(set(keys)), texts
    for field in (dialog.token, dialog.username, dialog.password):
        assert field.accessibleName()


def test_closing_clears_what_was_typed(qtbot):
    dialog = open_dialog(qtbot, SecretStore(MemoryKeyring()))
    qtbot.keyClicks(dialog.token, TOKEN)
    dialog.reject()
    assert dialog.token.text() == ""


class GatedKeyring(MemoryKeyring):
    """Every call waits for `gate` and records the thread it ran on: a slow (say, locked) keyring."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.threads: list[threading.Thread] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.threads.append(threading.current_thread())
        self.gate.wait(10)
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.threads.append(threading.current_thread())
        self.gate.wait(10)
        super().set_password(service, username, password)


def test_the_keyring_is_read_and_written_off_the_gui_thread_with_the_buttons_disabled(qtbot):
    backend = GatedKeyring()
    dialog = KeysDialog(SecretStore(backend), no_check)  # returns while the keyring is still being read
    qtbot.addWidget(dialog)
    dialog.show()
    buttons = [dialog.save_button, *dialog.test_buttons.values(), *dialog.remove_buttons.values()]
    assert dialog.working and dialog.status.text() == "Working… reading the keyring"
    assert not any(b.isEnabled() for b in buttons)
    backend.gate.set()
    qtbot.waitUntil(lambda: not dialog.working, timeout=5000)
    assert dialog.save_button.isEnabled() and all(b.isEnabled() for b in dialog.test_buttons.values())

    backend.gate.clear()
    qtbot.keyClicks(dialog.token, TOKEN)
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.working and dialog.status.text() == "Working… saving the keys"
    assert not dialog.save_button.isEnabled() and not dialog.test_buttons["electricitymaps"].isEnabled()
    with qtbot.waitSignal(dialog.credentials_changed, timeout=5000):
        backend.gate.set()
    qtbot.waitUntil(lambda: not dialog.working, timeout=5000)
    assert backend.entries[(SERVICE, ELECTRICITYMAPS_TOKEN)] == TOKEN
    assert backend.threads and threading.main_thread() not in backend.threads


def test_closing_during_a_save_finishes_the_save_then_closes(qtbot):
    backend = GatedKeyring()
    backend.gate.set()
    dialog = open_dialog(qtbot, SecretStore(backend))
    backend.gate.clear()
    qtbot.keyClicks(dialog.token, TOKEN)
    qtbot.mouseClick(dialog.save_button, LEFT)
    dialog.reject()
    assert dialog.isVisible() and "closes when the keyring has answered" in dialog.status.text()
    assert dialog.token.text() == ""  # what was typed is cleared at once
    with qtbot.waitSignal(dialog.credentials_changed, timeout=5000):  # the window still learns of the new key
        backend.gate.set()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert backend.entries[(SERVICE, ELECTRICITYMAPS_TOKEN)] == TOKEN


def test_closing_during_a_key_test_does_not_wait_for_it(qtbot):
    release = threading.Event()

    def slow_check(provider: str, creds: Credentials) -> str:
        release.wait(10)
        return "accepted"

    dialog = open_dialog(qtbot, SecretStore(MemoryKeyring()), slow_check)
    qtbot.keyClicks(dialog.token, TOKEN)
    qtbot.mouseClick(dialog.test_buttons["electricitymaps"], LEFT)
    qtbot.waitUntil(lambda: dialog.busy, timeout=5000)
    dialog.reject()  # returns although the check is still running
    assert not dialog.isVisible() and not release.is_set()
    release.set()
