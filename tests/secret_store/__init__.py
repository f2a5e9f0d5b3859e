"""Keyring stand-ins shared by the secret-store and keys-dialog tests, and a scan for leaked keys."""

import contextlib
import gzip
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """A keyring in a dict. priority = -1: a positive one would let keyring pick it up on its own."""

    priority = -1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.writes = 0

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.writes += 1
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")


class LockedKeyring(MemoryKeyring):
    """A keyring the user did not unlock; its error message (badly) echoes the value."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked(f"cannot store {password!r}: the collection is locked")


class BrokenKeyring(MemoryKeyring):
    """A backend with a bug: every call fails with a message that contains the value."""

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError(f"D-Bus error while reading {username} ({self.entries})")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"D-Bus error while writing {password}")

    def delete_password(self, service: str, username: str) -> None:
        raise RuntimeError(f"D-Bus error while deleting {username} ({self.entries})")


def files_containing(text: str, *roots: Path) -> list[Path]:
    """Every file under the roots whose bytes contain `text` (UTF-8, UTF-16 or in a gzip stream)."""
    needles = [text.encode(), text.encode("utf-16-le")]
    hits = []
    for root in roots:
        if not root.exists():
            continue
        for path in [root] if root.is_file() else root.rglob("*"):
            if not path.is_file():
                continue
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                with contextlib.suppress(OSError, EOFError):
                    data += gzip.decompress(data)
            if any(n in data for n in needles):
                hits.append(path)
    return hits
