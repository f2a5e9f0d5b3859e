"""What the window needs from outside (data loaders, location look-ups, settings, live data, the keyring)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from carbon_gui.core.geo import Location
from carbon_gui.settings import UserSettings
from carbon_gui.sources.reference import ReferenceData

if TYPE_CHECKING:
    from carbon_gui.cloud.gcp_auth import GcpAccess
    from carbon_gui.jobs.service import JobService
    from carbon_gui.live_service import LiveService
    from carbon_gui.secrets import SecretStore


@dataclass(frozen=True)
class Services:
    """Built by app.py with the real services; tests hand in their own."""

    load_reference: Callable[[], ReferenceData]
    resolve_location: Callable[[str], Location]
    default_location: Callable[[], Location]
    city_names: Callable[[], list[str]]
    save_settings: Callable[[UserSettings], None]
    live: "LiveService | None" = None  # live grid data; None: yearly figures only
    secret_store: "Callable[[], SecretStore] | None" = None  # the keyring, opened on first use (on the pool)
    jobs: "Callable[[], JobService] | None" = None  # training jobs, made on first use (imports the Google SDKs)
    gcp_access: "Callable[[], GcpAccess] | None" = None  # Google Cloud credentials (may ask a metadata server)
