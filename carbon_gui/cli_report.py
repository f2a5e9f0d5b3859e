"""carbon-gui report: what one job of the ledger emitted, hour by hour, against its alternatives.

    carbon-gui report JOB_ID [--format text|json|csv|png] [--output PATH] [--live [--provider P]]

text: the methods sentence and the totals; json: everything (job_reports.report_dict); csv: the hourly accounting;
png: the intensity over the run with the alternatives (written to --output, default `<JOB_ID>-report.png`).
--live (as `plan --live`: keys from the environment): the provider's history and forecast, where they reach, instead
of the bundled data, for the job's region and the region it is compared with; the report says which for each. See
carbon_gui/job_reports.py for how the figures are made. Every figure is an estimate.
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
    p.add_argument("--live", action="store_true",
                   help="use the provider's history and forecast (keys from CARBON_GUI_ELECTRICITYMAPS_TOKEN or "
                        "CARBON_GUI_WATTTIME_USERNAME/_PASSWORD)")  # fmt: skip
    p.add_argument("--provider", choices=("electricitymaps", "watttime"), help="with --live: which provider")
    p.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from carbon_gui.cli_jobs import _ledger_service
    from carbon_gui.job_reports import render, report_for, report_regions

    if args.provider and not args.live:
        raise InputError("--provider goes with --live: add --live to use the provider's data.")
    service = _ledger_service()
    signals = None
    if args.live:
        from carbon_gui.cli_plan import live_signals
        from carbon_gui.sources.reference import load_reference

        signals = live_signals(load_reference(), args.provider, "report", report_regions(service, args.job_id))
    report = report_for(service, args.job_id, signals)
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
