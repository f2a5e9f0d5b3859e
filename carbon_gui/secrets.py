"""API keys for the live grid-data services: kept in the OS keyring, never in a file of ours.

Where a key lives:
- the OS keyring, through `keyring` (Secret Service on Linux, macOS Keychain, Windows Credential
  Locker), under the service name "carbon-gui";
- or, only when the user chose it, this process's memory ("session only"): forgotten on exit.
There is no plaintext fallback: with no working keyring, `SecretStore.save` raises
`NoKeyringAvailable` and the caller asks the user. Headless runs take keys from the environment
(`credentials_from_env`).

A key is held as a `Secret`, whose repr and str are masked, so printing, logging or formatting one
by accident shows "••••". Errors from a keyring backend are re-raised as `SecretStoreError` with a
message that has the key values blanked out and without the original exception attached (its
traceback holds the backend's frames, whose locals include the key).

`keyring` is imported on first use (about 70 ms), not when this module is imported.
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, NoReturn, final, get_args

from carbon_gui.core.errors import UserFacingError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE: Final = "carbon-gui"
MASK: Final = "••••"

Provider = Literal["electricitymaps", "watttime"]
PROVIDERS: Final[tuple[Provider, ...]] = get_args(Provider)
PROVIDER_TITLES: Final[Mapping[Provider, str]] = {"electricitymaps": "Electricity Maps", "watttime": "WattTime"}

# Entry names in the keyring (keyring calls them "username"); one entry per field.
ELECTRICITYMAPS_TOKEN: Final = "electricitymaps-token"
WATTTIME_USERNAME: Final = "watttime-username"
WATTTIME_PASSWORD: Final = "watttime-password"
ENTRIES: Final[Mapping[Provider, tuple[str, ...]]] = {
    "electricitymaps": (ELECTRICITYMAPS_TOKEN,),
    "watttime": (WATTTIME_USERNAME, WATTTIME_PASSWORD),
}

# A Google Cloud service-account key file (JSON, holds a private key), when the user prefers it to ADC.
GCP_SERVICE_ACCOUNT_KEY: Final = "gcp-service-account-key"

ENV_ELECTRICITYMAPS_TOKEN: Final = "CARBON_GUI_ELECTRICITYMAPS_TOKEN"
ENV_WATTTIME_USERNAME: Final = "CARBON_GUI_WATTTIME_USERNAME"
ENV_WATTTIME_PASSWORD: Final = "CARBON_GUI_WATTTIME_PASSWORD"
# The one list of the variables that hold keys: no child process (fetch helper, training run) gets them.
ENV_KEY_VARIABLES: Final = (ENV_ELECTRICITYMAPS_TOKEN, ENV_WATTTIME_USERNAME, ENV_WATTTIME_PASSWORD)
ENV_SECRET_VARIABLES: Final = (ENV_ELECTRICITYMAPS_TOKEN, ENV_WATTTIME_PASSWORD)  # values no other variable may hold
PRIVATE_KEY_MARK: Final = "PRIVATE KEY-----"  # PEM private keys, alone or inside a service-account key's JSON
_MIN_SECRET_LENGTH: Final = 4  # shorter values would match unrelated variables

NO_KEYRING_MESSAGE: Final = "No OS keyring is available on this system, so keys cannot be saved."

# Backend class (module.qualname) -> the name the user knows it by.
_BACKEND_NAMES: Final[Mapping[str, str]] = {
    "keyring.backends.SecretService.Keyring": "Secret Service (GNOME Keyring / KWallet)",
    "keyring.backends.libsecret.Keyring": "Secret Service (GNOME Keyring / KWallet)",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KWallet",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Locker",
}
_NO_BACKEND: Final = frozenset({"keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"})
NONE_AVAILABLE: Final = "none available"
# keyrings.alt backends keep keys in files, in plaintext or weakly encrypted: never used, even inside a chain.
_REFUSED_PACKAGE: Final = "keyrings.alt"


@final
class Secret:
    """A key value that never shows itself: repr/str/format give "••••"; `reveal()` gives the value.

    It cannot be pickled (so it never ends up in a cache or an export by accident), and json refuses
    it. Copies are the same object (it is immutable).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValueError("a secret must be a non-empty string")
        self._value = value

    def reveal(self) -> str:
        """The value itself: pass it straight to the one call that needs it, never keep it around."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Secret:
        return self

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled or serialised")


@dataclass(frozen=True)
class Credentials:
    """What the data sources need. A missing field is None; the repr masks the secrets."""

    electricitymaps_token: Secret | None = None
    watttime_username: str | None = None
    watttime_password: Secret | None = None

    @property
    def has_electricitymaps(self) -> bool:
        return self.electricitymaps_token is not None

    @property
    def has_watttime(self) -> bool:
        return bool(self.watttime_username) and self.watttime_password is not None

    def has(self, provider: Provider) -> bool:
        return self.has_electricitymaps if provider == "electricitymaps" else self.has_watttime

    def is_empty(self) -> bool:
        return not (self.electricitymaps_token or self.watttime_username or self.watttime_password)

    def with_fallback(self, fallback: Credentials) -> Credentials:
        """Each provider's keys from self when complete there, else from `fallback` (env over keyring)."""
        token = self.electricitymaps_token if self.has_electricitymaps else fallback.electricitymaps_token
        if self.has_watttime:
            return Credentials(token, self.watttime_username, self.watttime_password)
        return Credentials(token, fallback.watttime_username, fallback.watttime_password)

    def secret_values(self) -> list[str]:
        """The revealed secrets, for `redact`."""
        return [s.reveal() for s in (self.electricitymaps_token, self.watttime_password) if s is not None]

    def _entries(self) -> dict[str, str]:
        values = {
            ELECTRICITYMAPS_TOKEN: self.electricitymaps_token.reveal() if self.electricitymaps_token else None,
            WATTTIME_USERNAME: self.watttime_username or None,
            WATTTIME_PASSWORD: self.watttime_password.reveal() if self.watttime_password else None,
        }
        return {name: value for name, value in values.items() if value is not None}

    @classmethod
    def _from_entries(cls, values: Mapping[str, str | None]) -> Credentials:
        token, username, password = (
            values.get(n) for n in (ELECTRICITYMAPS_TOKEN, WATTTIME_USERNAME, WATTTIME_PASSWORD)
        )
        return cls(Secret(token) if token else None, username or None, Secret(password) if password else None)


