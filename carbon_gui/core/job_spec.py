"""A training job as the user asked for it, checked, and turned into Vertex AI's CustomJob and gcloud's command.

The app uploads the user's script as a Python source distribution and runs it on a prebuilt training
container (`pythonPackageSpec`), one replica in one worker pool.

Accelerator rules (few on purpose; Vertex AI has the last word at submit time):
- a2, a3, a4, a4x, g2 and g4 machine types come with their GPUs built in: the request names that GPU type and
  the machine's GPU count (Vertex AI requires both in machineSpec for these types).
- n1 takes an attached GPU, one of the types the catalog lists as attachable (T4, V100, P100, P4).
- Every other family takes no accelerator.
- Only NVIDIA GPUs: TPUs and virtual-workstation (-vws) GPUs are not offered by this app.
- The count is 1, 2, 4, 8 or 16 with an accelerator, 0 without.
"""

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from carbon_gui.core.job_ids import JOB_LABEL, MANAGED_BY_LABEL, bucket_labels, is_job_id
from carbon_gui.core.offerings import Offered

MACHINE_FAMILIES_WITH_BUILT_IN_GPUS = ("a2", "a3", "a4", "a4x", "g2", "g4")
GPU_COUNTS = (1, 2, 4, 8, 16)
DISPLAY_NAME_MAX = 128  # Vertex AI's limit, in characters
LABELS_MAX = 64
DEFAULT_GCLOUD_CONFIG = "custom_job_spec.yaml"

_PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_GCS_URI = re.compile(r"^gs://[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](/.*)?$")
_IMAGE_URI = re.compile(r"^[a-z0-9.-]+(:\d+)?/[^\s]+$")
_PYTHON_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class JobRequest:
    """What the user asked to run. `labels` are extra labels: the app's own (managed-by, job) are always added."""

    job_id: str  # core.job_ids.new_job_id()
    display_name: str
    project: str
    region: str
    machine_type: str  # e.g. "n1-standard-8"
    executor_image_uri: str  # a prebuilt training container (resources/training_images.csv)
    package_uri: str  # gs://bucket/path/trainer-0.1.tar.gz, the user's script as a source distribution
    python_module: str  # e.g. "trainer.task"
    base_output_dir: str  # gs://bucket/output: Vertex AI sets AIP_MODEL_DIR etc. below it
    accelerator_type: str | None = None  # the catalog's name, e.g. "nvidia-tesla-t4"
    accelerator_count: int = 0
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)


def accelerator_enum(accelerator_type: str) -> str:
    """The catalog's accelerator name as Vertex AI's AcceleratorType: `nvidia-tesla-t4` -> `NVIDIA_TESLA_T4`."""
    return accelerator_type.upper().replace("-", "_")


def job_labels(request: JobRequest) -> dict[str, str]:
    """The job's labels: the user's extra ones, then the app's (which find a job again after a crash)."""
    return {**request.labels, **bucket_labels(request.job_id)}


def validate(request: JobRequest, offered: Offered) -> list[str]:
    """Every problem with the request, each a sentence saying what is wrong and what to do; [] when it is fine.

    Runs before anything is created in the cloud.
    """
    return [
        *_identity_problems(request, offered),
        *_machine_problems(request, offered),
        *_accelerator_problems(request, offered),
        *_software_problems(request),
        *_label_problems(request),
    ]


def _identity_problems(request: JobRequest, offered: Offered) -> list[str]:
    problems = []
    if not is_job_id(request.job_id):
        problems.append(f"Job id '{request.job_id}' is not an id the app made (cg-YYYYMMDD-HHMMSS-xxxx).")
    name = request.display_name
    if not name.strip():
        problems.append("The job needs a display name.")
    elif len(name) > DISPLAY_NAME_MAX:
        problems.append(f"The display name has {len(name)} characters: Vertex AI allows at most {DISPLAY_NAME_MAX}.")
    elif any(not ch.isprintable() for ch in name):
        problems.append("The display name contains control characters (such as a line break): remove them.")
    if not _PROJECT_ID.match(request.project):
        problems.append(
            f"'{request.project}' is not a Google Cloud project id (6-30 lower-case letters, digits and hyphens, "
            "starting with a letter). Use the project id, not its display name or number."
        )
    if request.region not in offered.vertex_regions:
        problems.append(f"Vertex AI does not run training jobs in '{request.region}'. Choose another region.")
    return problems


