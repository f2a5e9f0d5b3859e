"""SecretStore with an in-memory keyring, with no keyring at all, and with keyrings that fail."""

import os
import traceback
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from carbon_gui.core.errors import UserFacingError
from carbon_gui.secrets import (
    ELECTRICITYMAPS_TOKEN,
    NO_KEYRING_MESSAGE,
    SERVICE,
    WATTTIME_PASSWORD,
    WATTTIME_USERNAME,
    Credentials,
    NoKeyringAvailable,
    Secret,
    SecretStore,
    SecretStoreError,
)
from tests.secret_store import BrokenKeyring, LockedKeyring, MemoryKeyring, files_containing

SENTINEL = "sentinel-Kx4w-2718281828"


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """keyring's default backend is a fresh in-memory one: no test touches the developer's keyring."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and every XDG directory inside tmp_path, so any file a store writes would land there."""
    home = tmp_path / "home"
    home.mkdir()
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("HOME", str(home))
    for var, sub in [
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ]:
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("CARBON_GUI_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def full(token: str = SENTINEL, password: str = SENTINEL + "-pw") -> Credentials:
    return Credentials(Secret(token), "alice", Secret(password))


def assert_no_secret_attached(exc: BaseException, *secrets: str) -> None:
    """Neither the message, nor a chained exception, nor a local in the traceback holds a secret."""
    assert exc.__cause__ is None and exc.__context__ is None
    report = "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())
    frames = traceback.walk_tb(exc.__traceback__)
    local_values = [repr(v) for frame, _ in frames for v in frame.f_locals.values()]
    for secret in secrets:
        assert secret not in str(exc) and secret not in repr(exc) and secret not in report
        assert not any(secret in v for v in local_values)


def test_default_backend_is_keyrings_choice(memory_keyring):
    assert SecretStore().backend is memory_keyring


def test_save_and_load_round_trip():
    backend = MemoryKeyring()
    store = SecretStore(backend)
    assert store.load() == Credentials()
    store.save(full())
    assert backend.entries == {
        (SERVICE, ELECTRICITYMAPS_TOKEN): SENTINEL,
        (SERVICE, WATTTIME_USERNAME): "alice",
        (SERVICE, WATTTIME_PASSWORD): SENTINEL + "-pw",
    }
    loaded = SecretStore(backend).load()  # a new store: nothing from memory
    assert loaded == full()
    assert isinstance(loaded.electricitymaps_token, Secret) and loaded.has_watttime


def test_save_leaves_unset_fields_alone_and_rotate_overwrites():
    backend = MemoryKeyring()
    store = SecretStore(backend)
    store.save(full())
    store.save(Credentials(watttime_password=Secret("new-pw")))
    assert store.load() == full(password="new-pw")
    store.rotate(Credentials(Secret("rotated-token")))
    assert store.load() == full(token="rotated-token", password="new-pw")
    assert SENTINEL not in str(backend.entries)  # the old token is gone, not kept beside the new one
    assert len(backend.entries) == 3


def test_clear_removes_one_provider():
    backend = MemoryKeyring()
    store = SecretStore(backend)
    store.save(full())
    store.clear("watttime")
    assert store.load() == Credentials(Secret(SENTINEL))
    store.clear("watttime")  # nothing stored: not an error
    store.clear("electricitymaps")
    assert store.load() == Credentials() and backend.entries == {}


class FakeBackend:
    """Stands for a platform backend by its class path; only the name and availability are asked."""


def fake(path: str, **attrs: object) -> object:
    module, _, name = path.rpartition(".")
    cls = type(name, (FakeBackend,), {"__module__": module, "__qualname__": name, **attrs})
    return cls()


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("keyring.backends.SecretService.Keyring", "Secret Service (GNOME Keyring / KWallet)"),
        ("keyring.backends.libsecret.Keyring", "Secret Service (GNOME Keyring / KWallet)"),
        ("keyring.backends.kwallet.DBusKeyring", "KWallet"),
        ("keyring.backends.macOS.Keyring", "macOS Keychain"),
        ("keyring.backends.Windows.WinVaultKeyring", "Windows Credential Locker"),
    ],
)
def test_backend_names_are_the_ones_users_know(path, name):
    store = SecretStore(fake(path))  # type: ignore[arg-type]
    assert store.backend_name() == name
    assert store.persistent_available()


def test_no_backend_is_none_available():
    for backend in (fail.Keyring(), fake("keyring.backends.null.Keyring")):
        store = SecretStore(backend)  # type: ignore[arg-type]
        assert store.backend_name() == "none available"
        assert not store.persistent_available()


def test_a_chain_is_named_by_its_usable_members():
    secret_service = fake("keyring.backends.SecretService.Keyring")
    chain = fake("keyring.backends.chainer.ChainerBackend", backends=[secret_service, fail.Keyring()])
    assert SecretStore(chain).backend_name() == "Secret Service (GNOME Keyring / KWallet)"  # type: ignore[arg-type]
    assert SecretStore(chain).persistent_available()  # type: ignore[arg-type]
    empty = fake("keyring.backends.chainer.ChainerBackend", backends=[])
    assert SecretStore(empty).backend_name() == "none available"  # type: ignore[arg-type]
    assert not SecretStore(empty).persistent_available()  # type: ignore[arg-type]


def test_an_unknown_backend_is_named_by_keyring():
    assert SecretStore(MemoryKeyring()).backend_name() == MemoryKeyring.name


