"""keyrings.alt backends (plaintext or weakly encrypted files) and fail/null backends are never used, even in a chain.

The keyrings.alt classes are stand-ins made here with `__module__` set to keyrings.alt's modules: the store
decides by the class's module, and keyrings.alt is not a dependency. Each stand-in records writes, so a test
fails if the store hands it a key.
"""

import pytest
from keyring.backends import fail

from carbon_gui.secrets import NO_KEYRING_MESSAGE, Credentials, NoKeyringAvailable, Secret, SecretStore
from tests.secret_store import MemoryKeyring

KEY = "refused-backend-key-6626"


def backend_class(module: str, name: str, **attrs: object) -> type[MemoryKeyring]:
    return type(name, (MemoryKeyring,), {"__module__": module, "__qualname__": name, **attrs})


def chain(*members: object) -> MemoryKeyring:
    """Looks like keyring's ChainerBackend by class path; records writes made to the chain itself."""
    return backend_class("keyring.backends.chainer", "ChainerBackend", backends=list(members))()


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("keyrings.alt.file", "PlaintextKeyring"),
        ("keyrings.alt.file", "EncryptedKeyring"),
        ("keyrings.alt.Windows", "RegistryKeyring"),
        ("keyrings.alt", "SomeFutureKeyring"),
    ],
)
def test_a_keyrings_alt_backend_is_refused_with_a_message_saying_why(module: str, name: str):
    weak = backend_class(module, name)()
    store = SecretStore(weak)
    assert not store.persistent_available()
    assert store.backend_name() == f"none available (refused: {name} from keyrings.alt)"
    with pytest.raises(NoKeyringAvailable) as caught:
        store.save(Credentials(Secret(KEY)))
    message = str(caught.value)
    assert f"({name}, from keyrings.alt)" in message
    assert "unencrypted or weakly encrypted" in message
    assert "session only" in message
    assert KEY not in message
    assert weak.writes == 0 and weak.entries == {}


def test_a_module_that_only_starts_with_the_same_letters_is_not_refused():
    other = backend_class("keyrings.alternative", "Keyring")()
    assert SecretStore(other).persistent_available()


def test_a_chain_with_a_keyrings_alt_member_is_refused_whole():
    strong = backend_class("keyring.backends.SecretService", "Keyring")()
    weak = backend_class("keyrings.alt.file", "PlaintextKeyring")()
    chained = chain(strong, weak)
    store = SecretStore(chained)
    assert not store.persistent_available()
    assert "PlaintextKeyring" in store.backend_name()
    with pytest.raises(NoKeyringAvailable, match=r"keyrings\.alt"):
        store.save(Credentials(Secret(KEY)))
    assert chained.writes == strong.writes == weak.writes == 0


def test_keys_already_in_a_refused_backend_are_not_read():
    weak = backend_class("keyrings.alt.file", "PlaintextKeyring")()
    weak.entries[("carbon-gui", "electricitymaps-token")] = KEY
    assert SecretStore(weak).load() == Credentials()


def test_session_only_keys_still_work_beside_a_refused_backend():
    weak = backend_class("keyrings.alt.file", "PlaintextKeyring")()
    store = SecretStore(weak)
    store.save(Credentials(Secret(KEY)), session_only=True)
    assert store.load() == Credentials(Secret(KEY))
    assert weak.writes == 0


@pytest.mark.parametrize(
    "members",
    [
        [fail.Keyring()],
        [fail.Keyring(), backend_class("keyring.backends.null", "Keyring")()],
    ],
    ids=["fail", "fail+null"],
)
def test_a_chain_of_fail_and_null_backends_is_no_keyring(members: list[object]):
    store = SecretStore(chain(*members))
    assert not store.persistent_available()
    assert store.backend_name() == "none available"
    with pytest.raises(NoKeyringAvailable) as caught:
        store.save(Credentials(Secret(KEY)))
    assert str(caught.value) == NO_KEYRING_MESSAGE


def test_a_chain_with_a_real_keyring_and_fail_is_usable():
    strong = backend_class("keyring.backends.SecretService", "Keyring")()
    store = SecretStore(chain(strong, fail.Keyring()))
    assert store.persistent_available()
    assert store.backend_name() == "Secret Service (GNOME Keyring / KWallet)"
