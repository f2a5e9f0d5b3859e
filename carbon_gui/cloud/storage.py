"""Staging buckets on Cloud Storage: create in exactly the chosen region, upload, measure, read, delete.

google-cloud-storage is imported on first use (start-up does not pay for it). STORAGE_EMULATOR_HOST
points the client at a local server (the client reads it itself); CARBON_GUI_GCP_ANONYMOUS=1 uses
anonymous credentials. Every Google error becomes a CloudError with a message for the user.
Deleting goes through core.cleanup_policy: the app deletes only buckets it created.
"""

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from carbon_gui.cloud import deadlines
from carbon_gui.cloud.errors import CloudError, NotOurs
from carbon_gui.cloud.gcp_auth import anonymous_access, anonymous_requested, application_default_access
from carbon_gui.core.cleanup_policy import BucketFacts, cleanup_verdict
from carbon_gui.core.job_ids import MANAGED_BY_LABEL, MANAGED_BY_VALUE

EMULATOR_ENV = "STORAGE_EMULATOR_HOST"
CALL_DEADLINE_S = 30.0  # one call's overall deadline: connect, headers, body and retries
UPLOAD_DEADLINE_S = 600.0  # an upload sends the user's package: slow links need longer


class Usage(NamedTuple):
    objects: int
    bytes: int


class DeleteOutcome(StrEnum):
    DELETED = "deleted"
    ALREADY_GONE = "already gone"  # nothing to delete: counts as done


@dataclass(frozen=True)
class LiveBucket:
    """A bucket as Cloud Storage lists it now."""

    name: str
    location: str
    labels: Mapping[str, str]


