"""Which Google Cloud credentials the app picks, and that a key's private part never reaches a message."""

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from carbon_gui.cloud.errors import CloudError
from carbon_gui.cloud.gcp_auth import parse_service_account, resolve_access


def _key_json(**overrides: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "carbon-test",
        "private_key_id": "abc",
        "private_key": pem,
        "client_email": "trainer@carbon-test.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    info.update(overrides)
    return json.dumps(info)


def test_anonymous_wins_when_asked_for() -> None:
    access = resolve_access(_key_json(), {"CARBON_GUI_GCP_ANONYMOUS": "1"})
    assert type(access.credentials).__name__ == "AnonymousCredentials"
    assert "anonymous" in access.description


def test_service_account_key_is_used_and_described_without_its_secret() -> None:
    text = _key_json()
    access = resolve_access(text, {})
    assert access.credentials.service_account_email == "trainer@carbon-test.iam.gserviceaccount.com"
    assert access.default_project == "carbon-test"
    assert "trainer@carbon-test" in access.description
    assert "PRIVATE KEY" not in access.description


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not json", "not JSON"),
        (json.dumps({"type": "authorized_user"}), "not a service-account key"),
        (json.dumps({"type": "service_account", "project_id": "p"}), "lacks private_key"),
    ],
)
def test_bad_key_files_say_what_is_wrong(text: str, expected: str) -> None:
    with pytest.raises(CloudError, match=expected):
        parse_service_account(text)


def test_unreadable_private_key_is_not_quoted() -> None:
    text = _key_json(private_key="-----BEGIN PRIVATE KEY-----\nSENTINEL-NOT-A-KEY\n-----END PRIVATE KEY-----\n")
    with pytest.raises(CloudError) as caught:
        resolve_access(text, {})
    assert "SENTINEL" not in str(caught.value)
    assert caught.value.__suppress_context__  # a printed traceback never shows the parser's error either


def test_missing_adc_says_how_to_set_it_up(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("NO_GCE_CHECK", "true")  # never probe a metadata server from a test
    with pytest.raises(CloudError, match="gcloud auth application-default login"):
        resolve_access(None, {})


def test_adc_from_a_key_file_names_its_origin(tmp_path, monkeypatch) -> None:
    path = tmp_path / "adc.json"
    path.write_text(_key_json())
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    access = resolve_access(None, {})
    assert "GOOGLE_APPLICATION_CREDENTIALS" in access.description
    assert access.default_project == "carbon-test"
