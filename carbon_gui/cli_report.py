"""carbon-gui report: what one job of the ledger emitted, hour by hour, against its alternatives.

    carbon-gui report JOB_ID [--format text|json|csv|png] [--output PATH]

text: the methods sentence and the totals; json: everything (job_reports.report_dict); csv: the hourly accounting;
png: the intensity over the run with the alternatives (written to --output, default `<JOB_ID>-report.png`).
See carbon_gui/job_reports.py for how the figures are made. Every figure is an estimate.
"""

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from carbon_gui.cli import Commands, _checked
from carbon_gui.core.errors import InputError

FORMATS = ("text", "json", "csv", "png")


def add_report_command(commands: Commands) -> None:
    from carbon_gui.cli_jobs import _job_id  # the same check and message as cancel and cleanup

    p = commands.add_parser("report", help="a job's hourly emissions, its alternatives and a methods sentence")
    p.add_argument("job_id", type=_checked(_job_id), metavar="JOB_ID")
    p.add_argument("--format", choices=FORMATS, default="text", help="text (default), json, csv (hourly) or png")
    p.add_argument("--output", type=Path, help="write to this file (png: default <JOB_ID>-report.png)")
    p.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from carbon_gui.cli_jobs import _ledger_service

    service = _ledger_service()
    report = service_report(service, args.job_id)
    if args.format == "png":
        from carbon_gui.ui.jobs.report_image import save_report_png  # Qt loads only for a picture

        path = args.output or Path(f"{args.job_id}-report.png")
        _check_writable(path)
        save_report_png(report, path)
        print(path)
        return 0
    text = render(report, args.format)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    _check_writable(args.output)
    args.output.write_text(text, encoding="utf-8")
    print(args.output)
    return 0


def service_report(service: Any, job_id: str) -> Any:
    """The report on a job of the service's ledger (the bundled hourly data; this machine's CPU for a local run)."""
    from carbon_gui.job_reports import build_report
    from carbon_gui.jobs.local_power import detect_local_cpu
    from carbon_gui.jobs.request import LOCAL
    from carbon_gui.sources.reference import load_reference
    from carbon_gui.sources.replay import load_hourly_history

    job = service.job(job_id)
    cpu = detect_local_cpu() if job.target == LOCAL else None
    return build_report(load_reference(), load_hourly_history(), job, service.ledger.history(job_id), cpu)


def render(report: Any, fmt: str) -> str:
    """The report as text, JSON or CSV."""
    from carbon_gui.job_reports import HOURLY_COLUMNS, report_dict

    values = report_dict(report)
    if fmt == "json":
        return json.dumps(values, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, HOURLY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(values["hourly"])
        return out.getvalue()
    lines = [
        f"{values['job']['id']}: {values['start']} to {values['end']} ({values['hours']:.3g} h, "
        f"{values['hours_basis']}), {values['job']['region']}",
        f"Estimate: {values['energy_kwh']:.3g} kWh, {values['emissions_kgco2e']:.3g} kg CO2e "
        f"(range {values['low']:.3g}-{values['high']:.3g})",
    ]
    lines += [f"  {a['what']} ({a['region']}, {a['start']}): {a['emissions_kgco2e']:.3g} kg CO2e"
              for a in values["alternatives"]]  # fmt: skip
    measured = values["measured"]
    if measured is None:
        lines.append("codecarbon: no measurement")
    else:
        lines.append(f"codecarbon measured: {measured['energy_kwh']:.3g} kWh, {measured['emissions_kg']:.3g} kg CO2e")
    lines += ["", values["methods"], ""]
    return "\n".join(lines)


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise InputError(f"--output {path} is a folder: give a file name, e.g. {path / 'report.png'}")
    if not path.parent.is_dir():
        raise InputError(f"--output {path}: the folder {path.parent} does not exist: create it or give another path.")
