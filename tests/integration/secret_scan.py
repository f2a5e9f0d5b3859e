"""Look for secrets in every file under a directory: raw, percent-encoded, and base64-encoded (at any alignment, so a
secret inside a longer encoded text, such as an HTTP Basic header, is found too)."""

import base64
from pathlib import Path
from urllib.parse import quote


def encoded_forms(secret: str) -> list[bytes]:
    """`secret` as it could sit in a file: raw, percent-encoded, and the base64 characters made of its bits alone at
    each of the 3 alignments (standard and URL-safe alphabets)."""
    raw = secret.encode()
    forms = {raw, quote(secret, safe="").encode(), quote(secret).encode()}
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * offset + raw)
            forms.add(encoded[-(-8 * offset // 6) : 8 * (offset + len(raw)) // 6])
    return sorted(forms)


def assert_no_secret_on_disk(root: Path, secrets: list[str]) -> None:
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files, f"nothing written under {root}: the scan would prove nothing"
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            for form in encoded_forms(secret):
                assert form not in data, f"{secret!r} ({form!r}) found in {path}"
