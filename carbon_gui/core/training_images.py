"""Vertex AI's prebuilt training containers: which one, and from which registry for a region.

Each image is published in three Artifact Registry multi-regions (us, europe, asia) with the same content;
the nearest one starts a job faster. The list itself is resources/training_images.csv.
"""

from dataclasses import dataclass
from datetime import date

_REGISTRY_BY_REGION_PREFIX = (
    (("us-", "northamerica-", "southamerica-"), "us-docker.pkg.dev"),
    (("europe-", "me-", "africa-"), "europe-docker.pkg.dev"),
    (("asia-", "australia-"), "asia-docker.pkg.dev"),
)
DEFAULT_REGISTRY = "us-docker.pkg.dev"


@dataclass(frozen=True)
class TrainingImage:
    framework: str  # "PyTorch", "TensorFlow", "scikit-learn", "XGBoost"
    version: str
    python: str
    accelerator: str  # "cpu" or "gpu"
    cuda: str  # "" for CPU images
    path: str  # after the registry host, e.g. "vertex-ai/training/pytorch-gpu.2-4.py310:latest"
    end_of_patch: date
    end_of_availability: date  # Google's date; after it the image may be gone

    @property
    def label(self) -> str:
        return f"{self.framework} {self.version} ({self.accelerator.upper()}, Python {self.python})"

    def uri(self, region: str) -> str:
        return f"{registry_for(region)}/{self.path}"

    def available_on(self, day: date) -> bool:
        return day <= self.end_of_availability


def expired_image_warning(images: tuple[TrainingImage, ...], uri: str, today: date) -> str | None:
    """A warning when the URI names a listed prebuilt image past Google's end of availability (it may be gone)."""
    for image in images:
        if uri.endswith("/" + image.path) and not image.available_on(today):
            return (
                f"the training image {uri} passed its end of availability on {image.end_of_availability.isoformat()}; "
                "Google may have removed it: give a current one with --image."
            )
    return None


def registry_for(region: str) -> str:
    """The Artifact Registry host nearest to a Google Cloud region."""
    for prefixes, host in _REGISTRY_BY_REGION_PREFIX:
        if region.startswith(prefixes):
            return host
    return DEFAULT_REGISTRY
