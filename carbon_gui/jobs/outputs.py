"""Files a job wrote to its output directory (AIP_MODEL_DIR): the local staging directory's output/, or on
Vertex AI the bucket's output/model/ (where task.py's emissions.csv lands too, see cloud/packaging.py)."""

from carbon_gui.cloud.errors import CloudError
from carbon_gui.cloud.ledger import JobRecord
from carbon_gui.cloud.local import OUTPUT_DIR, staging_dir_for
from carbon_gui.cloud.packaging import EMISSIONS_UNDER_BASE_OUTPUT
from carbon_gui.jobs.clouds import Clouds
from carbon_gui.jobs.request import LOCAL
from carbon_gui.jobs.request import OUTPUT_DIR as BUCKET_OUTPUT_DIR

MODEL_DIR = EMISSIONS_UNDER_BASE_OUTPUT.rsplit("/", 1)[0]  # AIP_MODEL_DIR under the job's base output directory


def output_text(job: JobRecord, clouds: Clouds, name: str) -> str | None:
    """The text of file `name` in the job's output directory; None while it does not exist. CloudError when it
    cannot be read."""
    if job.target == LOCAL:
        path = staging_dir_for(job.id) / OUTPUT_DIR / name
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return None
        except OSError as err:
            raise CloudError(f"Cannot read {path} ({err.strerror}).", step="output") from None
    if job.bucket is None or job.project is None:
        return None
    return clouds.storage(job.project).read_text(job.bucket, f"{BUCKET_OUTPUT_DIR}/{MODEL_DIR}/{name}")
