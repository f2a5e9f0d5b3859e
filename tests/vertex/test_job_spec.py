"""JobRequest -> validation, the CustomJob body and the gcloud command, against the real bundled data."""

import dataclasses
import json
import shlex
from datetime import date
from pathlib import Path

import pytest
from google.cloud.aiplatform_v1 import AcceleratorType, CustomJob

from carbon_gui.core.errors import DataError
from carbon_gui.core.job_ids import new_job_id
from carbon_gui.core.job_spec import (
    JobRequest,
    accelerator_enum,
    custom_job_body,
    gcloud_command,
    gcloud_config,
    validate,
)
from carbon_gui.core.offerings import MachineTypeListing, Offered, offered_from
from carbon_gui.core.training_images import registry_for
from carbon_gui.sources.reference import ReferenceData, bundled_data_dir, load_machine_types
from carbon_gui.sources.training_images import load_training_images

JOB_ID = "cg-20261122-080000-ab12"
BUCKET = f"gs://carbon-gui-{JOB_ID}"


@pytest.fixture(scope="module")
def offered(reference: ReferenceData) -> Offered:
    return offered_from(reference.catalog, reference.machine_types)


def t4_request(**changes: object) -> JobRequest:
    request = JobRequest(
        job_id=JOB_ID,
        display_name="resnet on T4",
        project="carbon-test",
        region="europe-west4",
        machine_type="n1-standard-8",
        executor_image_uri="europe-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest",
        package_uri=f"{BUCKET}/trainer-0.1.tar.gz",
        python_module="trainer.task",
        base_output_dir=f"{BUCKET}/output",
        accelerator_type="nvidia-tesla-t4",
        accelerator_count=1,
        args=("--epochs", "3"),
        labels={"team": "ml"},
    )
    return dataclasses.replace(request, **changes)  # type: ignore[arg-type]


def test_a_t4_job_in_europe_west4_is_valid(offered: Offered) -> None:
    assert validate(t4_request(), offered) == []


def test_the_body_is_the_custom_job_vertex_expects() -> None:
    assert custom_job_body(t4_request(env={"LR": "0.1"})) == {
        "displayName": "resnet on T4",
        "jobSpec": {
            "workerPoolSpecs": [
                {
                    "machineSpec": {
                        "machineType": "n1-standard-8",
                        "acceleratorType": "NVIDIA_TESLA_T4",
                        "acceleratorCount": 1,
                    },
                    "replicaCount": "1",
                    "pythonPackageSpec": {
                        "executorImageUri": "europe-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest",
                        "packageUris": [f"{BUCKET}/trainer-0.1.tar.gz"],
                        "pythonModule": "trainer.task",
                        "args": ["--epochs", "3"],
                        "env": [{"name": "LR", "value": "0.1"}],
                    },
                }
            ],
            "baseOutputDirectory": {"outputUriPrefix": f"{BUCKET}/output"},
        },
        "labels": {"team": "ml", "managed-by": "carbon-gui", "job": JOB_ID},
    }


def test_the_body_parses_as_the_real_v1_custom_job_message() -> None:
    job = CustomJob.from_json(json.dumps(custom_job_body(t4_request(env={"LR": "0.1"}))))  # unknown fields raise
    pool = job.job_spec.worker_pool_specs[0]
    assert pool.machine_spec.accelerator_type == AcceleratorType.NVIDIA_TESLA_T4
    assert pool.replica_count == 1
    assert pool.python_package_spec.env[0].name == "LR"
    assert job.job_spec.base_output_directory.output_uri_prefix == f"{BUCKET}/output"


def test_without_an_accelerator_the_machine_spec_names_only_the_machine() -> None:
    body = custom_job_body(t4_request(machine_type="e2-standard-8", accelerator_type=None, accelerator_count=0))
    assert body["jobSpec"]["workerPoolSpecs"][0]["machineSpec"] == {"machineType": "e2-standard-8"}


