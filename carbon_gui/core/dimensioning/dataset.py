"""A benchmark dataset in memory: for each hardware platform, the runs of one algorithm over its hyperparameters.

Built by `sources.benchmarks` from a folder of `<algorithm>_<hardware>.csv` + `.json` pairs (the HADA format).
Plain data: arrays of numbers, already validated.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

HYPERPARAMETER_TYPES = ("int", "float")
MAX_DOMAIN_VALUES = 1_000_000  # per hyperparameter: its domain is an array, and a solver's variable bound


@dataclass(frozen=True)
class Hyperparameter:
    name: str
    kind: str  # "int" or "float"
    lower: float | None  # the JSON's LB / UB; None when not given
    upper: float | None


@dataclass(frozen=True)
class Platform:
    """The runs of the algorithm on one hardware platform."""

    hardware: str  # HW_ID: a free name ("mbp19") or a machine type ("n1-standard-8")
    price: float | None  # HW_price, for a hardware budget; None when the JSON leaves it out
    hyperparameters: tuple[Hyperparameter, ...]
    inputs: FloatArray  # runs x hyperparameters, in the order of `hyperparameters`
    targets: dict[str, FloatArray]  # target -> one value per run
    source: str  # the CSV it came from, for messages

    @property
    def runs(self) -> int:
        return int(self.inputs.shape[0])

    def int_range(self, index: int) -> tuple[float, float]:
        """The first and last whole number an int hyperparameter takes: within LB/UB, else the values run."""
        spec = self.hyperparameters[index]
        column = self.inputs[:, index]
        low = float(column.min()) if spec.lower is None else spec.lower
        high = float(column.max()) if spec.upper is None else spec.upper
        return float(np.ceil(low)), float(np.floor(high))

    def domain(self, index: int) -> FloatArray:
        """The values hyperparameter `index` can take: every whole number between its bounds for an int (the
        JSON's LB/UB, else the smallest and largest value run), the values that were run for a float."""
        spec = self.hyperparameters[index]
        if spec.kind == "int":
            low, high = self.int_range(index)
            return np.arange(low, high + 1, dtype=np.float64)
        column = self.inputs[:, index]
        values = np.unique(column)
        if spec.lower is not None:
            values = values[values >= spec.lower]
        if spec.upper is not None:
            values = values[values <= spec.upper]
        return values


@dataclass(frozen=True)
class BenchmarkSet:
    algorithm: str
    platforms: tuple[Platform, ...]

    @property
    def hardware(self) -> list[str]:
        return [p.hardware for p in self.platforms]

    @property
    def target_names(self) -> list[str]:
        names: dict[str, None] = {}
        for platform in self.platforms:
            names.update(dict.fromkeys(platform.targets))
        return list(names)

    def platform(self, hardware: str) -> Platform:
        return next(p for p in self.platforms if p.hardware == hardware)
