"""Reading a file the user pointed at (settings, a script, a benchmark CSV) without trusting what is there.

A path may name a FIFO (an open blocks until a writer comes), a device (/dev/zero never ends), a directory, or a
file far larger than anything sensible. `read_regular_file` opens without blocking, checks the *open* file (a FIFO
swapped in after a stat is still caught) and reads at most `limit + 1` bytes, so the caller can tell "too large"
from "just fits" without ever holding more than that in memory.
"""

import os
import stat
from pathlib import Path

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


class NotARegularFile(Exception):
    """The path names a directory, a FIFO, a device, a socket... `what` says which, e.g. "a named pipe (FIFO)"."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def special_file_kind(mode: int) -> str:
    """What a non-regular file is, in words, from its `st_mode`."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def read_regular_file(path: Path, limit: int) -> bytes:
    """At most `limit + 1` bytes of the regular file at `path` (more than `limit` means: too large).

    Raises NotARegularFile for anything else, and OSError as `os.open` raises it (missing, no permission...)."""
    descriptor = os.open(path, _OPEN_FLAGS)
    try:
        mode = os.fstat(descriptor).st_mode
    except OSError:
        os.close(descriptor)
        raise
    if not stat.S_ISREG(mode):  # checked before fdopen, which refuses a directory with its own error
        os.close(descriptor)
        raise NotARegularFile(special_file_kind(mode))
    with os.fdopen(descriptor, "rb") as file:
        return file.read(limit + 1)
