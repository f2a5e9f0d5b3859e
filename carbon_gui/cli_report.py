"""carbon-gui report: what one job of the ledger emitted, hour by hour, against its alternatives.

    carbon-gui report JOB_ID [--format text|json|csv|png] [--output PATH]

text: the methods sentence and the totals; json: everything (job_reports.report_dict); csv: the hourly accounting;
png: the intensity over the run with the alternatives (written to --output, default `<JOB_ID>-report.png`).
See carbon_gui/job_reports.py for how the figures are made. Every figure is an estimate.
"""

import argparse
import sys
from pathlib import Path

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
    from carbon_gui.job_reports import render, report_for

    service = _ledger_service()
    report = report_for(service, args.job_id)
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


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise InputError(f"--output {path} is a folder: give a file name, e.g. {path / 'report.png'}")
    if not path.parent.is_dir():
        raise InputError(f"--output {path}: the folder {path.parent} does not exist: create it or give another path.")
