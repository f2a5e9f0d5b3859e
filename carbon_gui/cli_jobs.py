"""The job commands of carbon-gui: launch (or its dry run), jobs, cancel, cleanup.

    carbon-gui launch --script train.py --region europe-west4 --machine n1-standard-8 \\
        --accelerator nvidia-tesla-t4:1 --project my-project [--dry-run] [--local] [--wait] \\
        [--at best|ISO-TIME [--deadline 24h|ISO-TIME] [--live [--provider P]]]
    carbon-gui launch-scheduled [--missed launch|replan|drop] [--live [--provider P]]
    carbon-gui jobs [--refresh] [--json]
    carbon-gui cancel JOB_ID [--json]
    carbon-gui cleanup JOB_ID [--yes] [--json]  |  carbon-gui cleanup --orphans [--yes] [--json]

Google Cloud credentials: Application Default Credentials (`gcloud auth application-default login`) or
GOOGLE_APPLICATION_CREDENTIALS; the project from --project, CARBON_GUI_GCP_PROJECT or GOOGLE_CLOUD_PROJECT.
Local servers: CARBON_GUI_VERTEX_ENDPOINT, STORAGE_EMULATOR_HOST, CARBON_GUI_GCP_ANONYMOUS=1.

`jobs --refresh` lists every job even when polling some fails: such a job shows its last known state with
"state unknown: <why>" (`poll_error` in --json). A ledger row that cannot be read is listed as
"damaged: <id>: <what is wrong>" (`{"id", "damaged"}` in --json) and is never polled, cancelled or cleaned up.

`launch --at` records the job as scheduled (nothing is created yet): `best` plans the start with the least expected
emissions in the job's region that lets the run end by --deadline (default 24 h), on the bundled hourly data, or with
--live (as `plan --live`: keys from the environment) on the provider's forecast and history. The output says which. The
window launches it when its time comes while it runs; without the window, `launch-scheduled` launches the due ones
(run it from cron or a timer). A start that passed while nothing ran is listed; `--missed` says what to do with it;
`--missed replan --live` re-plans it on the provider's data; each re-planned start says its source.
"""

import argparse
import dataclasses
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from carbon_gui.cli import Commands, _checked, _hours
from carbon_gui.cloud.errors import CloudError
from carbon_gui.cloud.ledger import DamagedRecord, JobRecord
from carbon_gui.core.errors import InputError
from carbon_gui.core.job_ids import is_job_id
from carbon_gui.core.job_states import ACTIVE_STATES, SCHEDULED, is_terminal
from carbon_gui.core.quantities import energy_text, mass_text
from carbon_gui.jobs import schedule
from carbon_gui.jobs.planner import NO_IMAGE, NO_PROJECT, with_hints
from carbon_gui.jobs.request import LOCAL, VERTEX, LaunchPlan, LaunchRequest
from carbon_gui.jobs.service import JobService
from carbon_gui.planning import parse_accelerator
from carbon_gui.sources.reference import load_reference
from carbon_gui.terminal_text import ONE_LINE_LIMIT, printable

PROJECT_ENV = ("CARBON_GUI_GCP_PROJECT", "GOOGLE_CLOUD_PROJECT")
POLL_S = (5.0, 60.0)  # --wait: first interval, longest interval (doubling while nothing changes)
# where the CLI gives what a plan's problem asks for (planner.with_hints); cli_benchmark's plans use them too
CLI_HINTS = {
    NO_IMAGE: "Give its URI with --image.",
    NO_PROJECT: f"Give it with --project (or set {' or '.join(PROJECT_ENV)}).",
    schedule.ENDS_LATE: "Give an earlier --at or a later --deadline.",
}
MAX_FAILED_POLLS = 5  # --wait: polls in a row that may fail before the CLI stops following (the job goes on)


