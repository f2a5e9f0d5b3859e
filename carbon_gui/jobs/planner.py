"""The dry run of a launch: check everything that can be checked before anything is created, and show it.

No credentials, no network: the script is read and compiled, the machine and accelerator are checked
against what the region offers, and the CustomJob spec, the gcloud command and the estimate are built.
"""

import os
from collections.abc import Iterable, Mapping
from datetime import date

from carbon_gui.cloud.errors import CloudError
from carbon_gui.cloud.packaging import (
    COUNTRY_ENV,
    PACKAGE_FILE,
    PYTHON_MODULE,
    REQUIREMENTS_FILE,
    SCRIPT_FILE,
    read_user_text,
)
from carbon_gui.core.errors import InputError, UserFacingError
from carbon_gui.core.geo import Location
from carbon_gui.core.job_spec import JobRequest, custom_job_body, gcloud_command, gcloud_config, validate
from carbon_gui.core.live_carbon import LiveCarbon
from carbon_gui.core.offerings import Offered, offered_from
from carbon_gui.core.run_estimate import RunEstimate, estimate_run
from carbon_gui.core.script_check import check_requirements, check_script
from carbon_gui.core.training_images import PREBUILT_LIST_URL, TrainingImage, expired_image_problem, image_uri_problem
from carbon_gui.jobs.request import (
    LOCAL,
    PLACEHOLDER_PROJECT,
    TARGETS,
    VERTEX,
    LaunchPlan,
    LaunchRequest,
    output_uri,
    package_uri,
)
from carbon_gui.planning import PlanRequest, assess_request, check_hours
from carbon_gui.secrets import env_secret_values, key_holding_variables
from carbon_gui.sources.reference import ReferenceData

# How the problems a front end completes begin: the planner says what to do, each front end where it does it there
# (with_hints): the CLI's option, the wizard's field
NO_IMAGE = "No container image"  # a Vertex AI job without an image
NO_PROJECT = "No Google Cloud project id"  # a Vertex AI job without a project


def with_hints(problems: Iterable[str], hints: Mapping[str, str]) -> list[str]:
    """The problems in one front end's words: each that begins with a key of `hints` ends with that hint."""
    return [next((f"{p} {hint}" for start, hint in hints.items() if p.startswith(start)), p) for p in problems]


def offered(reference: ReferenceData) -> Offered:
    return offered_from(reference.catalog, reference.machine_types)


def default_image(images: tuple[TrainingImage, ...], gpu: bool, region: str, today: date) -> str | None:
    """The first listed image that fits the hardware and is still available (the list is ordered by preference);
    None when none is: the user must then pick or type one."""
    wanted = "gpu" if gpu else "cpu"
    current = [i for i in images if i.accelerator == wanted and i.available_on(today)]
    return current[0].uri(region) if current else None


def _image_problems(images: tuple[TrainingImage, ...], uri: str | None, gpu: bool, today: date) -> list[str]:
    """What keeps a Vertex AI job's image from being pulled: none chosen, a malformed URI, or an ended one."""
    if uri is None:
        kind = "GPU" if gpu else "CPU"
        return [
            f"{NO_IMAGE}: no prebuilt {kind} image in carbon_gui's list is still available on {today.isoformat()}: "
            f"choose a current one ({PREBUILT_LIST_URL})."  # each front end says where (with_hints)
        ]
    problem = image_uri_problem(uri) or expired_image_problem(images, uri, today)
    return [problem] if problem else []


