"""The Google Cloud service-account key lives in the OS keyring (or memory), never in a file."""

from pathlib import Path

import pytest
from keyring.backends import fail

from carbon_gui.secrets import GCP_SERVICE_ACCOUNT_KEY, SERVICE, NoKeyringAvailable, Secret, SecretStore
from tests.secret_store import LockedKeyring, MemoryKeyring, files_containing

KEY_JSON = '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nsentinel-Qz81\\n"}'


def test_round_trip_through_the_keyring() -> None:
    backend = MemoryKeyring()
    store = SecretStore(backend)
    assert store.load_service_account_key() is None
    store.save_service_account_key(Secret(KEY_JSON))
    assert backend.entries[(SERVICE, GCP_SERVICE_ACCOUNT_KEY)] == KEY_JSON
    assert store.load_service_account_key() == Secret(KEY_JSON)
    assert not store.service_account_session_only()
    store.clear_service_account_key()
    assert store.load_service_account_key() is None and not backend.entries
    store.clear_service_account_key()  # nothing stored is not an error


def test_without_a_keyring_the_key_is_refused_unless_kept_for_the_session(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    store = SecretStore(fail.Keyring())
    with pytest.raises(NoKeyringAvailable):
        store.save_service_account_key(Secret(KEY_JSON))
    store.save_service_account_key(Secret(KEY_JSON), session_only=True)
    assert store.service_account_session_only()
    assert store.load_service_account_key() == Secret(KEY_JSON)
    assert files_containing("sentinel-Qz81", tmp_path) == []


def test_a_locked_keyring_error_does_not_echo_the_key() -> None:
    with pytest.raises(NoKeyringAvailable) as caught:
        SecretStore(LockedKeyring()).save_service_account_key(Secret(KEY_JSON))
    assert "sentinel-Qz81" not in str(caught.value)
    assert caught.value.__cause__ is None
