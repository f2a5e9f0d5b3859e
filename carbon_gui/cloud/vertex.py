"""Vertex AI custom jobs: submit, read the state, cancel, find again by label. No polling loop: the app owns it.

google-cloud-aiplatform's `aiplatform_v1.JobServiceClient`, imported on first use (start-up does not pay for
it). The endpoint is CARBON_GUI_VERTEX_ENDPOINT when set (an http://127.0.0.1:PORT local server is reached
with the REST transport over plain HTTP), else the region's `{region}-aiplatform.googleapis.com`.
Credentials: the ones passed in, else those of `gcp_auth.resolve_access` (CARBON_GUI_GCP_ANONYMOUS=1 gives
anonymous ones for local servers; otherwise Application Default Credentials).

Every failure is a CloudError whose message says what went wrong and what to do: an error status, no answer
in time, no connection, and also an answer that is not a Vertex AI answer (not JSON, JSON of the wrong shape,
another job, a state this version does not know), which a proxy or a captive portal can give with HTTP 200.
"""

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from carbon_gui.cloud import deadlines
from carbon_gui.cloud.errors import CloudError
from carbon_gui.cloud.gcp_auth import resolve_access
from carbon_gui.core.job_ids import JOB_LABEL

ENDPOINT_ENV = "CARBON_GUI_VERTEX_ENDPOINT"
CALL_TIMEOUT_S = 30.0  # one call's overall deadline: connect, headers and body (gRPC: its deadline)
T = TypeVar("T")
_HTTP_PREFIX = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) \S+: ")

# Vertex AI's JobState names -> the app's job states (core.job_states). The app's seven states cover a
# custom job's life; the rest are mapped to the nearest one.
_STATES = {
    "JOB_STATE_UNSPECIFIED": "queued",
    "JOB_STATE_QUEUED": "queued",
    "JOB_STATE_PENDING": "pending",
    "JOB_STATE_RUNNING": "running",
    "JOB_STATE_SUCCEEDED": "succeeded",
    "JOB_STATE_FAILED": "failed",
    "JOB_STATE_CANCELLING": "cancelling",
    "JOB_STATE_CANCELLED": "cancelled",
    "JOB_STATE_PAUSED": "pending",
    "JOB_STATE_EXPIRED": "failed",
    "JOB_STATE_UPDATING": "running",
    "JOB_STATE_PARTIALLY_SUCCEEDED": "succeeded",
}


@dataclass(frozen=True)
class JobStatus:
    name: str  # projects/…/locations/…/customJobs/ID
    state: str  # queued, pending, running, succeeded, failed, cancelling, cancelled
    error: str | None  # Vertex AI's message when the job failed
    create_time: datetime | None
    start_time: datetime | None
    end_time: datetime | None
    console_url: str
    logs_url: str


def job_id_of(name: str) -> str:
    """The numeric id at the end of a custom job's resource name."""
    return name.rsplit("/", 1)[-1]


def console_url(project: str, region: str, name: str) -> str:
    return (
        f"https://console.cloud.google.com/vertex-ai/locations/{region}/training/{job_id_of(name)}"
        f"?project={quote(project)}"
    )


def logs_url(project: str, name: str) -> str:
    """Cloud Logging's query for the job's logs (Vertex AI writes them as resource type ml_job)."""
    query = f'resource.type="ml_job"\nresource.labels.job_id="{job_id_of(name)}"'
    return f"https://console.cloud.google.com/logs/query;query={quote(query, safe='')}?project={quote(project)}"


def _once(seconds: float) -> dict[str, Any]:
    """No client-side retries: a retried create could start a second job, and the app's own loop polls again."""
    return {"retry": None, "timeout": seconds}


def _state_name(job: Any) -> str | None:
    """The JobState's name, read from the raw message: an unknown number is None (and no warning)."""
    from google.cloud import aiplatform_v1

    try:
        return str(aiplatform_v1.JobState(type(job).pb(job).state).name)
    except ValueError:
        return None


