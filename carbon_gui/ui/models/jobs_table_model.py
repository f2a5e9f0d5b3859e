"""Table model over the jobs the app launched: one row per job, newest first, every figure labelled."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from carbon_gui.ui.jobs.job_snapshot import JobSnapshot
from carbon_gui.ui.jobs.job_texts import (
    duration_text,
    estimate_text,
    machine_text,
    measured_text,
    message_text,
    state_text,
    where_text,
)

JOB_ID_ROLE = Qt.ItemDataRole.UserRole

_Index = QModelIndex | QPersistentModelIndex
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[JobSnapshot, datetime], tuple[str, str]]  # (text, tooltip)
    ticks: bool = False  # changes with the clock while a job runs


def _job(s: JobSnapshot, _now: datetime) -> tuple[str, str]:
    return s.record.display_name, f"Job id {s.id}"


def _where(s: JobSnapshot, _now: datetime) -> tuple[str, str]:
    tip = "Runs in a subprocess here; emissions are charged to that region's grid" if s.is_local else "Vertex AI"
    return where_text(s.record), tip


def _machine(s: JobSnapshot, _now: datetime) -> tuple[str, str]:
    if not s.is_local:
        return machine_text(s.record), "The Vertex AI machine the estimate is for"
    cpu = s.local.cpu_model if s.local else None
    return machine_text(s.record), f"This computer: {cpu}" if cpu else "This computer (its CPU is not known yet)"


def _state(s: JobSnapshot, _now: datetime) -> tuple[str, str]:
    return state_text(s), message_text(s.note or s.record.error or f"Job state: {s.record.state}")


def _elapsed(s: JobSnapshot, now: datetime) -> tuple[str, str]:
    return duration_text(s.elapsed_seconds(now)), "From the first pending or running state to the end (or now)"


COLUMNS: tuple[Column, ...] = (
    Column("Job", _job),
    Column("Where", _where),
    Column("Machine", _machine),
    Column("State", _state),
    Column("Elapsed", _elapsed, ticks=True),
    Column("Energy & CO₂e (estimate)", estimate_text, ticks=True),
    Column("codecarbon", lambda s, _now: measured_text(s)),
)


class JobsTableModel(QAbstractTableModel):
    def __init__(self, clock: Clock = lambda: datetime.now(UTC)) -> None:
        super().__init__()
        self._clock = clock
        self._rows: tuple[JobSnapshot, ...] = ()

    def set_jobs(self, snapshots: Sequence[JobSnapshot]) -> None:
        """Same jobs in the same order: cells change in place (selection kept); otherwise the model resets."""
        new = tuple(snapshots)
        if [s.id for s in new] == [s.id for s in self._rows]:
            self._rows = new
            if new:
                self.dataChanged.emit(self.index(0, 0), self.index(len(new) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self._rows = new
        self.endResetModel()

    def tick(self) -> None:
        """The clock moved: elapsed time and the so-far estimate of running jobs change."""
        for row, snapshot in enumerate(self._rows):
            if snapshot.is_active:
                for column, spec in enumerate(COLUMNS):
                    if spec.ticks:
                        self.dataChanged.emit(self.index(row, column), self.index(row, column))

    def snapshot(self, row: int) -> JobSnapshot:
        return self._rows[row]

    def find(self, job_id: str) -> JobSnapshot | None:
        return next((s for s in self._rows if s.id == job_id), None)

    def row_of(self, job_id: str) -> int | None:
        return next((row for row, s in enumerate(self._rows) if s.id == job_id), None)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        snapshot = self._rows[index.row()]
        if role == JOB_ID_ROLE:
            return snapshot.id
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        text, tooltip = COLUMNS[index.column()].cell(snapshot, self._clock())
        return text if role == Qt.ItemDataRole.DisplayRole else tooltip

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].header
        return None
