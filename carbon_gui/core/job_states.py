"""The states of a job and of its staging bucket, as the ledger records them and the Jobs view shows them."""

# Recorded to be launched later (`launch --at`): nothing exists in the cloud yet; dropping it cancels it.
SCHEDULED = "scheduled"
# A launch walks through these before the job exists in the cloud (or as a local process).
LAUNCH_STATES = ("draft", "creating-bucket", "uploading", "submitting")
# The job exists and has not ended.
ACTIVE_STATES = ("queued", "pending", "running", "cancelling")
TERMINAL_STATES = ("succeeded", "failed", "cancelled")
JOB_STATES = (SCHEDULED, *LAUNCH_STATES, *ACTIVE_STATES, *TERMINAL_STATES)

BUCKET_STATES = ("intended", "created", "deleted")


def is_terminal(state: str) -> bool:
    return state in TERMINAL_STATES
