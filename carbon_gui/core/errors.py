"""Errors a user can act on. Their message is shown as is: what was wrong and what to do."""


class UserFacingError(Exception):
    """Base for errors whose message is written for the user, not for a developer."""


class InputError(UserFacingError):
    """The user gave a value the app cannot use (unknown machine, malformed weights, ...)."""


class DataError(UserFacingError):
    """A bundled or user-supplied data file is missing or corrupt."""
