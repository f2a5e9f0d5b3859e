"""Which Google Cloud credentials the app uses, and how it says so.

Three ways, in this order:
1. CARBON_GUI_GCP_ANONYMOUS=1: anonymous credentials, for local servers (the storage emulator and a
   local Vertex AI REST server) — never for Google's real endpoints.
2. A service-account key the user gave in Settings → Google Cloud. Its JSON lives in the OS keyring
   (secrets layer); here it is only parsed in memory, never written to disk.
3. Application Default Credentials: the gcloud convention (`gcloud auth application-default login`,
   GOOGLE_APPLICATION_CREDENTIALS, or the metadata server on Google Cloud).

google-auth is imported inside the functions: the app's start-up does not pay for it.
"""

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from carbon_gui.cloud.errors import CloudError

ANONYMOUS_ENV = "CARBON_GUI_GCP_ANONYMOUS"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
_SA_FIELDS = ("type", "project_id", "private_key", "client_email", "token_uri")


@dataclass(frozen=True)
class GcpAccess:
    """Credentials to hand to the Google clients, with a user-facing description of where they came from."""

    credentials: Any  # google.auth.credentials.Credentials
    description: str  # e.g. "service-account key for trainer@proj.iam.gserviceaccount.com (OS keyring)"
    default_project: str | None  # the project the credentials name, if any


def anonymous_requested(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(ANONYMOUS_ENV, "").strip() in {"1", "true", "yes"}


def parse_service_account(json_text: str) -> dict[str, str]:
    """The fields of a service-account key file, or an error that says what is wrong with it.

    The message never quotes the file: it holds a private key.
    """
    try:
        info = json.loads(json_text)
    except ValueError:
        raise CloudError("The key file is not JSON: download it again from IAM → Service accounts → Keys.") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise CloudError(
            "This JSON is not a service-account key (its \"type\" is not \"service_account\"). "
            "Use a key created under IAM → Service accounts → Keys, or Application Default Credentials."
        )
    missing = [name for name in _SA_FIELDS if not info.get(name)]
    if missing:
        raise CloudError(f"The service-account key lacks {', '.join(missing)}: download a new key.")
    return {k: v for k, v in info.items() if isinstance(v, str)}


def service_account_access(json_text: str) -> GcpAccess:
    from google.oauth2 import service_account

    info = parse_service_account(json_text)
    try:
        credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=list(SCOPES)
        )
    except ValueError:  # a malformed private key; the exception text could quote it, so it is dropped
        raise CloudError("The service-account key's private key cannot be read: download a new key.") from None
    return GcpAccess(
        credentials,
        f"service-account key for {info['client_email']} (stored in the OS keyring)",
        info.get("project_id"),
    )


def application_default_access() -> GcpAccess:
    """Application Default Credentials, or a CloudError that says how to set them up. May touch the network
    (the metadata server on Google Cloud machines): call it off the GUI thread."""
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        credentials, project = google.auth.default(scopes=list(SCOPES))
    except DefaultCredentialsError:
        raise CloudError(
            "No Google Cloud credentials found. Run `gcloud auth application-default login`, or add a "
            "service-account key in Settings → Google Cloud."
        ) from None
    where = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if where:
        origin = f"Application Default Credentials from GOOGLE_APPLICATION_CREDENTIALS ({where})"
    else:
        origin = "Application Default Credentials (gcloud auth application-default login, or this VM's account)"
    account = getattr(credentials, "service_account_email", None) or getattr(credentials, "account", None)
    if isinstance(account, str) and account and account != "default":
        origin += f", account {account}"
    return GcpAccess(credentials, origin, project)


def anonymous_access() -> GcpAccess:
    from google.auth.credentials import AnonymousCredentials

    credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
    return GcpAccess(credentials, f"anonymous ({ANONYMOUS_ENV}=1, for local test servers)", None)


def resolve_access(service_account_json: str | None, environ: Mapping[str, str] = os.environ) -> GcpAccess:
    """The credentials the app uses now, in the order the module docstring gives."""
    if anonymous_requested(environ):
        return anonymous_access()
    if service_account_json:
        return service_account_access(service_account_json)
    return application_default_access()