class StagingStorage:
    """Cloud Storage for one project. `credentials` are google-auth credentials (None: anonymous when
    CARBON_GUI_GCP_ANONYMOUS=1 or an emulator is set, else Application Default Credentials).

    Every call, with its retries (on connection errors, timeouts, 429 and 5xx; never on a refused connection),
    ends within one deadline: `retry_seconds` (default CALL_DEADLINE_S) or less when a surrounding
    `deadlines.time_limit` ends sooner, then fails with a CloudError.
    """

    def __init__(self, project: str, credentials: Any = None, *, retry_seconds: float | None = None) -> None:
        self.project = project
        self._credentials = credentials
        self._retry_seconds = retry_seconds

    def create_bucket(self, name: str, region: str, labels: Mapping[str, str]) -> None:
        """Create bucket `name` in exactly `region`, with `labels` and uniform bucket-level access.

        A bucket of that name that already exists and carries `labels` counts as created (a retried
        launch); any other existing bucket is a CloudError.
        """
        from google.api_core import exceptions as api

        with self._translated(f"create bucket {name} in {region}") as retry:
            bucket = self._client.bucket(name)
            bucket.labels = dict(labels)
            bucket.iam_configuration.uniform_bucket_level_access_enabled = True
            try:
                created = self._client.create_bucket(bucket, project=self.project, location=region, retry=retry)
            except api.Conflict:
                if _carries(self._labels_if_visible(name, retry), labels):
                    return
                raise CloudError(
                    f"The bucket name {name} is already taken by a bucket carbon-gui did not make for this job. "
                    "Launch again: the new job gets a new name.",
                    status=409,
                    step="create bucket",
                ) from None
            if not _carries(created.labels, labels):
                # The labels are what cleanup trusts. Cloud Storage sets them on insert; a server that
                # dropped them (the storage emulator does) gets them in a follow-up patch.
                created.labels = dict(labels)
                created.patch(retry=retry)

    def exists(self, name: str) -> bool:
        with self._translated(f"look up bucket {name}") as retry:
            return bool(self._client.bucket(name).exists(retry=retry))

    def labels(self, name: str) -> dict[str, str] | None:
        """The bucket's labels now, or None when there is no such bucket."""
        from google.api_core import exceptions as api

        with self._translated(f"read the labels of bucket {name}") as retry:
            try:
                return dict(self._client.get_bucket(name, retry=retry).labels)
            except api.NotFound:
                return None

    def upload_file(self, bucket: str, path: Path, blob: str) -> str:
        """Upload a local file as object `blob`; returns its gs:// address."""
        if not path.is_file():
            raise CloudError(f"Cannot upload {path}: there is no such file.", step="upload")
        with self._translated(f"upload {path.name} to bucket {bucket}", UPLOAD_DEADLINE_S) as retry:
            self._client.bucket(bucket).blob(blob).upload_from_filename(str(path), retry=retry)
        return f"gs://{bucket}/{blob}"

    def usage(self, bucket: str) -> Usage:
        """How many objects the bucket holds and their total size, for the delete confirmation."""
        count = size = 0
        with self._translated(f"count the objects in bucket {bucket}") as retry:
            for item in self._client.list_blobs(bucket, retry=retry):
                count += 1
                size += item.size or 0
        return Usage(count, size)

    def read_text(self, bucket: str, blob: str) -> str | None:
        """The object's text (UTF-8), or None when the object or the bucket does not exist."""
        from google.api_core import exceptions as api

        with self._translated(f"read gs://{bucket}/{blob}") as retry:
            try:
                data: bytes = self._client.bucket(bucket).blob(blob).download_as_bytes(retry=retry)
            except api.NotFound:
                return None
        return data.decode("utf-8", errors="replace")

    def delete_bucket(self, name: str, ledger_record: BucketFacts | None) -> DeleteOutcome:
        """Delete the bucket and every object in it, if the cleanup policy allows it.

        `ledger_record` is the ledger's record for `name` (None if it has none). A bucket that is
        already gone is ALREADY_GONE (done). A bucket the app did not create raises NotOurs, whose
        message gives the reason.
        """
        from google.api_core import exceptions as api

        verdict = cleanup_verdict(name, self.labels(name), ledger_record)
        if verdict.already_gone:
            return DeleteOutcome.ALREADY_GONE
        if not verdict.allowed:
            raise NotOurs(f"carbon-gui will not delete bucket {name}: {verdict.reason}.", step="delete bucket")
        with self._translated(f"delete bucket {name}") as retry:
            try:
                for item in self._client.list_blobs(name, versions=True, retry=retry):
                    with suppress(api.NotFound):  # deleted meanwhile
                        item.delete(retry=retry)
                self._client.bucket(name).delete(retry=retry)
            except api.NotFound:
                return DeleteOutcome.ALREADY_GONE
        return DeleteOutcome.DELETED

    def list_app_buckets(self) -> list[LiveBucket]:
        """The project's buckets labelled managed-by=carbon-gui (labels can be forged: see cleanup_policy)."""
        with self._translated(f"list the buckets of project {self.project}") as retry:
            return [
                LiveBucket(bucket.name, bucket.location or "", dict(bucket.labels))
                for bucket in self._client.list_buckets(project=self.project, retry=retry)
                if bucket.labels.get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE
            ]

    # --- plumbing -----------------------------------------------------------------------------------------

    @cached_property
    def _client(self) -> Any:
        import google.cloud.storage as storage

        credentials = self._credentials
        if credentials is None and anonymous_requested():
            credentials = anonymous_access().credentials
        elif credentials is None and not os.environ.get(EMULATOR_ENV):  # with an emulator the client goes anonymous
            credentials = application_default_access().credentials
        client = storage.Client(project=self.project, credentials=credentials)
        deadlines.watch(client._http)  # requests' timeout bounds one read: the session gets the overall deadline
        return client

    def _labels_if_visible(self, name: str, retry: Any) -> dict[str, str] | None:
        """Labels of a bucket that may belong to someone else: None when we may not see it."""
        from google.api_core import exceptions as api

        try:
            return dict(self._client.get_bucket(name, retry=retry).labels)
        except (api.NotFound, api.Forbidden):
            return None

    @contextmanager
    def _translated(self, action: str, seconds: float | None = None) -> Iterator[Any]:
        """Run one call within its deadline (see the class docstring), giving it the retry to use, and turn Google
        client errors into CloudErrors that say what failed and what to do."""
        import requests
        from google.api_core import exceptions as api
        from google.api_core.retry import Retry
        from google.auth import exceptions as auth

        endpoint = _endpoint()
        allowed = seconds or self._retry_seconds or CALL_DEADLINE_S
        try:
            with deadlines.call_deadline(allowed, f"Cloud Storage ({endpoint}) to {action}") as allowed:
                yield Retry(predicate=_worth_retrying, timeout=allowed)
        except (api.GoogleAPICallError, api.RetryError, auth.GoogleAuthError, requests.RequestException, OSError) as e:
            raise _cloud_error(e, action, self.project, allowed) from None


