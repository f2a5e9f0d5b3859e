"""How the Jobs tab words a job: where it runs, on what, for how long, and its energy and CO₂e — the app's
estimate and codecarbon's figures, each with its unit and a label saying what kind of number it is."""

from datetime import datetime

from carbon_gui.cloud.ledger import JobRecord
from carbon_gui.core.quantities import energy_text, mass_text
from carbon_gui.terminal_text import printable
from carbon_gui.ui.formatting import DASH
from carbon_gui.ui.jobs.job_snapshot import JobSnapshot

NOT_UPDATED = "not updated"
THIS_MACHINE = "this machine"
ESTIMATING = "estimating…"
MESSAGE_LIMIT = 2000  # characters of a message shown in a label or tooltip: Qt lays out megabytes for seconds


def message_text(message: str) -> str:
    """A message from a server or the ledger (a job's error, a poll note), short enough for a label or a tooltip."""
    return printable(message, MESSAGE_LIMIT)


def where_text(record: JobRecord) -> str:
    if record.target == "local":
        return f"This machine (grid: {record.region})"
    return f"Vertex AI {record.project or '?'}/{record.region}"


def machine_text(record: JobRecord) -> str:
    if record.target == "local":
        return THIS_MACHINE
    if record.accelerator_type and record.accelerator_count:
        return f"{record.machine_type} + {record.accelerator_count} × {record.accelerator_type}"
    return record.machine_type


def state_text(snapshot: JobSnapshot) -> str:
    record = snapshot.record
    if record.state == "scheduled" and record.scheduled_for is not None:
        return f"scheduled for {record.scheduled_for:%d %b %H:%M} UTC"
    return f"{record.state} ({NOT_UPDATED})" if snapshot.note else record.state


def duration_text(seconds: float | None) -> str:
    """'12 s', '3 min 12 s', '2 h 05 min', '3 d 4 h'."""
    if seconds is None:
        return DASH
    total = int(seconds)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def estimate_text(snapshot: JobSnapshot, now: datetime) -> tuple[str, str]:
    """(cell, tooltip) for the app's estimate: so far while the job runs, for its actual length once it ended."""
    estimate = snapshot.estimate()
    if estimate is None:
        if snapshot.is_local and snapshot.local is None:
            return ESTIMATING, "Looking up this machine's CPU power (codecarbon's power table) for the estimate…"
        if snapshot.local is not None:
            return DASH, snapshot.local.basis
        return "no estimate", "The launch recorded no estimate for this job."
    # a local run's planned length is not recorded: it has only the so-far figure
    planned = "" if snapshot.is_local else f" Planned run: {estimate.describe()}"
    elapsed = snapshot.elapsed_seconds(now)
    if elapsed is None:
        never = "It never ran." if snapshot.has_ended else "It has not started yet."
        return DASH, never + planned
    kwh, kg = estimate.so_far(elapsed / 3600)
    hourly_note = ""
    launched = snapshot.launch_estimate()
    started = snapshot.started_at()
    if snapshot.live_hours and launched is not None and started is not None:
        # hour by hour: each hour run at the live value fetched for it, not the whole run at the latest one (an
        # ended job: the hours seen while it ran, kept in the ledger)
        seen = [(hour, f.intensity_gco2_kwh) for hour, f in snapshot.live_hours if f.intensity_gco2_kwh is not None]
        accounting = launched.hourly_so_far(started, elapsed / 3600, seen)
        kwh, kg = accounting.energy_kwh, accounting.operational_kg
        latest = snapshot.live_hours[-1][1]
        hourly_note = (
            f"Intensity hour by hour: each hour run at the live value fetched in it ({len(seen)} h seen; latest "
            f"{latest.intensity_gco2_kwh:,.0f} gCO₂e/kWh, {latest.provenance.label()}), the hours before the first "
            f"at {launched.intensity_gco2_kwh:,.0f} gCO₂e/kWh ({launched.intensity.label()})."
        )
    figures = f"≈ {energy_text(kwh)}, {mass_text(kg)} CO₂e"
    cell = f"{figures} (estimate)" if snapshot.has_ended else f"{figures} so far (estimate)"
    if hourly_note:
        intensity = hourly_note
    elif launched is not None and launched != estimate:  # a live value re-fetched while it runs
        intensity = (f"Intensity: the latest live value ({estimate.intensity.label()}), re-fetched while the job "
                     f"runs, in place of {launched.intensity_gco2_kwh:,.0f} gCO₂e/kWh ({launched.intensity.label()}).")
    else:  # a Vertex AI job's planned run names it
        intensity = f"Intensity: {estimate.intensity.label()}." if snapshot.is_local else ""
    if snapshot.local is not None:
        power = f"{estimate.watts:,.0f} W from {snapshot.local.basis}; no data-centre PUE"
    else:
        power = f"{estimate.watts:,.0f} W (modelled) × PUE {estimate.pue:.2f}"
    per_hour = "each hour's intensity" if hourly_note else f"{estimate.intensity_gco2_kwh:,.0f} gCO₂e/kWh"
    how = (
        f"Estimate by carbon-gui, not a measurement, for the {duration_text(elapsed)} the job ran"
        f"{'' if snapshot.has_ended else ' so far'}: {power} × {per_hour}."
    )
    hourly = "Hour by hour, on the intensity of each hour, with a range: Report…"
    return cell, "\n".join(line for line in (how, intensity, planned.strip(), hourly) if line)


def staging_text(snapshot: JobSnapshot) -> str | None:
    """'Staging bucket: gs://…' or 'Staging directory: …', marked '(deleted)' after cleanup; None without one."""
    record = snapshot.record
    if record.bucket:
        where = f"Staging bucket: gs://{record.bucket}"
    elif snapshot.is_local and record.staging_dir:
        where = f"Staging directory: {record.staging_dir}"
    else:
        return None
    return f"{where} (deleted)" if snapshot.staging_deleted else where


def measured_text(snapshot: JobSnapshot) -> tuple[str, str]:
    """(cell, tooltip) for codecarbon's figures, with how they were obtained."""
    measured = snapshot.measured()
    if measured is None:
        if snapshot.has_ended and snapshot.started_at() is None:
            return DASH, "The job never ran, so codecarbon has nothing to report."
        if snapshot.has_ended:
            return "none found", (
                "No emissions.csv in the job's output yet: the run may have ended before codecarbon saved, "
                "or the script ran as it is, without the codecarbon wrapper."
            )
        return "after the run", "codecarbon's figures are read from the job's output once it ends."
    cell = f"{energy_text(measured.energy_kwh)}, {mass_text(measured.emissions_kg)} CO₂e ({measured.kind})"
    tooltip = (
        f"codecarbon's figures ({measured.kind}) over {duration_text(measured.duration_s)}: "
        f"{energy_text(measured.energy_kwh)}, {mass_text(measured.emissions_kg)} CO₂e.\nSource: {measured.source}"
    )
    return cell, tooltip
