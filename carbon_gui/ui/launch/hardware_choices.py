"""What the wizard offers on its hardware page: machine types, GPUs and training containers for one region.

No Qt: the lists come from the bundled offerings (core/offerings.py) and the prebuilt image list.
"""

from dataclasses import dataclass
from datetime import date

from carbon_gui.core.offerings import Offered
from carbon_gui.core.training_images import TrainingImage
from carbon_gui.jobs.planner import offered
from carbon_gui.sources.reference import load_reference


@dataclass(frozen=True)
class HardwareCatalog:
    offered: Offered
    images: tuple[TrainingImage, ...]


@dataclass(frozen=True)
class ImageChoice:
    label: str  # what the combo shows, with the end-of-availability date
    uri: str  # the image in the registry nearest the region
    warning: str | None  # set when the image is past its end of availability


def load_hardware_catalog(images: tuple[TrainingImage, ...]) -> HardwareCatalog:
    """Reads the bundled data (disk): call it on the thread pool."""
    return HardwareCatalog(offered(load_reference()), images)


def machine_choices(offer: Offered, region: str) -> list[str]:
    return sorted(offer.machines_by_region.get(region, frozenset()))


def built_in_gpu(offer: Offered, machine_type: str) -> tuple[str, int] | None:
    """The GPU type and count an a2/a3/g2… machine comes with; None for a machine without built-in GPUs."""
    built_in = offer.built_in_gpus.get(machine_type)
    return (built_in[0], int(built_in[1])) if built_in else None


def gpu_choices(offer: Offered, region: str, machine_type: str) -> tuple[str, ...]:
    """The GPUs this machine type can have in this region (its built-in GPU, or the attachable ones offered)."""
    built_in = built_in_gpu(offer, machine_type)
    if built_in:
        return (built_in[0],)
    in_region = offer.accelerators_by_region.get(region, frozenset())
    family = machine_type.split("-", 1)[0]
    return tuple(gpu for gpu in offer.attachable_gpus.get(family, ()) if gpu in in_region)


def image_choices(images: tuple[TrainingImage, ...], gpu: bool, region: str, today: date) -> list[ImageChoice]:
    """The images that fit the hardware (GPU or CPU builds), in the list's order of preference."""
    wanted = "gpu" if gpu else "cpu"
    choices = []
    for image in images:
        if image.accelerator != wanted:
            continue
        ends = image.end_of_availability.isoformat()
        if image.available_on(today):
            choices.append(ImageChoice(f"{image.label} — ends {ends}", image.uri(region), None))
        else:
            warning = (
                f"{image.label} passed its end of availability on {ends}: Google may have removed it. "
                "Choose a newer image or type the URI of a current one."
            )
            choices.append(ImageChoice(f"{image.label} — ended {ends} ⚠", image.uri(region), warning))
    return choices


def default_image_index(choices: list[ImageChoice]) -> int:
    """The first image still available; -1 (nothing chosen: the user picks or types one) when none is."""
    return next((n for n, choice in enumerate(choices) if choice.warning is None), -1)
