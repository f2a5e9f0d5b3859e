"""Identifiers of the jobs the app launches and the names and labels of their staging buckets."""

import re
import secrets
from datetime import UTC, datetime

MANAGED_BY_LABEL = "managed-by"
MANAGED_BY_VALUE = "carbon-gui"
JOB_LABEL = "job"
BUCKET_PREFIX = "carbon-gui-"
_JOB_ID = re.compile(r"^cg-\d{8}-\d{6}-[0-9a-f]{4}$")


def new_job_id(now: datetime | None = None) -> str:
    """`cg-YYYYMMDD-HHMMSS-xxxx` in UTC: sortable, and valid as a bucket name part and a label value."""
    now = now or datetime.now(UTC)
    return f"cg-{now.astimezone(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def is_job_id(text: str) -> bool:
    return bool(_JOB_ID.match(text))


def bucket_name(job_id: str) -> str:
    return f"{BUCKET_PREFIX}{job_id}"


def bucket_labels(job_id: str) -> dict[str, str]:
    return {MANAGED_BY_LABEL: MANAGED_BY_VALUE, JOB_LABEL: job_id}
