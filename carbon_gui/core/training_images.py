"""Vertex AI's prebuilt training containers: which one, and from which registry for a region.

Each image is published in three Artifact Registry multi-regions (us, europe, asia) with the same content;
the nearest one starts a job faster. The list itself is resources/training_images.csv.
"""

import re
from dataclasses import dataclass
from datetime import date

_REGISTRY_BY_REGION_PREFIX = (
    (("us-", "northamerica-", "southamerica-"), "us-docker.pkg.dev"),
    (("europe-", "me-", "africa-"), "europe-docker.pkg.dev"),
    (("asia-", "australia-"), "asia-docker.pkg.dev"),
)
DEFAULT_REGISTRY = "us-docker.pkg.dev"
PREBUILT_LIST_URL = "https://cloud.google.com/vertex-ai/docs/training/pre-built-containers"
# Google's registries Vertex AI pulls a training image from: Artifact Registry (LOCATION-docker.pkg.dev/PROJECT/
# REPOSITORY/IMAGE) or Container Registry ([us.|eu.|asia.]gcr.io/PROJECT/IMAGE), each with an optional tag or digest
_IMAGE_URI = re.compile(
    r"^(?:[a-z0-9]+(?:-[a-z0-9]+)*-docker\.pkg\.dev/[a-z0-9._:-]+/[a-z0-9._-]+|(?:(?:us|eu|asia)\.)?gcr\.io/[a-z0-9._:-]+)"
    r"(?:/[a-z0-9][a-z0-9._-]*)+(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})?$"
)


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


def image_uri_problem(uri: str) -> str | None:
    """Why a typed image URI is not one Vertex AI can pull from Google's registries; None when its shape is right."""
    if _IMAGE_URI.match(uri):
        return None
    shown = uri if len(uri) <= 80 else uri[:80] + "…"
    return (
        f"'{shown}' is not a training image URI: give LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE:TAG "
        "(Artifact Registry) or gcr.io/PROJECT/IMAGE:TAG, without https:// or spaces."
    )


def expired_image_problem(images: tuple[TrainingImage, ...], uri: str, today: date) -> str | None:
    """A problem when the URI names a listed prebuilt image past Google's end of availability (it may be gone)."""
    for image in images:
        if uri.endswith("/" + image.path) and not image.available_on(today):
            return (
                f"The training image {uri} passed its end of availability on {image.end_of_availability.isoformat()} "
                f"and Google may have removed it: choose a current image ({PREBUILT_LIST_URL})."
            )
    return None


def registry_for(region: str) -> str:
    """The Artifact Registry host nearest to a Google Cloud region."""
    for prefixes, host in _REGISTRY_BY_REGION_PREFIX:
        if region.startswith(prefixes):
            return host
    return DEFAULT_REGISTRY
