"""Where the window takes what a problem of the core asks for (planner.with_hints; the CLI names its options)."""

from carbon_gui.jobs.planner import NO_PROJECT
from carbon_gui.jobs.schedule import ENDS_LATE

WINDOW_HINTS = {
    NO_PROJECT: "Type it in Project id on the previous page (Back), or set it once in Settings → Google Cloud "
    "for the next launches.",
    ENDS_LATE: "Give it a longer Finish within, then Launch at best time again.",
}