def add_job_commands(commands: Commands) -> None:
    launch = commands.add_parser("launch", help="launch a training job on Vertex AI (or --local), or --dry-run it")
    launch.add_argument("--script", type=Path, required=True, help="your training script (.py)")
    launch.add_argument("--requirements", type=Path, help="a requirements.txt installed with the script")
    how = launch.add_mutually_exclusive_group()
    how.add_argument("--function", default="train", help="the function the codecarbon wrapper calls (default: train)")
    how.add_argument("--as-script", action="store_true", help="run the script as it is, without the wrapper")
    launch.add_argument("--region", required=True, help="Google Cloud region, e.g. europe-west4")
    launch.add_argument("--machine", required=True, help="machine type, e.g. n1-standard-8")
    launch.add_argument("--accelerator", type=_checked(parse_accelerator), default=(None, 0),
                        help="GPU: TYPE[:COUNT], e.g. nvidia-tesla-t4:1")  # fmt: skip
    launch.add_argument("--image", help="training container image URI (default: the first listed prebuilt one that "
                        "fits and is still available)")  # fmt: skip
    launch.add_argument("--project", help="Google Cloud project id (default: $CARBON_GUI_GCP_PROJECT)")
    launch.add_argument("--hours", type=_checked(_hours), default=1.0, help="expected run length, for the estimate")
    launch.add_argument("--arg", action="append", default=[], help="an argument for the script (repeat)")
    launch.add_argument("--env", action="append", default=[], type=_checked(_env_pair),
                        help="an environment variable NAME=VALUE for the script (repeat)")  # fmt: skip
    launch.add_argument("--display-name", help="the job's name in the console")
    launch.add_argument("--dry-run", action="store_true", help="check and print the spec; create nothing")
    launch.add_argument("--local", action="store_true", help="run on this machine instead of Vertex AI")
    launch.add_argument("--wait", action="store_true", help="follow the job until it ends")
    launch.add_argument("--at", type=_checked(_start_at), metavar="best|ISO-TIME",
                        help="schedule it: 'best' (least emissions before --deadline) or a UTC time")  # fmt: skip
    launch.add_argument("--deadline", type=_checked(_deadline),
                        help="with --at: end by then: 36h, 2d from now or a UTC time (default 24h)")  # fmt: skip
    launch.add_argument("--live", action="store_true",
                        help="with --at best: plan on the provider's forecast and history (keys from "
                             "CARBON_GUI_ELECTRICITYMAPS_TOKEN or CARBON_GUI_WATTTIME_USERNAME/_PASSWORD)")  # fmt: skip
    launch.add_argument("--provider", choices=("electricitymaps", "watttime"), help="with --live: which provider")
    launch.add_argument("--json", action="store_true", help="print JSON")
    launch.set_defaults(handler=_launch)

    due = commands.add_parser("launch-scheduled", help="launch the scheduled jobs whose start has come")
    due.add_argument("--missed", choices=("launch", "replan", "drop"),
                     help="what to do with starts that passed while nothing ran (default: list them)")  # fmt: skip
    due.add_argument("--live", action="store_true",
                     help="with --missed replan: re-plan on the provider's forecast and history (keys as for "
                          "`plan --live`)")  # fmt: skip
    due.add_argument("--provider", choices=("electricitymaps", "watttime"), help="with --live: which provider")
    due.set_defaults(handler=_launch_scheduled)

    jobs = commands.add_parser("jobs", help="the jobs carbon-gui launched")
    jobs.add_argument("--refresh", action="store_true", help="ask Vertex AI / the local process for their state first")
    jobs.add_argument("--json", action="store_true", help="print JSON")
    jobs.set_defaults(handler=_jobs)

    cancel = commands.add_parser("cancel", help="cancel a running job")
    cancel.add_argument("job_id", type=_checked(_job_id), metavar="JOB_ID")
    cancel.add_argument("--json", action="store_true", help="print JSON")
    cancel.set_defaults(handler=_cancel)

    cleanup = commands.add_parser("cleanup", help="delete a job's staging bucket (or local staging directory)")
    target = cleanup.add_mutually_exclusive_group(required=True)
    target.add_argument("job_id", nargs="?", type=_checked(_job_id), metavar="JOB_ID")
    target.add_argument("--orphans", action="store_true", help="the staging buckets and local directories of jobs "
                        "that never started or ended")  # fmt: skip
    cleanup.add_argument("--yes", action="store_true", help="delete without asking")
    cleanup.add_argument("--json", action="store_true", help="print JSON")
    cleanup.set_defaults(handler=_cleanup)


