"""How long the monitor waits before the next poll: 1 s while a local run is going (its output is live),
10 s for Vertex AI jobs, doubling up to 60 s while nothing changes."""

from collections.abc import Sequence
from dataclasses import dataclass

from carbon_gui.ui.jobs.job_snapshot import JobSnapshot


@dataclass(frozen=True)
class PollIntervals:
    local_s: float = 1.0
    vertex_s: float = 10.0
    longest_s: float = 60.0

    def next(self, previous_s: float | None, snapshots: Sequence[JobSnapshot], changed: bool) -> float:
        if any(s.is_local and s.is_active for s in snapshots):
            return self.local_s
        if changed or previous_s is None:
            return self.vertex_s
        return min(max(previous_s, self.vertex_s) * 2, self.longest_s)