def make_plan(
    reference: ReferenceData,
    images: tuple[TrainingImage, ...],
    request: LaunchRequest,
    job_id: str,
    today: date,
    live: LiveCarbon | None = None,
) -> LaunchPlan:
    problems: list[str] = []
    if request.target not in TARGETS:
        problems.append(f"Unknown target '{request.target}': use {' or '.join(TARGETS)}.")
    problems += _script_problems(request)
    offer = offered(reference)
    accelerator, count = request.accelerator_type, request.accelerator_count
    built_in = offer.built_in_gpus.get(request.machine_type)
    if built_in and accelerator is None:  # a2/a3/g2 come with their GPUs: name them as Vertex AI wants
        accelerator, count = built_in[0], int(built_in[1])
    gpu = accelerator is not None
    image = request.image_uri or default_image(images, gpu, request.region, today)
    display_name = request.display_name or default_display_name(request)
    region = next((r for r in reference.catalog.regions if r.name == request.region), None)
    if region is None:
        problems.append(f"Unknown region '{request.region}': pick one of the planner's regions.")
    # a key never goes to a training job: such a variable is a problem, and left out of the spec shown
    keys = key_holding_variables(request.env, env_secret_values(os.environ))
    problems += [
        f"The job variable {name} holds a key (carbon-gui's provider key or private-key material): remove it; "
        "a training job never gets the app's keys."
        for name in keys
    ]
    env = {name: value for name, value in request.env.items() if name not in keys}
    # the generated task.py tells codecarbon which country's grid the run draws from
    if region:
        env[COUNTRY_ENV] = region.jurisdiction.iso3

    job_request = body = gcloud = config = None
    if request.target == VERTEX:
        job_request = JobRequest(
            job_id=job_id,
            display_name=display_name,
            project=request.project or PLACEHOLDER_PROJECT,
            region=request.region,
            machine_type=request.machine_type,
            executor_image_uri=image or "",
            package_uri=package_uri(job_id, PACKAGE_FILE),
            python_module=PYTHON_MODULE,
            base_output_dir=output_uri(job_id),
            accelerator_type=accelerator,
            accelerator_count=count if gpu else 0,
            args=request.args,
            env=env,
        )
        # with an unknown region, its region checks ("Vertex AI does not run in…", "not offered in…") only repeat it;
        # the image is checked above, more strictly than the spec's own shape check
        problems += _image_problems(images, image, gpu, today)
        problems += [
            p for p in validate(job_request, offer)
            if (region is not None or request.region not in p) and f"'{job_request.executor_image_uri}'" not in p
        ]  # fmt: skip
        if not request.project:
            problems.append(f"{NO_PROJECT}: a Vertex AI job is created in a project: give its id before launching.")
        body = custom_job_body(job_request)
        gcloud, config = gcloud_command(job_request), gcloud_config(job_request)

    estimate, note = _estimate(reference, request, built_in is None and gpu, accelerator, count, live)
    return LaunchPlan(
        job_id=job_id,
        request=request,
        display_name=display_name,
        image_uri=image or "",
        job_request=job_request,
        body=body,
        gcloud=gcloud,
        gcloud_config=config,
        estimate=estimate,
        estimate_note=note,
        problems=tuple(dict.fromkeys(problems)),  # each problem once, in order
        env=env,
    )


def default_display_name(request: LaunchRequest) -> str:
    """'train (n1-standard-8, europe-west4)'; a local run uses this machine, whatever --machine says, and its region
    is only the grid codecarbon charges it to: 'train (this machine, grid: europe-west4)', as the job lists say."""
    if request.target == LOCAL:
        return f"{request.script.stem} (this machine, grid: {request.region})"
    return f"{request.script.stem} ({request.machine_type}, {request.region})"


def _script_problems(request: LaunchRequest) -> list[str]:
    """Only regular files within the size limits are read (cloud.packaging): never a device, a FIFO or a huge file."""
    try:
        text = read_user_text(request.script, SCRIPT_FILE)
    except CloudError as err:
        return [err.message]
    problems = check_script(request.script.name, text, request.function)
    if request.requirements is not None:
        try:
            requirements = read_user_text(request.requirements, REQUIREMENTS_FILE)
        except CloudError as err:
            problems.append(err.message)
        else:
            problems += check_requirements(request.requirements.name, requirements)
    return problems


def _estimate(
    reference: ReferenceData,
    request: LaunchRequest,
    attached: bool,
    accelerator: str | None,
    count: int,
    live: LiveCarbon | None,
) -> tuple[RunEstimate | None, str]:
    """The planner's estimate for this machine in this region (live intensity when the window has it)."""
    if request.target == LOCAL:  # the cloud machine's power says nothing about this computer
        return None, "no estimate before the run: codecarbon tracks a run on this machine while it runs"
    region = next((r for r in reference.catalog.regions if r.name == request.region), None)
    if region is None:
        return None, f"no estimate: '{request.region}' is not a region in the bundled data"
    try:
        hours = check_hours(request.hours)
        here = Location(region.name, region.lat or 0.0, region.lon or 0.0, source="region")  # latency is not used
        plan = PlanRequest(request.machine_type, hours, here, None, accelerator if attached else None, count or 1)
        assessment = assess_request(reference, plan, live)
    except (InputError, UserFacingError) as err:
        return None, f"no estimate: {err}"
    facts = next((f for f in assessment.facts if f.region.name == region.name), None)
    if facts is None:
        reason = next((e.reason for e in assessment.excluded if e.region.name == region.name), "no data")
        return None, f"no estimate for {region.name}: {reason}"
    return estimate_run(facts, hours), f"estimate for {request.machine_type} in {region.name}"