def test_without_a_keyring_save_says_so_and_session_only_keeps_keys_in_memory():
    store = SecretStore(fail.Keyring())  # raises on every call: proves the keyring is never asked
    with pytest.raises(NoKeyringAvailable) as caught:
        store.save(full())
    assert isinstance(caught.value, UserFacingError) and isinstance(caught.value, SecretStoreError)
    assert str(caught.value) == NO_KEYRING_MESSAGE
    assert_no_secret_attached(caught.value, SENTINEL)
    assert store.load() == Credentials()  # nothing half-saved

    store.save(full(), session_only=True)
    assert store.load() == full()
    assert store.session_only("electricitymaps") and store.session_only("watttime")
    store.rotate(Credentials(Secret("rotated")), session_only=True)
    assert store.load().electricitymaps_token == Secret("rotated")
    store.clear("electricitymaps")
    assert store.load() == Credentials(None, "alice", Secret(SENTINEL + "-pw"))
    assert not store.session_only("electricitymaps")
    assert SecretStore(fail.Keyring()).load() == Credentials()  # memory belongs to one store: one session


def test_session_only_writes_nothing_to_disk(private_home, memory_keyring):
    keyring.set_keyring(fail.Keyring())
    before = sorted(p for p in private_home.rglob("*"))
    store = SecretStore()
    assert not store.persistent_available()
    with pytest.raises(NoKeyringAvailable):
        store.save(full())
    store.save(full(), session_only=True)
    assert store.load().has_electricitymaps
    store.rotate(full(token=SENTINEL + "-2"), session_only=True)
    store.clear("watttime")
    assert sorted(p for p in private_home.rglob("*")) == before  # no file created at all
    assert files_containing(SENTINEL, private_home) == []
    assert not any(SENTINEL in v for v in os.environ.values())


@pytest.mark.parametrize("reason", ["NoKeyringError", "KeyringLocked", "InitError"])
def test_a_keyring_that_cannot_store_is_no_keyring(reason):
    import keyring.errors

    error = getattr(keyring.errors, reason)

    class Refusing(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise error(f"refused {password}")

    store = SecretStore(Refusing())
    assert store.persistent_available()  # configured, yet failing when used
    with pytest.raises(NoKeyringAvailable) as caught:
        store.save(full())
    assert str(caught.value).startswith(NO_KEYRING_MESSAGE)
    assert reason in str(caught.value) and "refused ••••" in str(caught.value)
    assert_no_secret_attached(caught.value, SENTINEL, SENTINEL + "-pw")
    store.save(full(), session_only=True)  # what the dialog offers next
    assert store.load() == full()


def test_a_locked_keyring_error_never_carries_the_key():
    with pytest.raises(NoKeyringAvailable) as caught:
        SecretStore(LockedKeyring()).save(full())
    assert "KeyringLocked" in str(caught.value)
    assert_no_secret_attached(caught.value, SENTINEL, SENTINEL + "-pw")


def test_a_failing_backend_gives_a_store_error_without_the_key():
    store = SecretStore(BrokenKeyring())
    with pytest.raises(SecretStoreError) as saving:
        store.save(full())
    assert not isinstance(saving.value, NoKeyringAvailable)
    assert "could not be saved" in str(saving.value) and "RuntimeError" in str(saving.value)
    assert_no_secret_attached(saving.value, SENTINEL, SENTINEL + "-pw")

    with pytest.raises(SecretStoreError, match="could not be read") as loading:
        store.load()
    assert_no_secret_attached(loading.value, SENTINEL)
    with pytest.raises(SecretStoreError, match="could not be removed") as clearing:
        store.clear("electricitymaps")
    assert_no_secret_attached(clearing.value, SENTINEL)


def test_a_read_error_blanks_the_keys_it_knows():
    class LeakyReader(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            if username == WATTTIME_PASSWORD:
                raise RuntimeError(f"read failed after {self.entries[(SERVICE, ELECTRICITYMAPS_TOKEN)]}")
            return super().get_password(service, username)

    backend = LeakyReader()
    store = SecretStore(backend)
    store.save(full())
    with pytest.raises(SecretStoreError) as caught:
        store.load()
    assert "read failed after ••••" in str(caught.value)
    assert_no_secret_attached(caught.value, SENTINEL)


def test_a_persistent_save_replaces_the_session_copy():
    backend = MemoryKeyring()
    store = SecretStore(backend)
    store.save(Credentials(Secret("session-token")), session_only=True)
    assert store.load().electricitymaps_token == Secret("session-token")
    assert backend.entries == {}
    store.save(Credentials(Secret(SENTINEL)))
    assert not store.session_only("electricitymaps")
    assert store.load().electricitymaps_token == Secret(SENTINEL)
    assert backend.entries == {(SERVICE, ELECTRICITYMAPS_TOKEN): SENTINEL}


def test_saving_nothing_writes_nothing():
    backend = MemoryKeyring()
    SecretStore(backend).save(Credentials())
    assert backend.writes == 0


def test_no_plaintext_keyring_is_a_runtime_dependency():
    """keyrings.alt would install file-based backends without asking: it must not come with carbon_gui."""
    from importlib.metadata import requires

    runtime = [r for r in requires("carbon-gui") or [] if "extra ==" not in r]
    assert any(r.startswith("keyring") for r in runtime)
    assert not any(r.lower().replace("_", ".").startswith("keyrings.alt") for r in runtime)


def test_a_store_can_be_shared_with_worker_threads():
    from concurrent.futures import ThreadPoolExecutor

    store = SecretStore(MemoryKeyring())

    def churn(i: int) -> None:
        for _ in range(200):
            store.save(Credentials(Secret(f"token-{i}")), session_only=True)
            store.load()
            store.clear("electricitymaps")
            store.save(Credentials(None, "alice", Secret(f"pw-{i}")))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(churn, range(8)))
    assert store.load().watttime_username == "alice"