def redact(text: str, secrets: Iterable[str | Secret]) -> str:
    """`text` with every occurrence of each secret replaced by "••••" (for error messages).

    Also the forms a message may quote it in: escaped (repr, JSON) and, for a multi-line secret such as a
    key file, each of its lines.
    """
    forms: set[str] = set()
    for secret in secrets:
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if not value:
            continue
        forms.update({value, repr(value)[1:-1], json.dumps(value)[1:-1]})
        forms.update(line.strip() for line in value.splitlines() if len(line.strip()) >= 8)
    values = sorted(forms, key=len, reverse=True)
    for value in values:
        text = text.replace(value, MASK)
    return text


def credentials_from_env(environ: Mapping[str, str]) -> Credentials:
    """Keys for headless runs: CARBON_GUI_ELECTRICITYMAPS_TOKEN, CARBON_GUI_WATTTIME_USERNAME and
    CARBON_GUI_WATTTIME_PASSWORD. Unset or blank variables give None; surrounding whitespace (a
    newline from `$(cat file)`) is dropped from the token and the username, not from the password."""
    token = environ.get(ENV_ELECTRICITYMAPS_TOKEN, "").strip()
    username = environ.get(ENV_WATTTIME_USERNAME, "").strip()
    password = environ.get(ENV_WATTTIME_PASSWORD, "").rstrip("\r\n")
    return Credentials(
        Secret(token) if token else None,
        username or None,
        Secret(password) if password.strip() else None,
    )


def env_secret_values(environ: Mapping[str, str]) -> list[str]:
    """The key values set in `environ`'s key variables."""
    return [v for v in (environ.get(name, "") for name in ENV_SECRET_VARIABLES) if len(v) >= _MIN_SECRET_LENGTH]


def key_holding_variables(environ: Mapping[str, str], secrets: Iterable[str] = ()) -> list[str]:
    """The names of the variables in `environ` that hold a key, to keep out of a child process: the key
    variables, any variable whose value contains a key's value (theirs or one of `secrets`), and any holding
    private-key material. Names only: the caller may say which were kept out, never their values."""
    values = [s for s in (*secrets, *env_secret_values(environ)) if len(s) >= _MIN_SECRET_LENGTH]
    return [
        name
        for name, value in environ.items()
        if name in ENV_KEY_VARIABLES or PRIVATE_KEY_MARK in value or any(secret in value for secret in values)
    ]


class SecretStoreError(UserFacingError):
    """The OS keyring failed. The message never contains a key."""


class NoKeyringAvailable(SecretStoreError):
    """Keys cannot be stored persistently here; the caller may offer to keep them for this session."""