def test_every_offered_nvidia_gpu_has_a_vertex_enum_name(reference: ReferenceData) -> None:
    gpus = {g for names in reference.catalog.accelerators_by_region.values() for g in names}
    nvidia = sorted(g for g in gpus if g.startswith("nvidia-") and not g.endswith("-vws"))
    assert len(nvidia) >= 10
    assert [g for g in nvidia if accelerator_enum(g) not in AcceleratorType.__members__] == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"machine_type": "a2-highgpu-1g", "accelerator_type": "nvidia-tesla-a100", "region": "europe-west9"},
            "not offered in europe-west9",
        ),
        ({"machine_type": "n1-fantasy-8"}, "Unknown machine type 'n1-fantasy-8'"),
        ({"machine_type": "m2-ultramem2x-96", "accelerator_type": None, "accelerator_count": 0}, "obsolete"),
        ({"region": "europe-west9"}, "nvidia-tesla-t4 is not offered in europe-west9"),
        ({"machine_type": "e2-standard-8"}, "cannot be attached to e2-standard-8"),
        ({"accelerator_type": "nvidia-l4"}, "cannot be attached to n1-standard-8"),
        ({"accelerator_count": 3}, "must be 1, 2, 4, 8 or 16, not 3"),
        ({"accelerator_type": None, "accelerator_count": 2}, "needs an accelerator type"),
        (
            {"machine_type": "a2-highgpu-1g", "accelerator_type": None, "accelerator_count": 0},
            "set the accelerator to 1× nvidia-tesla-a100",
        ),
        (
            {"machine_type": "a2-highgpu-2g", "accelerator_type": "nvidia-tesla-a100", "accelerator_count": 1},
            "comes with 2× nvidia-tesla-a100",
        ),
        ({"accelerator_type": "ct5lp"}, "not a GPU this app can submit"),
        ({"accelerator_type": "nvidia-tesla-t4-vws"}, "not a GPU this app can submit"),
        ({"region": "mars-north1"}, "does not run training jobs in 'mars-north1'"),
        ({"project": "My Project"}, "not a Google Cloud project id"),
        ({"display_name": "x" * 129}, "at most 128"),
        ({"display_name": "two\nlines"}, "control characters"),
        ({"display_name": "  "}, "needs a display name"),
        ({"job_id": "job-1"}, "not an id the app made"),
        ({"executor_image_uri": "pytorch latest"}, "not a container image URI"),
        ({"package_uri": "/home/me/trainer.tar.gz"}, "must be a gs:// URI"),
        ({"python_module": "trainer/task.py"}, "not a Python module name"),
        ({"base_output_dir": "s3://bucket/out"}, "must be a gs://bucket/path URI"),
        ({"args": ("ok", "bad\x00arg")}, "NUL character"),
        ({"env": {"1BAD": "x"}}, "not a valid environment variable name"),
        ({"labels": {"Team": "ml"}}, "Label key 'Team' is invalid"),
        ({"labels": {"team": "ML Research"}}, "Label value 'ML Research' is invalid"),
        ({"labels": {"job": "other"}}, "set by the app"),
        ({"labels": {f"k{i}": "v" for i in range(63)}}, "at most 64 labels"),
    ],
)
def test_each_problem_is_named_before_anything_is_created(
    offered: Offered, changes: dict[str, object], expected: str
) -> None:
    problems = validate(t4_request(**changes), offered)
    assert any(expected in p for p in problems), problems


def test_a_machine_type_no_source_places_is_accepted(offered: Offered) -> None:
    """c3 types are in Compute Engine's list but in no regional listing: Vertex AI has the last word."""
    assert "c3-highcpu-4" in offered.machine_types and not offered.region_known_for("c3-highcpu-4")
    assert validate(t4_request(machine_type="c3-highcpu-4", accelerator_type=None, accelerator_count=0), offered) == []


def test_a_zoned_listing_places_its_type_in_the_zone_region(reference: ReferenceData) -> None:
    listing = MachineTypeListing("c3-highcpu-4", 4, 8.0, "", "europe-west9-b")
    offered = offered_from(reference.catalog, [listing])
    assert "c3-highcpu-4" in offered.machines_by_region["europe-west9"]
    problems = validate(t4_request(machine_type="c3-highcpu-4", accelerator_type=None, accelerator_count=0), offered)
    assert problems == ["Machine type 'c3-highcpu-4' is not offered in europe-west4. It is offered in: europe-west9."]


def _flags(command: str) -> dict[str, str]:
    words = shlex.split(command)
    assert words[:4] == ["gcloud", "ai", "custom-jobs", "create"]
    return dict(word.split("=", 1) for word in words[4:])