def _machine_problems(request: JobRequest, offered: Offered) -> list[str]:
    machine = request.machine_type
    listing = offered.machine_types.get(machine)
    if listing is None:
        return [f"Unknown machine type '{machine}'. Pick one from the machine list."]
    if listing.deprecation == "OBSOLETE":
        return [f"Machine type '{machine}' is obsolete: Google Cloud no longer offers it. Pick a current type."]
    in_region = offered.machines_by_region.get(request.region, frozenset())
    if offered.region_known_for(machine) and machine not in in_region:
        elsewhere = sorted(r for r, names in offered.machines_by_region.items() if machine in names)
        more = " and more" if len(elsewhere) > 8 else ""
        return [
            f"Machine type '{machine}' is not offered in {request.region}. It is offered in: "
            f"{', '.join(elsewhere[:8])}{more}."
        ]
    return []


def _accelerator_problems(request: JobRequest, offered: Offered) -> list[str]:
    machine, gpu, count = request.machine_type, request.accelerator_type, request.accelerator_count
    family = machine.split("-", 1)[0]
    built_in = offered.built_in_gpus.get(machine)
    if gpu is None:
        if built_in or family in MACHINE_FAMILIES_WITH_BUILT_IN_GPUS:
            what = f"{built_in[1]:g}× {built_in[0]}" if built_in else "its GPU type and count"
            return [f"{machine} comes with built-in GPUs: set the accelerator to {what}."]
        if count != 0:
            return [f"An accelerator count of {count} needs an accelerator type: choose one, or set the count to 0."]
        return []
    problems = []
    if not gpu.startswith("nvidia-") or gpu.endswith("-vws"):
        problems.append(f"'{gpu}' is not a GPU this app can submit: choose an NVIDIA GPU (TPUs are not supported).")
    if count not in GPU_COUNTS:
        problems.append(f"A GPU count must be 1, 2, 4, 8 or 16, not {count}.")
    if gpu not in offered.accelerators_by_region.get(request.region, frozenset()):
        problems.append(f"{gpu} is not offered in {request.region}. Choose another GPU or region.")
    if built_in:
        built_in_type, built_in_count = built_in
        if built_in_count != int(built_in_count):
            problems.append(f"{machine} has a fraction of a GPU ({built_in_count:g}): choose a whole-GPU machine type.")
        elif (gpu, count) != (built_in_type, int(built_in_count)):
            problems.append(
                f"{machine} comes with {int(built_in_count)}× {built_in_type}: set the accelerator to exactly that."
            )
    elif family not in MACHINE_FAMILIES_WITH_BUILT_IN_GPUS:
        attachable = offered.attachable_gpus.get(family, ())
        if gpu not in attachable:
            where = ", ".join(attachable) if attachable else "none"
            problems.append(f"{gpu} cannot be attached to {machine} (GPUs attachable to {family}: {where}).")
    return problems


def _software_problems(request: JobRequest) -> list[str]:
    problems = []
    if not _IMAGE_URI.match(request.executor_image_uri):
        problems.append(
            f"'{request.executor_image_uri}' is not a container image URI (such as "
            "us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest)."
        )
    if not _GCS_URI.match(request.package_uri) or not request.package_uri.endswith((".tar.gz", ".whl")):
        problems.append(f"The package '{request.package_uri}' must be a gs:// URI of a .tar.gz or .whl file.")
    if not _PYTHON_MODULE.match(request.python_module):
        problems.append(f"'{request.python_module}' is not a Python module name (such as trainer.task).")
    if not _GCS_URI.match(request.base_output_dir):
        problems.append(f"The output directory '{request.base_output_dir}' must be a gs://bucket/path URI.")
    if any("\x00" in arg for arg in request.args):
        problems.append("An argument contains a NUL character, which no process can receive: remove it.")
    for name, value in request.env.items():
        if not _ENV_NAME.match(name):
            problems.append(
                f"'{name}' is not a valid environment variable name (letters, digits and _, not starting with a digit)."
            )
        if "\x00" in value:
            problems.append(f"The value of {name} contains a NUL character: remove it.")
    return problems