def _parse_problem(err: Exception) -> str:
    """Why an answer could not be read, in a few words."""
    text = str(err).strip()
    if isinstance(err, UnicodeDecodeError) or text.startswith("Failed to load JSON"):
        return "not JSON"
    detail = text.splitlines()[0].rstrip(".") if text else type(err).__name__
    return f"JSON of the wrong shape: {detail if len(detail) <= 120 else detail[:117] + '…'}"


class VertexJobs:
    """The custom jobs of one project in one region."""

    def __init__(
        self,
        project: str,
        region: str,
        *,
        credentials: Any = None,
        endpoint: str | None = None,
        transport: str | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        """`endpoint` and `transport` ("grpc" or "rest") override the defaults described in the module docstring."""
        self.project = project
        self.region = region
        self.endpoint = endpoint or environ.get(ENDPOINT_ENV) or f"{region}-aiplatform.googleapis.com"
        self.transport = transport or ("rest" if self.endpoint.startswith("http://") else "grpc")
        self._credentials = credentials
        self._environ = environ
        self._client: Any = None

    @property
    def parent(self) -> str:
        return f"projects/{self.project}/locations/{self.region}"

    def submit(self, body: Mapping[str, Any]) -> str:
        """Creates the CustomJob (`core.job_spec.custom_job_body`) and returns its resource name.

        Not retried: a second create could start a second job. When the answer is lost, `find_by_label`.
        """
        from google.cloud import aiplatform_v1

        try:
            job = aiplatform_v1.CustomJob.from_json(json.dumps(body))
        except (ValueError, TypeError) as err:
            raise CloudError(f"The job spec is not a valid CustomJob ({err}).", step="submit") from None
        created = self._call("submit", lambda c, s: c.create_custom_job(parent=self.parent, custom_job=job, **_once(s)))
        return str(created.name)

    def status(self, name: str) -> JobStatus:
        """The job's state now (one request)."""
        job = self._call("status", lambda c, s: c.get_custom_job(name=name, **_once(s)))
        if job.name != name:
            raise self._not_understood("status", f"it describes {job.name or 'no job'!r}, not {name}")
        state = _STATES.get(_state_name(job) or "")
        if state is None:
            raise self._not_understood("status", f"its job state {type(job).pb(job).state} is unknown to carbon-gui")
        error = job.error.message if job.error and (job.error.code or job.error.message) else None
        return JobStatus(
            name=job.name,
            state=state,
            error=error or None,
            create_time=job.create_time,
            start_time=job.start_time,
            end_time=job.end_time,
            console_url=console_url(self.project, self.region, job.name),
            logs_url=logs_url(self.project, job.name),
        )

    def cancel(self, name: str) -> None:
        """Asks Vertex AI to cancel the job; `status` shows cancelling, then cancelled."""
        self._call("cancel", lambda c, s: c.cancel_custom_job(name=name, **_once(s)))

    def find_by_label(self, job_id: str) -> str | None:
        """The resource name of the app's job `job_id` (its `job` label), newest first; None when there is none."""
        request = {"parent": self.parent, "filter": f'labels.{JOB_LABEL}="{job_id}"'}
        found = self._call("find job", lambda c, s: list(c.list_custom_jobs(request=request, **_once(s))))
        matching = [job for job in found if job.labels.get(JOB_LABEL) == job_id]
        if not matching:
            return None
        return str(max(matching, key=lambda job: job.create_time.timestamp() if job.create_time else 0.0).name)

    def _client_now(self) -> Any:
        if self._client is None:
            from google.api_core.client_options import ClientOptions
            from google.cloud import aiplatform_v1

            credentials = self._credentials or resolve_access(None, self._environ).credentials
            client = aiplatform_v1.JobServiceClient(
                credentials=credentials,
                transport=self.transport,
                client_options=ClientOptions(api_endpoint=self.endpoint),
            )
            if self.transport == "rest":  # requests' timeout bounds one read: the session gets the overall deadline
                deadlines.watch(client.transport._session)  # type: ignore[attr-defined]
            self._client = client
        return self._client

    def _call(self, step: str, call: Callable[[Any, float], T]) -> T:
        """`call(client, seconds)` within one deadline of at most CALL_TIMEOUT_S (see cloud/deadlines.py)."""
        from google.api_core import exceptions as api
        from google.auth import exceptions as auth
        from google.protobuf import json_format
        from requests import exceptions as http

        seconds = CALL_TIMEOUT_S
        try:
            with deadlines.call_deadline(CALL_TIMEOUT_S, f"Vertex AI at {self.endpoint}") as seconds:
                return call(self._client_now(), seconds)
        except api.GoogleAPICallError as err:
            raise self._api_error(err, step) from None
        except (http.InvalidURL, http.InvalidSchema, http.MissingSchema):
            raise CloudError(
                f"The Vertex AI endpoint {self.endpoint!r} is not a usable address: set {ENDPOINT_ENV} to one like "
                "http://127.0.0.1:8080, or unset it to use Google's.",
                step=step,
            ) from None
        except (http.Timeout, api.RetryError, TimeoutError):
            raise CloudError(
                f"Vertex AI at {self.endpoint} did not answer within {deadlines.seconds_text(seconds)}. "
                "Try again in a few minutes.",
                step=step,
            ) from None
        except (http.ConnectionError, auth.TransportError, ConnectionError):
            raise CloudError(
                f"Cannot reach Vertex AI at {self.endpoint}: you seem to be offline. "
                "Check the network connection and try again.",
                step=step,
            ) from None
        except http.RequestException as err:  # the answer was refused for its size, or cut off mid-body
            why = deadlines.TOO_LARGE if deadlines.too_large(err) else "cut off or unreadable"
            raise CloudError(f"The answer from {self.endpoint} was {why}. Try again later.", step=step) from None
        except auth.RefreshError:
            raise CloudError(
                "Google Cloud refused the credentials (expired or revoked). Run "
                "`gcloud auth application-default login` again, or add a new service-account key in Settings.",
                step=step,
            ) from None
        except (json_format.Error, ValueError) as err:  # a 200 whose body is not JSON, or JSON of the wrong shape
            raise self._not_understood(step, _parse_problem(err)) from None

    def _not_understood(self, step: str, why: str) -> CloudError:
        return CloudError(
            f"The answer from {self.endpoint} was not a Vertex AI answer ({why}). A proxy or a network login page "
            "may be in the way: try again later.",
            step=step,
        )

    def _api_error(self, err: Any, step: str) -> CloudError:
        code = int(err.code) if err.code is not None else 0
        # The REST transport prefixes the server's message with "POST http://…: "; the user needs only the message.
        message = _HTTP_PREFIX.sub("", str(err.message or "")).strip()
        lower = message.lower()
        if code == 403 and (
            getattr(err, "reason", None) == "SERVICE_DISABLED" or "has not been used" in lower or "is disabled" in lower
        ):
            text = (
                f"The Vertex AI API is not enabled in project {self.project}. Enable it with "
                f"`gcloud services enable aiplatform.googleapis.com --project={self.project}` (or under APIs & "
                "Services in the console), wait a minute, then try again."
            )
        elif code in (400, 403, 429) and "quota" in lower:
            text = (
                f"Not enough Vertex AI quota in {self.region}: {message} Request more quota (IAM & Admin → Quotas), "
                "or choose a smaller machine, fewer GPUs or another region."
            )
        elif code == 400 and step == "submit":
            text = f"Vertex AI refused the job: {message} Check the machine type, accelerator and container image."
        elif code == 400:
            text = f"Vertex AI refused the request ({step}): {message}"
        elif code == 401:
            text = (
                "Google Cloud did not accept the credentials. Run `gcloud auth application-default login`, "
                "or add a service-account key in Settings."
            )
        elif code == 403:
            text = (
                f"Permission denied in project {self.project}: {message} The account needs the Vertex AI User role "
                "(roles/aiplatform.user) in this project."
            )
        elif code == 404:
            text = (
                f"Vertex AI found no such job or location ({message or self.parent}). Check the project id and "
                "region; the job may have been deleted."
            )
        elif code == 429:
            text = f"Vertex AI is rate-limiting requests: {message} Try again in a minute."
        elif code >= 500:
            text = f"Vertex AI is unavailable right now (HTTP {code}). Try again in a few minutes."
        else:
            text = f"Vertex AI answered HTTP {code}: {message}"
        return CloudError(text, status=code or None, step=step)
