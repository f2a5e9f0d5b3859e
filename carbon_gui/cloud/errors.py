"""Cloud failures as user-facing errors: what went wrong and what to do, never a traceback or a key."""

from carbon_gui.core.errors import UserFacingError


class CloudError(UserFacingError):
    """A Google Cloud (or local runner) call failed. `status` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None, step: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.step = step  # the launch step it happened in ("create bucket", "upload", "submit", ...)


class NotOurs(CloudError):
    """The app refuses to touch a resource it did not create."""