def _carries(actual: Mapping[str, str] | None, wanted: Mapping[str, str]) -> bool:
    return actual is not None and all(actual.get(key) == value for key, value in wanted.items())


def _endpoint() -> str:
    return os.environ.get(EMULATOR_ENV) or "storage.googleapis.com"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what it wraps: requests and urllib3 keep the cause in args[0] and `reason`, Python in __cause__."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args[:1]]


def _refused(exc: BaseException) -> bool:
    return any(isinstance(cause, ConnectionRefusedError) for cause in _causes(exc))


def _timed_out(exc: BaseException) -> bool:
    import requests
    import urllib3

    timeouts = (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)
    refused = urllib3.exceptions.NewConnectionError  # (urllib3 makes it a TimeoutError too)
    return any(isinstance(cause, timeouts) and not isinstance(cause, refused) for cause in _causes(exc))


def _worth_retrying(exc: Exception) -> bool:
    """The storage client's own choice, except after the deadline or for a refused connection: nobody listens there,
    and asking again with backoff only makes the user wait (~26 s per call with the client's defaults)."""
    from google.cloud.storage.retry import DEFAULT_RETRY

    return deadlines.time_left() and not _refused(exc) and bool(DEFAULT_RETRY._predicate(exc))  # the client's rule


def _cloud_error(exc: Exception, action: str, project: str, seconds: float) -> CloudError:
    import requests
    from google.api_core import exceptions as api
    from google.auth import exceptions as auth

    if isinstance(exc, api.RetryError) and exc.cause is not None:
        exc = exc.cause if isinstance(exc.cause, Exception) else exc
    endpoint = _endpoint()
    if deadlines.too_large(exc):
        return CloudError(f"The answer from Cloud Storage ({endpoint}) was {deadlines.TOO_LARGE} to {action}.")
    if isinstance(exc, requests.RequestException | auth.TransportError | OSError | api.RetryError) and _timed_out(exc):
        return CloudError(
            f"Cloud Storage ({endpoint}) did not answer within {deadlines.seconds_text(seconds)} when trying to "
            f"{action}. Try again in a few minutes."
        )
    if isinstance(exc, requests.ConnectionError | auth.TransportError | ConnectionError | api.RetryError):
        return CloudError(f"Offline: cannot reach Cloud Storage ({endpoint}) to {action}. Check the network and retry.")
    if isinstance(exc, auth.RefreshError | api.Unauthorized):
        return CloudError(
            f"Google Cloud rejected the credentials when trying to {action}: sign in again "
            "(gcloud auth application-default login) or check the key in Settings → Google Cloud.",
            status=401,
        )
    if isinstance(exc, api.Forbidden):
        return CloudError(
            f"Permission denied to {action}: the account needs Storage Admin (roles/storage.admin) "
            f"on project {project}.",
            status=403,
        )
    if isinstance(exc, api.NotFound):
        return CloudError(f"Cannot {action}: it does not exist on Cloud Storage.", status=404)
    if isinstance(exc, api.Conflict):
        return CloudError(f"Cannot {action}: Cloud Storage reports a conflict (HTTP 409).", status=409)
    if isinstance(exc, api.TooManyRequests | api.ServerError):
        return CloudError(
            f"Cloud Storage is busy or unavailable (HTTP {exc.code}) when trying to {action}: try again later.",
            status=exc.code,
        )
    if isinstance(exc, api.GoogleAPICallError):
        reason = re.sub(r"^[A-Z]+ \S+: ", "", exc.message)  # the client prefixes the method and the URL
        return CloudError(f"Cloud Storage refused to {action} (HTTP {exc.code}): {reason}", status=exc.code)
    if isinstance(exc, OSError) and exc.strerror:
        return CloudError(f"Cannot {action}: {exc.strerror}.")
    return CloudError(f"Cannot {action}: {type(exc).__name__}.")
