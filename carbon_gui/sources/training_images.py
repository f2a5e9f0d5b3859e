"""Loads resources/training_images.csv: the prebuilt Vertex AI training containers the launch wizard offers."""

from datetime import date
from pathlib import Path

from carbon_gui.core.errors import DataError
from carbon_gui.core.training_images import TrainingImage
from carbon_gui.sources.reference import _field, _rows, resources_dir

_COLUMNS = ("framework", "version", "python", "accelerator", "cuda", "image", "end_of_patch", "end_of_availability")


def training_images_file() -> Path:
    return resources_dir() / "training_images.csv"


def load_training_images(path: Path | None = None) -> tuple[TrainingImage, ...]:
    path = path or training_images_file()
    images = []
    for line, row in _rows(path, _COLUMNS):
        if row["accelerator"] not in ("cpu", "gpu"):
            raise DataError(f"Data file {path.name} line {line}: accelerator must be cpu or gpu. Reinstall carbon_gui.")
        images.append(
            TrainingImage(
                framework=row["framework"],
                version=row["version"],
                python=row["python"],
                accelerator=row["accelerator"],
                cuda=row["cuda"],
                path=row["image"],
                end_of_patch=_field(path, line, row, "end_of_patch", date.fromisoformat),
                end_of_availability=_field(path, line, row, "end_of_availability", date.fromisoformat),
            )
        )
    if not images:
        raise DataError(f"Data file {path.name} lists no training images. Reinstall carbon_gui.")
    return tuple(images)
