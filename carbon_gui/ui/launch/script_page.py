"""Page 1: the training script, its requirements, and whether codecarbon wraps its training function."""

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from carbon_gui.cloud.packaging import REQUIREMENTS_FILE, SCRIPT_FILE, file_problem
from carbon_gui.core.script_check import DEFAULT_FUNCTION
from carbon_gui.ui.launch.alive import while_alive
from carbon_gui.ui.launch.notes import LOCAL_LIBRARIES, set_note, with_note
from carbon_gui.ui.launch.starter_script import write_starter_script
from carbon_gui.ui.theme import error_style
from carbon_gui.ui.workers import BackgroundTasks

STARTER_NAME = "train.py"


@dataclass(frozen=True)
class ScriptChoice:
    script: Path | None  # None until the user names one
    requirements: Path | None
    function: str | None  # wrapped in codecarbon's tracker; None: the script runs as it is


class ScriptPage(QWizardPage):
    changed = Signal()

    def __init__(self, tasks: BackgroundTasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self.setTitle("Training script")
        self.setSubTitle(
            "The script is packaged with a generated task.py and runs on the training machine. "
            "Nothing is uploaded before you press Launch."
        )
        page = QVBoxLayout(self)
        form = QFormLayout()
        page.addLayout(form)
        page.addStretch(1)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)  # notes wrap at full width

        self.script_edit = QLineEdit()
        self.script_edit.setPlaceholderText("path to your training script, e.g. ~/project/train.py")
        self.choose_script = QPushButton("Ch&oose…")
        self._add_path_row(form, "Training &script:", self.script_edit, self.choose_script)

        self.requirements_edit = QLineEdit()
        self.requirements_edit.setPlaceholderText("optional: a requirements.txt installed with the script")
        self.choose_requirements = QPushButton("Choos&e…")
        self.requirements_note = QLabel()  # a local run installs no requirements file: the picker is disabled
        self._add_path_row(
            form, "&Requirements:", self.requirements_edit, self.choose_requirements, self.requirements_note
        )
        self.file_note = QLabel()  # why a named file cannot be used; Next stays disabled meanwhile
        self.file_note.setWordWrap(True)
        self.file_note.setStyleSheet(error_style())
        self.file_note.hide()
        form.addRow("", self.file_note)

        self.wrap = QCheckBox()
        self.wrap.setChecked(True)
        self.function_edit = QLineEdit(DEFAULT_FUNCTION)
        self.function_edit.setMaximumWidth(220)
        function_label = QLabel("&Function name:")
        function_label.setBuddy(self.function_edit)
        wrap_row = QHBoxLayout()
        wrap_row.addWidget(self.wrap)
        wrap_row.addSpacing(16)
        wrap_row.addWidget(function_label)
        wrap_row.addWidget(self.function_edit)
        wrap_row.addStretch(1)
        self.wrap_note = QLabel()
        self.wrap_note.setWordWrap(True)
        measurement = QWidget()  # a box layout wraps the note at the field's width (a form row would not)
        column = QVBoxLayout(measurement)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(wrap_row)
        column.addWidget(self.wrap_note)
        form.addRow("Measurement:", measurement)

        self.create_starter = QPushButton("Create a s&tarter script…")
        self.create_starter.setToolTip("Writes a small train() that fits a line with numpy and prints its progress")
        self.starter_status = QLabel("New to this? Start from a small working script and replace its training.")
        self.starter_status.setWordWrap(True)
        starter_row = QHBoxLayout()
        starter_row.addWidget(self.create_starter)
        starter_row.addWidget(self.starter_status, 1)
        form.addRow("", starter_row)

        self.choose_script.clicked.connect(self._choose_script)
        self.choose_requirements.clicked.connect(self._choose_requirements)
        self.create_starter.clicked.connect(self._ask_starter_path)
        self.wrap.toggled.connect(self._wrap_changed)
        self.function_edit.textChanged.connect(self._wrap_changed)
        self.script_edit.textChanged.connect(self._script_changed)
        self.requirements_edit.textChanged.connect(self._script_changed)
        self._wrap_changed()

    @staticmethod
    def _add_path_row(
        form: QFormLayout, label_text: str, edit: QLineEdit, button: QPushButton, note: QLabel | None = None
    ) -> None:
        label = QLabel(label_text)
        label.setBuddy(edit)
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(button)
        if note is None:
            form.addRow(label, row)
        else:
            form.addRow(label, with_note(row, note))

    def set_local(self, local: bool) -> None:
        """The run is on this machine: it installs no requirements file, so the picker is disabled with the reason
        under it; the file named stays for a Vertex AI run (the wizard does not pass it to a local one)."""
        for widget in (self.requirements_edit, self.choose_requirements):
            widget.setEnabled(not local)
        set_note(self.requirements_note, LOCAL_LIBRARIES if local else "")
        self._script_changed()  # a requirements file a local run sets aside does not hold Next back

    def choice(self) -> ScriptChoice:
        script = self.script_edit.text().strip()
        requirements = self.requirements_edit.text().strip()
        function = self.function_edit.text().strip() if self.wrap.isChecked() else None
        return ScriptChoice(
            Path(script).expanduser() if script else None,
            Path(requirements).expanduser() if requirements else None,
            function,
        )

    def isComplete(self) -> bool:
        return bool(self.script_edit.text().strip()) and self.file_note.isHidden()

    def _file_problems(self) -> list[str]:
        """Stat only, never open: a FIFO or a device named here cannot block the GUI thread (the dry run then
        reads only regular files within the size limits, on the pool)."""
        choice = self.choice()
        named = [(choice.script, SCRIPT_FILE)]
        if self.requirements_edit.isEnabled():  # else the run is local and sets the file aside
            named.append((choice.requirements, REQUIREMENTS_FILE))
        return [problem for path, kind in named if path is not None and (problem := file_problem(path, kind))]

    # --- slots ------------------------------------------------------------------------------------------

    def _script_changed(self) -> None:
        problems = self._file_problems()
        self.file_note.setText("\n".join(problems))
        self.file_note.setHidden(not problems)
        self.completeChanged.emit()
        self.changed.emit()

    def _wrap_changed(self) -> None:
        name = self.function_edit.text().strip() or DEFAULT_FUNCTION
        self.wrap.setText(f"&Wrap my {name}() function with codecarbon (recommended)")
        self.function_edit.setEnabled(self.wrap.isChecked())
        if self.wrap.isChecked():
            self.wrap_note.setText(
                f"task.py calls {name}() inside codecarbon's offline tracker for the region's grid and writes "
                "emissions.csv to the job's output, so the measured figures appear in the Jobs tab."
            )
        else:
            self.wrap_note.setText("The script runs as it is: codecarbon does not measure the run.")
        self.changed.emit()

    def _start_folder(self) -> str:
        current = self.script_edit.text().strip()
        return str(Path(current).expanduser().parent) if current else str(Path.home())

    def _choose_script(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Training script", self._start_folder(), "Python (*.py)")
        if path:
            self.script_edit.setText(path)

    def _choose_requirements(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Requirements", self._start_folder(), "Requirements (*.txt);;All files (*)"
        )
        if path:
            self.requirements_edit.setText(path)

    def _ask_starter_path(self) -> None:
        start = str(Path(self._start_folder()) / STARTER_NAME)
        path, _ = QFileDialog.getSaveFileName(self, "Create a starter script", start, "Python (*.py)")
        if path:
            self.create_starter_at(Path(path))

    def create_starter_at(self, path: Path) -> None:
        """Writes the starter script on the pool, then chooses it as the training script."""
        self.create_starter.setEnabled(False)
        self.starter_status.setText(f"Writing {path}…")
        self._tasks.run(
            write_starter_script,
            path,
            on_result=while_alive(self, self._starter_written),
            on_error=while_alive(self, self._starter_failed),
        )

    def _starter_written(self, path: object) -> None:
        self.create_starter.setEnabled(True)
        self.starter_status.setText(f"Wrote {path}: replace the body of train() with your own training.")
        self.wrap.setChecked(True)
        self.function_edit.setText(DEFAULT_FUNCTION)
        self.script_edit.setText(str(path))

    def _starter_failed(self, message: str) -> None:
        self.create_starter.setEnabled(True)
        self.starter_status.setText(message)