def _describe(exc: BaseException, secrets: Iterable[str]) -> str:
    """The backend's complaint, without the keys and short enough to show."""
    detail = redact(str(exc), secrets).strip()
    detail = detail if len(detail) <= 300 else detail[:297] + "..."
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


class SecretStore:
    """The API keys: in the OS keyring, else (when the user asked for it) in this process's memory.

    `backend` defaults to `keyring.get_keyring()`; tests hand in their own. Safe to use from worker
    threads (the session memory is guarded by a lock; keyring backends open a connection per call).
    """

    def __init__(self, backend: KeyringBackend | None = None, service: str = SERVICE) -> None:
        if backend is None:
            import keyring

            backend = keyring.get_keyring()
        self._backend = backend
        self._service = service
        self._session: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def backend(self) -> KeyringBackend:
        return self._backend

    def backend_name(self) -> str:
        """The keyring in use as the user knows it, or "none available"."""
        return _backend_name(self._backend)

    def persistent_available(self) -> bool:
        """Whether a real OS keyring backend is configured (saving can still fail, e.g. when locked)."""
        return _usable(self._backend)

    def unavailable_reason(self) -> str:
        """Why keys cannot be saved persistently here, for the user (meaningful when not persistent_available())."""
        refused = _refused_names(self._backend)
        if not refused:
            return NO_KEYRING_MESSAGE
        return (
            f"The configured keyring ({', '.join(refused)}, from keyrings.alt) keeps keys in a file, unencrypted or "
            "weakly encrypted, so carbon-gui does not use it. Set up an OS keyring (Secret Service, Keychain, "
            "Credential Locker) or remove keyrings.alt, or keep the keys for this session only."
        )

    def session_only(self, provider: Provider) -> bool:
        """Whether this provider's keys are kept in memory for this session rather than in the keyring."""
        session = self._session_copy()
        return any(name in session for name in ENTRIES[provider])

    def load(self) -> Credentials:
        """The keys: kept-for-this-session ones first, then the keyring's. Raises SecretStoreError when
        the keyring cannot be read (for example, the user declined to unlock it)."""
        result = self._read_all()
        if isinstance(result, str):
            raise SecretStoreError(f"The OS keyring ({self.backend_name()}) could not be read ({result}).")
        return result

    def save(self, credentials: Credentials, *, session_only: bool = False) -> None:
        """Store every field that is set, replacing the stored value; fields that are None are left alone.

        With `session_only`, the keys go to memory only. Otherwise they go to the OS keyring, and
        `NoKeyringAvailable` is raised when there is none (or it is locked or fails to start), so the
        caller can ask the user whether to keep them for this session instead.
        """
        # The revealed values stay inside the helpers: no frame that raises from here holds them.
        self._store_entries(credentials._entries, session_only)

    def _store_entries(self, entries: Callable[[], Mapping[str, str]], session_only: bool) -> None:
        """Keep the entries in memory (session only) or in the OS keyring; `entries` reveals them only here."""
        if session_only:
            with self._lock:
                self._session.update(entries())
            return
        if not self.persistent_available():
            raise NoKeyringAvailable(self.unavailable_reason())
        failure = self._write_entries(entries())
        if failure is None:
            return
        unavailable, detail = failure
        if unavailable:
            raise NoKeyringAvailable(f"{NO_KEYRING_MESSAGE} The keyring said: {detail}")
        raise SecretStoreError(f"The key could not be saved in the OS keyring ({self.backend_name()}): {detail}.")

    def rotate(self, credentials: Credentials, *, session_only: bool = False) -> None:
        """Replace keys with new ones: the old values are overwritten where they are kept."""
        self.save(credentials, session_only=session_only)

    def clear(self, provider: Provider) -> None:
        """Forget a provider's keys, in memory and in the keyring. Nothing stored is not an error."""
        with self._lock:
            for name in ENTRIES[provider]:
                self._session.pop(name, None)
        if not self.persistent_available():
            return
        failure: str | None = None
        for name in ENTRIES[provider]:
            failure = self._delete(name)
            if failure is not None:
                break
        if failure is not None:
            raise SecretStoreError(
                f"The {PROVIDER_TITLES[provider]} key could not be removed from the OS keyring "
                f"({self.backend_name()}): {failure}."
            )

    def load_service_account_key(self) -> Secret | None:
        """The Google Cloud service-account key JSON, or None when none is kept. Raises SecretStoreError
        when the keyring cannot be read."""
        session = self._session_copy()
        if GCP_SERVICE_ACCOUNT_KEY in session:
            return Secret(session[GCP_SERVICE_ACCOUNT_KEY])
        if not self.persistent_available():
            return None
        try:
            value = self._backend.get_password(self._service, GCP_SERVICE_ACCOUNT_KEY)
        except Exception as exc:  # noqa: BLE001 - any backend error, re-raised without the traceback
            detail = _describe(exc, session.values())
        else:
            return Secret(value) if value else None
        raise SecretStoreError(f"The OS keyring ({self.backend_name()}) could not be read ({detail}).")

    def save_service_account_key(self, key: Secret, *, session_only: bool = False) -> None:
        """Keep the key JSON in the OS keyring (or, when asked, in memory for this session). Never on disk."""
        self._store_entries(lambda: {GCP_SERVICE_ACCOUNT_KEY: key.reveal()}, session_only)

    def service_account_session_only(self) -> bool:
        return GCP_SERVICE_ACCOUNT_KEY in self._session_copy()

    def clear_service_account_key(self) -> None:
        """Forget the service-account key, in memory and in the keyring."""
        with self._lock:
            self._session.pop(GCP_SERVICE_ACCOUNT_KEY, None)
        if not self.persistent_available():
            return
        failure = self._delete(GCP_SERVICE_ACCOUNT_KEY)
        if failure is not None:
            raise SecretStoreError(
                f"The service-account key could not be removed from the OS keyring ({self.backend_name()}): {failure}."
            )

    def _session_copy(self) -> dict[str, str]:
        with self._lock:
            return dict(self._session)

    def _read_all(self) -> Credentials | str:
        """The keys, or what the keyring said when reading failed."""
        session = self._session_copy()
        values: dict[str, str | None] = {}
        for name in (ELECTRICITYMAPS_TOKEN, WATTTIME_USERNAME, WATTTIME_PASSWORD):
            if name in session:
                values[name] = session[name]
            elif self.persistent_available():
                try:
                    values[name] = self._backend.get_password(self._service, name)
                except Exception as exc:  # noqa: BLE001 - any backend error; load() re-raises it without the traceback
                    return _describe(exc, [*session.values(), *(v for v in values.values() if v)])
        return Credentials._from_entries(values)

    def _write_entries(self, entries: Mapping[str, str]) -> tuple[bool, str] | None:
        """Store each entry; on failure (is the keyring unavailable?, what it said)."""
        from keyring.errors import InitError, KeyringLocked, NoKeyringError

        for name, value in entries.items():
            try:
                self._backend.set_password(self._service, name, value)
            except (NoKeyringError, KeyringLocked, InitError) as exc:
                return True, _describe(exc, entries.values())
            except Exception as exc:  # noqa: BLE001 - any backend error; save() re-raises it without the traceback
                return False, _describe(exc, entries.values())
            with self._lock:
                self._session.pop(name, None)  # the keyring now holds the current value
        return None

    def _delete(self, name: str) -> str | None:
        from keyring.errors import PasswordDeleteError

        try:
            self._backend.delete_password(self._service, name)
        except PasswordDeleteError:
            return None  # not stored
        except Exception as exc:  # noqa: BLE001 - any backend error; the caller re-raises it without the traceback
            return _describe(exc, self._session_copy().values())
        return None