def _env_pair(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.strip():
        raise InputError(f"'{text}' is not NAME=VALUE: give e.g. --env BATCH_SIZE=64")
    return name.strip(), value


def _job_id(text: str) -> str:
    if not is_job_id(text):
        shown = repr(text if len(text) <= 40 else text[:40] + "…")  # one short line, whatever was typed
        raise InputError(f"{shown} is not a carbon-gui job id (cg-YYYYMMDD-HHMMSS-xxxx): `carbon-gui jobs` lists them")
    return text


def _start_at(text: str) -> str | datetime:
    if text.strip().lower() == "best":
        return "best"
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--at '{text}' is neither 'best' nor an ISO 8601 time such as 2026-03-01T02:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _deadline(text: str) -> Any:
    from carbon_gui.cli_plan import parse_deadline  # the plan command's deadline, same words

    return parse_deadline(text)


def _service() -> JobService:
    return JobService(load_reference)


def _ledger_service(service: JobService | None = None) -> JobService:
    """The service for a command that reads the ledger: tells what happened to a damaged ledger file first."""
    service = service or _service()
    for notice in service.notices():
        print(f"carbon-gui: {notice}", file=sys.stderr)
    return service


def _project(args: argparse.Namespace) -> str | None:
    return args.project or next((os.environ[name] for name in PROJECT_ENV if os.environ.get(name)), None)


def _launch(args: argparse.Namespace) -> int:
    accelerator, count = args.accelerator
    request = LaunchRequest(
        target=LOCAL if args.local else VERTEX,
        region=args.region,
        script=args.script,
        machine_type=args.machine,
        hours=args.hours,
        project=None if args.local else _project(args),
        requirements=args.requirements,
        function=None if args.as_script else args.function,
        accelerator_type=accelerator,
        accelerator_count=count,
        image_uri=args.image,
        args=tuple(args.arg),
        env=dict(args.env),
        display_name=args.display_name,
    )
    if args.local:
        _refuse_vertex_only(args)
    if args.deadline is not None and args.at is None:
        raise InputError("--deadline goes with --at: give --at best (or a time) to schedule the job.")
    if (args.live or args.provider) and args.at != "best":
        raise InputError("--live goes with --at best: it plans the start on live data; leave it out otherwise.")
    if args.at is not None and args.wait:
        raise InputError("--wait follows a running job; a scheduled one starts later: leave out --wait or --at.")
    service = _service()
    plan = service.plan(request)
    if args.dry_run:
        _print_plan(plan, args.json)
        return 0 if plan.ready else 2
    _ledger_service(service)
    if not plan.ready:
        raise InputError("Nothing was created. Fix these first:\n  " + "\n  ".join(_problems(plan)))
    if args.at is not None:
        _print_jobs([_schedule(service, plan, args, args.deadline)], args.json)
        return 0

    def progress(step: str, status: str) -> None:
        print(f"{plan.job_id}: {step}: {_one_line(status)}", file=sys.stderr, flush=True)

    record = service.launch(plan, progress, threading.Event())
    if args.wait:
        record = _follow(service, record)
    _print_jobs([record], args.json)
    return 0 if record.state != "failed" else 1


def _schedule(service: JobService, plan: LaunchPlan, args: argparse.Namespace, deadline: Any) -> JobRecord:
    """Record the job as scheduled, at the best start before the deadline (on live data with --live) or at the
    time given."""
    try:
        return _schedule_as_asked(service, plan, args, deadline)
    except InputError as err:  # check_start's or plan_when's problem, in the CLI's words
        if args.live:
            from carbon_gui.cli_plan import without_live

            err = without_live(err)
        raise InputError(with_hints([str(err)], CLI_HINTS)[0]) from None


def _schedule_as_asked(service: JobService, plan: LaunchPlan, args: argparse.Namespace, deadline: Any) -> JobRecord:
    now = datetime.now(UTC)
    end_by = deadline.moment(now) if deadline is not None else None
    at = args.at
    if at == "best":
        signals = None
        if args.live:
            from carbon_gui.cli_plan import live_signals

            signals = live_signals(load_reference(), args.provider, "launch --at best", (plan.request.region,))
        return service.schedule_at_best(plan, end_by, now, signals)[0]
    assert isinstance(at, datetime)
    return service.schedule(plan, at, schedule.Schedule(plan.request, False, end_by), now)


def _refuse_vertex_only(args: argparse.Namespace) -> None:
    """A local run asked for what it would not use: refused, not dropped, since a run that goes on without it (other
    libraries, no GPU, nothing in that project) is the surprise to avoid. --region is the grid a local run is charged
    to and --hours its length for --at best: both used. --machine, which `launch` requires, is kept for --at best's
    power estimate. A project from the environment is a default for every command, not asked of this run."""
    given = [(option, why) for option, why, asked in VERTEX_ONLY if asked(args)]
    if not given:
        return
    options = _listed([option for option, _ in given])
    verb = "applies" if len(given) == 1 else "apply"
    raise InputError(f"{options} {verb} to Vertex AI runs: a local run {'; it '.join(why for _, why in given)}. "
                     f"Drop {options}, or remove --local to run on Vertex AI.")  # fmt: skip


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# what a run on this machine does not use: the option, why (after "a local run"), whether the command line gave it
VERTEX_ONLY: tuple[tuple[str, str, Callable[[argparse.Namespace], bool]], ...] = (
    ("--image", "uses this machine's Python and the libraries installed in it, not a container",
     lambda args: args.image is not None),
    ("--requirements", "installs nothing, it uses the libraries this machine's Python already has "
     "(pip install -r FILE adds them)",
     lambda args: args.requirements is not None),
    ("--project", "creates nothing in Google Cloud", lambda args: args.project is not None),
    ("--accelerator", "uses this machine's own hardware, with or without a GPU",
     lambda args: args.accelerator[0] is not None),
)  # fmt: skip


def _launch_scheduled(args: argparse.Namespace) -> int:
    if args.provider and not args.live:
        raise InputError("--provider goes with --live: add --live to use the provider's data.")
    if args.live and args.missed != "replan":
        raise InputError("--live goes with --missed replan: it re-plans missed starts on live data; leave it out "
                         "otherwise.")  # fmt: skip
    service = _ledger_service()
    now = datetime.now(UTC)
    jobs = service.jobs()
    missed = schedule.missed(jobs, now)
    signals = None
    if args.live and missed:  # fetched before anything is launched: a missing key changes nothing
        from carbon_gui.cli_plan import live_signals

        regions = tuple(sorted({job.region for job in missed}))
        signals = live_signals(load_reference(), args.provider, "launch-scheduled --missed replan", regions)
    failed = False
    for job in schedule.due(jobs, now) + (missed if args.missed == "launch" else []):
        try:
            record = service.submit_scheduled(job.id, lambda *_: None, threading.Event())
            print(_job_line(record))
        except Exception as err:  # noqa: BLE001 - one job that cannot launch must not stop the others
            failed = True
            print(f"{job.id}: not launched: {_one_line(str(err))}", file=sys.stderr)
    for job in missed:
        if args.missed == "drop":
            print(f"{_job_line(service.drop(job.id))}")
        elif args.missed == "replan":
            replanned = service.replan(job.id, now, signals)
            print(_job_line(replanned.record))
            print(f"    {_scheduled_text(replanned.record)}" + (f" {replanned.message}" if replanned.message else ""))
        elif args.missed is None:
            print(f"{job.id}: its start {job.scheduled_for:%Y-%m-%d %H:%M} UTC passed while nothing ran: "
                  "--missed launch|replan|drop")  # fmt: skip
    if not jobs or not schedule.scheduled(jobs):
        print("No scheduled jobs.")
    return 1 if failed else 0


def _scheduled_text(record: JobRecord) -> str:
    start = f"{record.scheduled_for:%Y-%m-%d %H:%M} UTC" if record.scheduled_for else "an unknown time"
    chosen = ""
    try:
        how = schedule.Schedule.from_json(record.launch_json or "")
        if how.at_best and how.source:
            chosen = f" (the best start planned on {printable(how.source, 500, one_line=True)})"
    except InputError:
        pass  # a damaged launch request: the start alone is still worth showing
    return f"starts {start}{chosen}; `carbon-gui cancel {record.id}` drops it"


def _follow(service: JobService, record: JobRecord) -> JobRecord:
    """Poll until the job ends (with growing intervals while nothing changes) and codecarbon is read."""
    interval = POLL_S[0] if record.target == VERTEX else 1.0
    printed = failed_polls = 0
    while not is_terminal(record.state) or record.measured is None:
        time.sleep(interval)
        previous = record.state
        try:
            record = service.refresh(record.id)
            failed_polls = 0
        except CloudError as err:  # the job goes on in the cloud: ask again, a few times
            failed_polls += 1
            if failed_polls == MAX_FAILED_POLLS:
                raise CloudError(
                    f"Stopped following {record.id} after {failed_polls} failed polls; the job itself goes on. "
                    f"Last: {err.message.rstrip('.')}. `carbon-gui jobs --refresh` asks again."
                ) from None
            print(f"{record.id}: state unknown: {_one_line(err.message)}", file=sys.stderr, flush=True)
            interval = min(interval * 2, POLL_S[1])
            continue
        if record.target == LOCAL:
            lines = service.output(record.id, last=10_000)
            for line in lines[printed:]:
                print(line, file=sys.stderr)
            printed = len(lines)
        if record.state != previous:
            print(f"{record.id}: {record.state}", file=sys.stderr, flush=True)
            interval = POLL_S[0] if record.target == VERTEX else 1.0
        elif record.target == VERTEX:
            interval = min(interval * 2, POLL_S[1])
        if is_terminal(record.state) and record.measured is None and previous == record.state:
            break  # ended, and codecarbon wrote nothing: don't wait forever
    return record


def _problems(plan: LaunchPlan) -> list[str]:
    """The plan's problems in the CLI's words: the planner's say what to do, and here the option that does it."""
    return with_hints(plan.problems, CLI_HINTS)


def _print_plan(plan: LaunchPlan, as_json: bool) -> None:
    estimate = plan.estimate
    if as_json:
        out: dict[str, Any] = {
            "job_id": plan.job_id,
            "ready": plan.ready,
            "problems": _problems(plan),
            "custom_job": plan.body,
            "gcloud": plan.gcloud,
            "gcloud_config": plan.gcloud_config,
            "estimate": estimate.to_dict() | {"energy_kwh": estimate.energy_kwh, "emissions_kg": estimate.emissions_kg,
                                              "cost_usd": estimate.cost_usd} if estimate else None,
            "estimate_note": plan.estimate_note,
        }  # fmt: skip
        json.dump(out, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    for problem in _problems(plan):
        print(f"problem: {problem}")
    if plan.body is not None:
        print("CustomJob spec (Vertex AI v1):")
        print(plan.body_json)
        print(f"\n# {plan.gcloud_config and 'custom_job_spec.yaml:'}\n{plan.gcloud_config or ''}")
        print(f"Equivalent command:\n  {plan.gcloud}")
    print(estimate.describe() if estimate else plan.estimate_note)


def _job_line(job: JobRecord) -> str:
    estimate = f"{mass_text(job.estimate_kg)} CO₂e (estimate)" if job.estimate_kg is not None else "no estimate"
    measured = ""
    if job.measured:  # the ledger checked its shape
        figures = json.loads(job.measured)
        measured = f", codecarbon: {mass_text(figures['emissions_kg'])} CO₂e, {energy_text(figures['energy_kwh'])}"
    if job.target == LOCAL:  # its machine type is only what --local asks for: it runs on this machine
        where, machine = _field(f"this machine (grid: {job.region})"), "-"
    else:
        where, machine = _field(f"{job.project}/{job.region}"), _field(job.machine_type)
    return f"{_field(job.id)}  {_field(job.state):<11} {where:<28} {machine:<16} {estimate}{measured}"


def _field(text: str) -> str:
    """A value read from the ledger, for a one-line listing."""
    return printable(text, ONE_LINE_LIMIT, one_line=True)


def _print_jobs(
    records: list[JobRecord],
    as_json: bool,
    poll_errors: dict[str, str] | None = None,
    damaged: list[DamagedRecord] | None = None,
) -> None:
    """The jobs, each with why its last poll failed (its state is then the last known one), then damaged rows."""
    poll_errors, damaged = poll_errors or {}, damaged or []
    if as_json:
        rows: list[dict[str, Any]] = [
            dataclasses.asdict(r) | ({"poll_error": poll_errors[r.id]} if r.id in poll_errors else {}) for r in records
        ]
        rows += [{"id": d.where, "damaged": d.problem} for d in damaged]
        json.dump(rows, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return
    for record in records:
        print(_job_line(record))
        if record.state == SCHEDULED:
            print(f"    {_scheduled_text(record)}")
        if record.id in poll_errors:
            print(f"    state unknown: {_one_line(poll_errors[record.id]).rstrip('.')}; shown as last known")
        if record.error:
            print(f"    {_one_line(record.error)}")
    for row in damaged:
        print(_one_line(str(row)))


def _one_line(text: str) -> str:
    """The first line of a message (from a server or the ledger), escaped and of bounded length."""
    return printable(text.strip().splitlines()[0], one_line=True) if text.strip() else ""


def _jobs(args: argparse.Namespace) -> int:
    service = _ledger_service()
    poll_errors: dict[str, str] = {}
    if args.refresh:
        for note in service.recover():
            print(note, file=sys.stderr)
        poll_errors = service.refresh_watched()
    records, damaged = service.jobs(), service.damaged()
    if not records and not damaged and not args.json:
        print("No jobs yet: `carbon-gui launch --help` starts one.")
    _print_jobs(records, args.json, poll_errors, damaged)
    return 0


def _cancel(args: argparse.Namespace) -> int:
    record = _ledger_service().cancel(args.job_id)
    if args.json:
        _print_json(dataclasses.asdict(record))
    else:
        print(f"{record.id}: {record.state}")
    return 0


def _print_json(value: object) -> None:
    json.dump(value, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def _confirmed(question: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        raise InputError(f"{question} Add --yes to confirm (no terminal to ask on).")
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def _cleanup(args: argparse.Namespace) -> int:
    service = _ledger_service()
    if args.orphans:
        service.recover()
        damaged = service.damaged()
        for row in damaged:
            print(_one_line(str(row)), file=sys.stderr)
        if damaged:
            print(
                f"carbon-gui: {len(damaged)} damaged ledger record(s) left alone: carbon-gui never deletes a bucket "
                "on the strength of a damaged record.",
                file=sys.stderr,
            )
        found, local = service.orphans(), service.local_orphans()
        listed = [{"job_id": o.bucket.job_id, "where": f"gs://{o.bucket.name}", "region": o.bucket.region,
                   "reason": o.reason} for o in found]  # fmt: skip
        listed += [{"job_id": o.job_id, "where": str(o.folder), "region": "this machine", "reason": o.reason}
                   for o in local]  # fmt: skip
        if not listed:
            if args.json:
                _print_json({"orphans": [], "deleted": []})
            else:
                print("No orphan buckets or local staging directories.")
            return 0
        if not args.json:
            for orphan in listed:
                print(f"{orphan['where']} ({orphan['region']}): {orphan['reason']}")
        what = f"{len(found)} bucket(s) and {len(local)} local staging director(ies)"
        if not _confirmed(f"Delete these {what} and everything in them?", args.yes):
            return 1
        deleted = [service.cleanup(orphan["job_id"]) for orphan in listed]
        if args.json:
            _print_json({"orphans": listed, "deleted": deleted})
        else:
            print("\n".join(deleted))
        return 0
    _ask_if_still_active(service, args.job_id)
    preview = service.cleanup_preview(args.job_id)
    if preview.already_gone:
        message = f"{preview.what}: nothing to delete ({preview.reason})."
        service.cleanup(args.job_id)  # records it as done
        _cleanup_answer(args, False, message)
        return 0
    if not preview.allowed:
        raise InputError(f"Refused to delete {preview.what}: {preview.reason}.")
    question = f"Delete {preview.what} ({preview.objects} files, {preview.bytes:,} bytes)?"
    if not _confirmed(question, args.yes):
        return 1
    _cleanup_answer(args, True, service.cleanup(args.job_id))
    return 0


def _ask_if_still_active(service: JobService, job_id: str) -> None:
    """The ledger's "running" may be out of date (a run ends unseen): ask the job, as `jobs --refresh` does. When it
    cannot be asked, the ledger's state stands and the reason is said."""
    if service.job(job_id).state not in ACTIVE_STATES:
        return
    try:
        service.refresh(job_id)
    except CloudError as err:
        print(f"carbon-gui: {job_id}: state unknown: {_one_line(err.message)}", file=sys.stderr)


def _cleanup_answer(args: argparse.Namespace, deleted: bool, message: str) -> None:
    if args.json:
        _print_json({"id": args.job_id, "deleted": deleted, "message": message})
    else:
        print(message)
