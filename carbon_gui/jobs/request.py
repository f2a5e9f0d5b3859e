"""What the user asks to run (from the launch wizard or `carbon-gui launch`), and its dry run.

A dry run needs no credentials and creates nothing: it checks the script and the machine against what
the region offers, and shows the exact CustomJob spec, the equivalent gcloud command and the estimate.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carbon_gui.core.job_ids import bucket_name
from carbon_gui.core.job_spec import JobRequest
from carbon_gui.core.run_estimate import RunEstimate

VERTEX = "vertex"
LOCAL = "local"
TARGETS = (VERTEX, LOCAL)
PLACEHOLDER_PROJECT = "your-project-id"  # shown in a dry run's spec when no project is set yet
PACKAGE_DIR = "packages"
OUTPUT_DIR = "output"
EMISSIONS_FILE = "emissions.csv"


@dataclass(frozen=True)
class LaunchRequest:
    target: str  # VERTEX or LOCAL ("This machine")
    region: str  # the planner's region: where the bucket and the job go; locally, the grid the run is charged to
    script: Path  # the user's training script
    machine_type: str
    hours: float  # expected run length, for the estimate
    project: str | None = None
    requirements: Path | None = None  # a requirements.txt installed with the script
    function: str | None = "train"  # wrapped in codecarbon's tracker by the generated task.py; None: run as is
    accelerator_type: str | None = None
    accelerator_count: int = 0
    image_uri: str | None = None  # a prebuilt training container; None: the first that fits
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    display_name: str | None = None


@dataclass(frozen=True)
class LaunchPlan:
    """The dry run: everything the launch will do, checked. `problems` empty means ready to launch."""

    job_id: str
    request: LaunchRequest
    display_name: str
    image_uri: str
    job_request: JobRequest | None  # Vertex AI only
    body: Mapping[str, Any] | None  # the CustomJob as sent to Vertex AI
    gcloud: str | None  # the equivalent `gcloud ai custom-jobs create` command
    gcloud_config: str | None  # the --config file that command reads
    estimate: RunEstimate | None
    estimate_note: str  # why there is no estimate, or what it rests on
    problems: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)  # the user's variables and the app's (grid country)

    @property
    def ready(self) -> bool:
        return not self.problems

    @property
    def bucket(self) -> str | None:
        return bucket_name(self.job_id) if self.request.target == VERTEX else None

    @property
    def body_json(self) -> str:
        return json.dumps(self.body, indent=2) if self.body is not None else ""


def package_uri(job_id: str, package_file: str) -> str:
    return f"gs://{bucket_name(job_id)}/{PACKAGE_DIR}/{package_file}"


def output_uri(job_id: str) -> str:
    return f"gs://{bucket_name(job_id)}/{OUTPUT_DIR}"


def request_to_dict(request: LaunchRequest) -> dict[str, Any]:
    """The request as JSON-ready values: a scheduled job keeps it in the ledger until it is launched."""
    return {
        "target": request.target,
        "region": request.region,
        "script": str(request.script),
        "machine_type": request.machine_type,
        "hours": request.hours,
        "project": request.project,
        "requirements": None if request.requirements is None else str(request.requirements),
        "function": request.function,
        "accelerator_type": request.accelerator_type,
        "accelerator_count": request.accelerator_count,
        "image_uri": request.image_uri,
        "args": list(request.args),
        "env": dict(request.env),
        "display_name": request.display_name,
    }


def request_from_dict(values: Mapping[str, Any]) -> LaunchRequest:
    """The inverse of request_to_dict; raises KeyError/TypeError/ValueError for values of another shape."""
    requirements = values["requirements"]
    return LaunchRequest(
        target=str(values["target"]),
        region=str(values["region"]),
        script=Path(values["script"]),
        machine_type=str(values["machine_type"]),
        hours=float(values["hours"]),
        project=values["project"],
        requirements=None if requirements is None else Path(requirements),
        function=values["function"],
        accelerator_type=values["accelerator_type"],
        accelerator_count=int(values["accelerator_count"]),
        image_uri=values["image_uri"],
        args=tuple(str(a) for a in values["args"]),
        env={str(k): str(v) for k, v in dict(values["env"]).items()},
        display_name=values["display_name"],
    )