def _class_path(backend: object) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _members(backend: object) -> list[object]:
    """The backends behind `backend`: a ChainerBackend's chain (which never holds another chain), else itself."""
    if _class_path(backend) == "keyring.backends.chainer.ChainerBackend":
        return list(getattr(backend, "backends", []))
    return [backend]


def _refused(backend: object) -> bool:
    module = type(backend).__module__
    return module == _REFUSED_PACKAGE or module.startswith(_REFUSED_PACKAGE + ".")


def _refused_names(backend: object) -> list[str]:
    return [type(b).__qualname__ for b in _members(backend) if _refused(b)]


def _usable(backend: object) -> bool:
    """A real OS keyring: not fail/null, and no keyrings.alt backend anywhere in the chain (a chain may read
    from or write to any of its members)."""
    members = _members(backend)
    if any(_refused(b) for b in members):
        return False
    return any(_class_path(b) not in _NO_BACKEND for b in members)


def _backend_name(backend: object) -> str:
    if not _usable(backend):
        refused = _refused_names(backend)
        return f"{NONE_AVAILABLE} (refused: {', '.join(refused)} from keyrings.alt)" if refused else NONE_AVAILABLE
    names = [_member_name(b) for b in _members(backend) if _class_path(b) not in _NO_BACKEND]
    return " + ".join(dict.fromkeys(names))


def _member_name(backend: object) -> str:
    return _BACKEND_NAMES.get(_class_path(backend)) or str(getattr(type(backend), "name", type(backend).__name__))
