"""Scheduled jobs (`launch --at best|TIME`): which are due, which passed while no carbon-gui ran, and whether a
re-plan moved the best start enough to say so. Pure logic on ledger records and a given clock; the window's timer
and `carbon-gui launch-scheduled` call it and do the launching.

A scheduled job is in the ledger with state "scheduled", its start in `scheduled_for` and, in `launch_json`, its
launch request and how the start was chosen (Schedule). Due: its start has come, at most GRACE ago (the window
checks every minute). Missed: its start passed longer ago than that, so nothing was running to launch it; the user
decides (launch now, re-plan, drop).
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from carbon_gui.cloud.ledger import JobRecord
from carbon_gui.core.errors import InputError
from carbon_gui.core.job_states import SCHEDULED
from carbon_gui.jobs.request import LaunchRequest, request_from_dict, request_to_dict

GRACE = timedelta(minutes=15)  # a start this late still launches without asking
ENDS_LATE = "The run ends after the deadline"  # how check_start's problem begins
DEFAULT_DEADLINE = timedelta(hours=24)  # `--at best` without --deadline: finish within a day
MOVE_HOURS = 1.0  # a re-plan that moves the start by more than this is reported...
MOVE_FRACTION = 0.10  # ...and so is one that changes the expected emissions by more than this share
CHECK_INTERVAL_MS = 60_000  # the window's check for due jobs
REPLAN_INTERVAL = timedelta(hours=1)  # the window re-plans `--at best` jobs this often


@dataclass(frozen=True)
class Schedule:
    """What a scheduled job keeps beside its start: the request, and how the start was chosen."""

    request: LaunchRequest
    at_best: bool  # True: the planner chose the start (and may re-plan it); False: the user gave the time
    deadline: datetime | None  # the run must end by then (at_best only)
    planned_kg: float | None = None  # the expected emissions at the chosen start (at_best only)
    source: str = ""  # where the plan's hourly data came from

    def to_json(self) -> str:
        return json.dumps({
            "request": request_to_dict(self.request),
            "at_best": self.at_best,
            "deadline": None if self.deadline is None else self.deadline.isoformat(),
            "planned_kg": self.planned_kg,
            "source": self.source,
        })  # fmt: skip

    @staticmethod
    def from_json(text: str) -> "Schedule":
        """Raises InputError when the text is not a schedule (a ledger row written by hand or damaged)."""
        try:
            values: dict[str, Any] = json.loads(text)
            deadline = values["deadline"]
            return Schedule(
                request_from_dict(values["request"]),
                bool(values["at_best"]),
                None if deadline is None else datetime.fromisoformat(deadline),
                None if values["planned_kg"] is None else float(values["planned_kg"]),
                str(values["source"]),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            raise InputError("The ledger's launch request of this scheduled job cannot be read: drop it.") from None


def scheduled(jobs: list[JobRecord]) -> list[JobRecord]:
    """The scheduled jobs, soonest first."""
    waiting = [j for j in jobs if j.state == SCHEDULED and j.scheduled_for is not None]
    return sorted(waiting, key=lambda j: j.scheduled_for or j.created_at)


def due(jobs: list[JobRecord], now: datetime) -> list[JobRecord]:
    """Scheduled jobs whose start has come, at most GRACE ago: launch them."""
    return [j for j in scheduled(jobs) if j.scheduled_for and timedelta(0) <= now - j.scheduled_for <= GRACE]


def missed(jobs: list[JobRecord], now: datetime) -> list[JobRecord]:
    """Scheduled jobs whose start passed more than GRACE ago (nothing ran to launch them): ask the user."""
    return [j for j in scheduled(jobs) if j.scheduled_for and now - j.scheduled_for > GRACE]


def check_start(start: datetime, now: datetime, hours: float, deadline: datetime | None) -> None:
    """A start must not be in the past, and the run must end by the deadline when there is one."""
    if start < now - timedelta(minutes=1):
        raise InputError(f"The start {start:%Y-%m-%d %H:%M} UTC is in the past: give a later time, or 'best'.")
    if deadline is not None and start + timedelta(hours=hours) > deadline:
        raise InputError(  # each front end says how to move them (planner.with_hints)
            f"{ENDS_LATE} {deadline:%Y-%m-%d %H:%M} UTC: a {hours:g} h run starting {start:%Y-%m-%d %H:%M} UTC "
            f"ends at {start + timedelta(hours=hours):%Y-%m-%d %H:%M} UTC."
        )


def moved(old_start: datetime, old_kg: float | None, new_start: datetime, new_kg: float | None) -> str | None:
    """What to tell the user when a re-plan moved the best start by more than MOVE_HOURS or changed the expected
    emissions by more than MOVE_FRACTION; None when the change is within both."""
    shift_h = (new_start - old_start).total_seconds() / 3600
    change = None
    if old_kg and new_kg is not None:
        change = (new_kg - old_kg) / old_kg
    if abs(shift_h) <= MOVE_HOURS and (change is None or abs(change) <= MOVE_FRACTION):
        return None
    emissions = "" if change is None else f"; expected emissions {change:+.0%} ({old_kg:.3g} -> {new_kg:.3g} kg CO₂e)"
    return (
        f"New data moved the best start from {old_start:%Y-%m-%d %H:%M} to {new_start:%Y-%m-%d %H:%M} UTC "
        f"({shift_h:+.1f} h){emissions}."
    )