def _label_problems(request: JobRequest) -> list[str]:
    problems = []
    for key, value in request.labels.items():
        if key in (MANAGED_BY_LABEL, JOB_LABEL):
            problems.append(f"The label '{key}' is set by the app: choose another key.")
        elif not _LABEL_KEY.match(key):
            problems.append(
                f"Label key '{key}' is invalid: use up to 63 lower-case letters, digits, _ and -, "
                "starting with a letter."
            )
        if not _LABEL_VALUE.match(value):
            problems.append(f"Label value '{value}' is invalid: use up to 63 lower-case letters, digits, _ and -.")
    if len(job_labels(request)) > LABELS_MAX:
        problems.append(f"A job can carry at most {LABELS_MAX} labels, including the app's two.")
    return problems


def _worker_pool_spec(request: JobRequest) -> dict[str, Any]:
    machine_spec: dict[str, Any] = {"machineType": request.machine_type}
    if request.accelerator_type:
        machine_spec["acceleratorType"] = accelerator_enum(request.accelerator_type)
        machine_spec["acceleratorCount"] = request.accelerator_count
    package: dict[str, Any] = {
        "executorImageUri": request.executor_image_uri,
        "packageUris": [request.package_uri],
        "pythonModule": request.python_module,
    }
    if request.args:
        package["args"] = list(request.args)
    if request.env:
        package["env"] = [{"name": name, "value": value} for name, value in request.env.items()]
    return {"machineSpec": machine_spec, "replicaCount": "1", "pythonPackageSpec": package}


def custom_job_body(request: JobRequest) -> dict[str, Any]:
    """The CustomJob as Vertex AI v1 REST takes it (proto-JSON: camelCase, enums by name, int64 as strings)."""
    return {
        "displayName": request.display_name,
        "jobSpec": {
            "workerPoolSpecs": [_worker_pool_spec(request)],
            "baseOutputDirectory": {"outputUriPrefix": request.base_output_dir},
        },
        "labels": job_labels(request),
    }


def gcloud_config(request: JobRequest) -> str:
    """The content of the file `gcloud_command` passes with --config (a CustomJobSpec; JSON is valid YAML).

    gcloud has no flags for the output directory or for environment variables. The output directory always
    goes in this file. With environment variables the whole worker pool goes in it too, because a
    --worker-pool-spec flag replaces the file's worker pools.
    """
    spec = custom_job_body(request)["jobSpec"]
    if not request.env:
        spec = {"baseOutputDirectory": spec["baseOutputDirectory"]}
    return json.dumps(spec, indent=2) + "\n"


def gcloud_command(request: JobRequest, config_path: str = DEFAULT_GCLOUD_CONFIG) -> str:
    """The `gcloud ai custom-jobs create` command that creates the same job, shell-quoted, one line.

    It reads `config_path`, which must hold `gcloud_config(request)`.
    """
    flags = {
        "--project": request.project,
        "--region": request.region,
        "--display-name": request.display_name,
    }
    if not request.env:
        pool = {"machine-type": request.machine_type, "replica-count": "1"}
        if request.accelerator_type:
            pool["accelerator-type"] = accelerator_enum(request.accelerator_type)
            pool["accelerator-count"] = str(request.accelerator_count)
        pool["executor-image-uri"] = request.executor_image_uri
        pool["python-module"] = request.python_module
        flags["--worker-pool-spec"] = ",".join(f"{key}={value}" for key, value in pool.items())
        flags["--python-package-uris"] = request.package_uri
        if request.args:
            flags["--args"] = _gcloud_list(request.args)
    flags["--labels"] = ",".join(f"{key}={value}" for key, value in sorted(job_labels(request).items()))
    flags["--config"] = config_path
    parts = ["gcloud", "ai", "custom-jobs", "create"] + [f"{flag}={value}" for flag, value in flags.items()]
    return " ".join(shlex.quote(part) for part in parts)


def _gcloud_list(items: tuple[str, ...]) -> str:
    """A gcloud list flag value. Items holding a comma need gcloud's `^DELIM^` syntax (`gcloud topic escaping`)."""
    if not any("," in item for item in items):
        return ",".join(items)
    delimiter = next(d for d in ("|", "~", "#", "@", "%", "\x1f") if not any(d in item for item in items))
    return f"^{delimiter}^" + delimiter.join(items)