def test_the_gcloud_command_creates_the_same_job() -> None:
    request = t4_request(display_name="resnet on T4 (eu)")
    flags = _flags(gcloud_command(request))
    pool = dict(item.split("=", 1) for item in flags["--worker-pool-spec"].split(","))
    assert pool == {
        "machine-type": "n1-standard-8",
        "replica-count": "1",
        "accelerator-type": "NVIDIA_TESLA_T4",
        "accelerator-count": "1",
        "executor-image-uri": request.executor_image_uri,
        "python-module": "trainer.task",
    }
    assert flags["--project"] == "carbon-test" and flags["--region"] == "europe-west4"
    assert flags["--display-name"] == "resnet on T4 (eu)"
    assert flags["--python-package-uris"] == request.package_uri
    assert flags["--args"] == "--epochs,3"
    assert flags["--labels"] == f"job={JOB_ID},managed-by=carbon-gui,team=ml"
    assert flags["--config"] == "custom_job_spec.yaml"
    assert json.loads(gcloud_config(request)) == {"baseOutputDirectory": {"outputUriPrefix": f"{BUCKET}/output"}}


def test_gcloud_args_with_commas_use_the_alternate_delimiter() -> None:
    flags = _flags(gcloud_command(t4_request(args=("--layers", "64,128", "--name", "it's"))))
    assert flags["--args"] == "^|^--layers|64,128|--name|it's"


def test_with_env_vars_the_worker_pool_goes_in_the_config_file() -> None:
    request = t4_request(env={"LR": "0.1"})
    flags = _flags(gcloud_command(request, "spec.yaml"))
    assert "--worker-pool-spec" not in flags and "--args" not in flags and "--python-package-uris" not in flags
    assert flags["--config"] == "spec.yaml"
    assert json.loads(gcloud_config(request)) == custom_job_body(request)["jobSpec"]


def test_training_images_cover_each_framework_on_cpu_and_gpu() -> None:
    images = load_training_images()
    kinds = {(image.framework, image.accelerator) for image in images}
    for framework in ("PyTorch", "TensorFlow", "scikit-learn", "XGBoost"):
        assert {(framework, "cpu"), (framework, "gpu")} <= kinds
    assert all(image.path.startswith("vertex-ai/training/") and image.path.endswith(":latest") for image in images)
    pytorch_gpu = next(i for i in images if (i.framework, i.accelerator) == ("PyTorch", "gpu"))
    assert pytorch_gpu.uri("europe-west4") == "europe-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest"
    assert pytorch_gpu.available_on(date(2026, 7, 24)) and not pytorch_gpu.available_on(date(2026, 7, 25))


@pytest.mark.parametrize(
    ("region", "registry"),
    [
        ("us-central1", "us-docker.pkg.dev"),
        ("northamerica-northeast1", "us-docker.pkg.dev"),
        ("southamerica-east1", "us-docker.pkg.dev"),
        ("europe-west9", "europe-docker.pkg.dev"),
        ("me-west1", "europe-docker.pkg.dev"),
        ("africa-south1", "europe-docker.pkg.dev"),
        ("asia-south1", "asia-docker.pkg.dev"),
        ("australia-southeast1", "asia-docker.pkg.dev"),
    ],
)
def test_the_registry_is_the_nearest_multi_region(region: str, registry: str) -> None:
    assert registry_for(region) == registry


def test_machine_types_load_with_their_deprecation_state(reference: ReferenceData) -> None:
    by_name = {listing.name: listing for listing in reference.machine_types}
    assert len(by_name) > 500
    assert by_name["n1-standard-8"].vcpus == 8 and by_name["n1-standard-8"].deprecation == ""
    assert by_name["m2-ultramem2x-96"].deprecation == "OBSOLETE"


def test_a_corrupt_machine_type_file_names_file_and_line(tmp_path: Path) -> None:
    text = (bundled_data_dir() / "machine_types_by_zone.csv").read_text(encoding="utf-8").splitlines()
    text[3] = text[3].replace(";", ";many", 1)  # CPUS is no longer a number
    (tmp_path / "machine_types_by_zone.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"machine_types_by_zone\.csv line 4"):
        load_machine_types(tmp_path)


def test_a_corrupt_training_image_file_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "training_images.csv"
    path.write_text(
        "framework,version,python,accelerator,cuda,image,end_of_patch,end_of_availability\n"
        "PyTorch,2.4,3.10,gpu,12.x,vertex-ai/training/x:latest,2025-07-24,someday\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"training_images\.csv line 2"):
        load_training_images(path)


def test_a_fresh_job_id_passes(offered: Offered) -> None:
    assert validate(t4_request(job_id=new_job_id()), offered) == []
