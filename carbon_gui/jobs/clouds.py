"""The cloud and local clients a job needs, made on first use with the app's credentials, and the
local runs this process started (a run started by an earlier process is followed through its pid)."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from carbon_gui.cloud import deadlines
from carbon_gui.cloud.gcp_auth import GcpAccess
from carbon_gui.cloud.local import LocalRun
from carbon_gui.cloud.storage import StagingStorage
from carbon_gui.cloud.vertex import VertexJobs

REFRESH_LIMIT_S = 60.0  # one refresh of every job waits at most this long for Google Cloud, whatever it does


class Clouds:
    def __init__(self, access: Callable[[], GcpAccess]) -> None:
        self._access = access
        self._credentials: Any = None
        self._lock = threading.Lock()
        self._storage: dict[str, StagingStorage] = {}
        self._vertex: dict[tuple[str, str], VertexJobs] = {}
        self._runs: dict[str, LocalRun] = {}

    def credentials(self) -> Any:
        """Resolved once (ADC may ask a metadata server); a CloudError says how to set credentials up."""
        with self._lock:
            if self._credentials is None:
                self._credentials = self._access().credentials
            return self._credentials

    def forget_credentials(self) -> None:
        """The user changed the key: the next call resolves credentials (and clients) afresh."""
        with self._lock:
            self._credentials = None
            self._storage.clear()
            self._vertex.clear()

    def storage(self, project: str) -> StagingStorage:
        credentials = self.credentials()
        with self._lock:
            return self._storage.setdefault(project, StagingStorage(project, credentials))

    def vertex(self, project: str, region: str) -> VertexJobs:
        credentials = self.credentials()
        with self._lock:
            return self._vertex.setdefault((project, region), VertexJobs(project, region, credentials=credentials))

    @contextmanager
    def refresh_limit(self) -> Iterator[None]:
        """The Google Cloud calls this thread makes inside the block (one refresh of many jobs, say) end within
        REFRESH_LIMIT_S together; each call also has its own deadline. A call left without time fails at once."""
        with deadlines.time_limit(REFRESH_LIMIT_S):
            yield

    def keep_run(self, run: LocalRun) -> None:
        with self._lock:
            self._runs[run.job_id] = run

    def run(self, job_id: str) -> LocalRun | None:
        with self._lock:
            return self._runs.get(job_id)
