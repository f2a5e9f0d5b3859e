"""Settings → Google Cloud → Check: does this project answer with these credentials, before any launch?"""

from dataclasses import dataclass

from carbon_gui.cloud.errors import CloudError
from carbon_gui.cloud.gcp_auth import GcpAccess
from carbon_gui.cloud.storage import StagingStorage
from carbon_gui.cloud.vertex import VertexJobs

PROBE_JOB_ID = "cg-00000000-000000-0000"  # a job id no launch ever gets: listing by it reads, changes nothing


@dataclass(frozen=True)
class AccessReport:
    credentials: str  # where the credentials come from
    vertex: str  # "ok" or what went wrong
    storage: str

    @property
    def ok(self) -> bool:
        return self.vertex == "ok" and self.storage == "ok"

    def text(self) -> str:
        if self.ok:
            return f"Access confirmed: Vertex AI and Cloud Storage answered. Credentials: {self.credentials}."
        return f"Credentials: {self.credentials}.\nVertex AI: {self.vertex}\nCloud Storage: {self.storage}"


def check_access(project: str, region: str, access: GcpAccess) -> AccessReport:
    """Two read-only calls: list the project's custom jobs in `region`, and its buckets."""
    try:
        VertexJobs(project, region, credentials=access.credentials).find_by_label(PROBE_JOB_ID)
        vertex = "ok"
    except CloudError as err:
        vertex = err.message
    try:
        StagingStorage(project, access.credentials).list_app_buckets()
        storage = "ok"
    except CloudError as err:
        storage = err.message
    return AccessReport(access.description, vertex, storage)
