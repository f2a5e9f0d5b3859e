"""Page 2: where the job runs (Vertex AI in the region, or this machine) and on what: machine type, GPU,
container image, run length, script arguments, environment variables and the job's display name."""

import shlex
from dataclasses import dataclass, field
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from carbon_gui.core.job_spec import GPU_COUNTS
from carbon_gui.core.training_images import PREBUILT_LIST_URL, image_uri_problem
from carbon_gui.jobs.request import LOCAL, VERTEX
from carbon_gui.ui.launch.env_table import EnvTable
from carbon_gui.ui.launch.hardware_choices import (
    HardwareCatalog,
    ImageChoice,
    built_in_gpu,
    default_image_index,
    gpu_choices,
    image_choices,
    machine_choices,
)
from carbon_gui.ui.launch.notes import LOCAL_LIBRARIES, set_note, with_note

NO_GPU = "None (CPU only)"
CHOOSE_IMAGE = "choose a prebuilt image, or type an image URI"
NO_CURRENT_IMAGE = (
    "None of the listed prebuilt images is still available (Google's end of availability has passed): type the URI "
    f"of a current one ({PREBUILT_LIST_URL}) or of your own image."
)
MAX_HOURS = 10_000.0
# the planner's default names (jobs.planner.default_display_name)
VERTEX_NAME = "default: <script> (<machine type>, <region>)"
LOCAL_NAME = "default: <script> (this machine, grid: <region>)"


@dataclass(frozen=True)
class HardwareChoice:
    target: str  # VERTEX or LOCAL
    project: str | None
    machine_type: str
    accelerator_type: str | None
    accelerator_count: int
    image_uri: str | None  # None: the planner picks the first image that fits
    hours: float
    args: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    display_name: str | None = None
    problems: tuple[str, ...] = ()  # input the page could not read (such as an unclosed quote in the arguments)


class HardwarePage(QWizardPage):
    changed = Signal()

    def __init__(
        self,
        region: str,
        machine_type: str,
        accelerator: str | None,
        accelerator_count: int,
        hours: float,
        project: str | None,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._region, self._today = region, today
        self._catalog: HardwareCatalog | None = None
        self._images: list[ImageChoice] = []
        self._images_for_gpu = False
        self.setTitle("Where and on what")
        # the region selected in the window: the user's pick as often as the planner's first
        self.setSubTitle(f"Region {region}. The review page checks these against what the region offers.")
        page = QVBoxLayout(self)
        form = QFormLayout()
        page.addLayout(form)
        page.addStretch(1)  # rows keep their natural height; spare room goes below them
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)  # notes wrap at full width

        self.vertex = QRadioButton(f"&Vertex AI in {region}")
        self.local = QRadioButton("&This machine (no Google Cloud account needed)")
        self.vertex.setChecked(True)
        self._targets = QButtonGroup(self)
        self._targets.addButton(self.vertex)
        self._targets.addButton(self.local)
        targets = QHBoxLayout()
        choices = QVBoxLayout()
        choices.addWidget(self.vertex)
        choices.addWidget(self.local)
        targets.addLayout(choices)
        self._requirements_named = False
        self.requirements_note = QLabel("")  # a local run sets the script page's requirements file aside
        form.addRow("Run on:", with_note(targets, self.requirements_note))

        self.project = QLineEdit(project or "")
        self.project.setPlaceholderText("your Google Cloud project id (required for Vertex AI)")
        self._add_row(form, "&Project id:", self.project)

        self.machine = QComboBox()
        self.machine.setEditable(True)
        self.machine.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.machine.addItem(machine_type)
        self.machine.setCurrentText(machine_type)
        self.machine.setMinimumContentsLength(24)
        self._add_row(form, "Machine t&ype:", self.machine)

        self.accelerator = QComboBox()
        self.accelerator.setMinimumContentsLength(24)
        self.count = QComboBox()
        for number in GPU_COUNTS:
            self.count.addItem(str(number), number)
        self._fill_gpus((accelerator,) if accelerator else (), accelerator)
        self.count.setCurrentIndex(max(0, self.count.findData(accelerator_count)))
        count_label = QLabel("C&ount:")
        count_label.setBuddy(self.count)
        gpu_row = QHBoxLayout()
        gpu_row.addWidget(self.accelerator, 1)
        gpu_row.addWidget(count_label)
        gpu_row.addWidget(self.count)
        self.gpu_note = QLabel("")
        self._add_row(form, "&Accelerator:", self.accelerator, with_note(gpu_row, self.gpu_note))

        self.image = QComboBox()
        self.image.setEditable(True)
        self.image.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.image.setMinimumContentsLength(40)
        self._image_placeholder("loading the prebuilt images… (or type an image URI)")
        self.image_note = QLabel("")
        image_row = QHBoxLayout()
        image_row.addWidget(self.image)
        self._add_row(form, "Container &image:", self.image, with_note(image_row, self.image_note))

        self.hours = QDoubleSpinBox()
        self.hours.setRange(0.01, MAX_HOURS)
        self.hours.setDecimals(2)
        self.hours.setSuffix(" h")
        self.hours.setValue(hours)
        self.hours.setToolTip("How long you expect the run to take: the estimate on the next page uses it")
        self._add_row(form, "Expected run &length:", self.hours)

        self.args = QLineEdit()
        self.args.setPlaceholderText('e.g. --epochs 10 --data "gs://my bucket/data"  (split like a shell)')
        self._add_row(form, "Script a&rguments:", self.args)

        self.env = EnvTable()
        self.env.table.setMaximumHeight(120)
        self._add_row(form, "&Environment:", self.env.table, self.env)

        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText(VERTEX_NAME)
        self._add_row(form, "&Display name:", self.display_name)

        for edit in (self.project, self.args, self.display_name):
            edit.textChanged.connect(lambda _text: self.changed.emit())
        self.vertex.toggled.connect(self._target_changed)
        self.machine.currentTextChanged.connect(lambda _text: self._machine_changed())
        self.accelerator.currentIndexChanged.connect(self._accelerator_changed)
        self.count.currentIndexChanged.connect(lambda _n: self.changed.emit())
        self.image.currentTextChanged.connect(self._image_changed)
        self.hours.valueChanged.connect(lambda _v: self.changed.emit())
        self.env.changed.connect(self.changed.emit)
        self._accelerator_changed()

    @staticmethod
    def _add_row(form: QFormLayout, text: str, buddy: QWidget, row: QWidget | QHBoxLayout | None = None) -> None:
        """A labelled row whose mnemonic focuses `buddy`; `row` when the field is more than that widget."""
        label = QLabel(text)
        label.setBuddy(buddy)
        if row is None:
            form.addRow(label, buddy)
        else:
            form.addRow(label, row)

    def _image_placeholder(self, text: str) -> None:
        line = self.image.lineEdit()
        if line is not None:
            line.setPlaceholderText(text)

    # --- what the user chose ------------------------------------------------------------------------

    def choice(self) -> HardwareChoice:
        problems = []
        try:
            args = tuple(shlex.split(self.args.text()))
        except ValueError as err:
            args = ()
            problems.append(f"Script arguments: {err} — close the quote, or escape it with a backslash.")
        gpu = self.accelerator.currentData()
        vertex = self.vertex.isChecked()
        return HardwareChoice(
            target=VERTEX if vertex else LOCAL,
            project=(self.project.text().strip() or None) if vertex else None,
            machine_type=self.machine.currentText().strip(),
            accelerator_type=gpu if vertex else None,
            accelerator_count=int(self.count.currentData()) if gpu and vertex else 0,
            image_uri=self._image_uri() if vertex else None,
            hours=self.hours.value(),
            args=args,
            env=self.env.variables(),
            display_name=self.display_name.text().strip() or None,
            problems=tuple(problems),
        )

    def _image_uri(self) -> str | None:
        text = self.image.currentText().strip()
        index = self.image.currentIndex()
        if index >= 0 and text == self.image.itemText(index):
            return str(self.image.itemData(index))
        return text or None  # a URI the user typed, or the planner's default

    def set_requirements_named(self, named: bool) -> None:
        """Whether the script page names a requirements file: a local run does not install it, and says so here."""
        self._requirements_named = named
        self._requirements_changed()

    # --- the offerings arrive from the pool -----------------------------------------------------------

    def set_catalog(self, catalog: HardwareCatalog) -> None:
        self._catalog = catalog
        current = self.machine.currentText()
        self.machine.blockSignals(True)
        self.machine.clear()
        self.machine.addItems(machine_choices(catalog.offered, self._region))
        if self.machine.findText(current) < 0:
            self.machine.addItem(current)
        self.machine.setCurrentText(current)
        self.machine.blockSignals(False)
        self._refresh_gpus(keep_unoffered=True)  # the planner's GPU stays, marked if the region lacks it

    def catalog_failed(self, message: str) -> None:
        self._image_placeholder("type an image URI")
        set_note(self.image_note, f"The lists of machines and images could not be read: {message}")

    def _fill_gpus(self, offered_gpus: tuple[str, ...], selected: str | None) -> None:
        """The offered GPUs; a GPU the planner passed that the region does not offer stays, marked, so the
        review can say why it cannot be used."""
        self.accelerator.blockSignals(True)
        self.accelerator.clear()
        self.accelerator.addItem(NO_GPU, None)
        for gpu in offered_gpus:
            self.accelerator.addItem(gpu, gpu)
        if selected and selected not in offered_gpus:
            note = "not offered here" if self._catalog else "checking…"
            self.accelerator.addItem(f"{selected} ({note})", selected)
        self.accelerator.setCurrentIndex(max(0, self.accelerator.findData(selected)))
        self.accelerator.blockSignals(False)

    def _fill_images(self) -> None:
        """The images for CPU or GPU hardware; kept as they are while that does not change."""
        if self._catalog is None or (self._images and self._images_for_gpu == self._has_gpu()):
            return
        self._images_for_gpu = self._has_gpu()
        custom = self.image.currentIndex() < 0 or self.image.currentText() != self.image.itemText(
            self.image.currentIndex()
        )
        typed = self.image.currentText() if custom else ""
        self._images = image_choices(self._catalog.images, self._has_gpu(), self._region, self._today)
        self.image.blockSignals(True)
        self.image.clear()
        for choice in self._images:
            self.image.addItem(choice.label, choice.uri)
        self._image_placeholder(CHOOSE_IMAGE)  # shown while nothing is chosen: no listed image is current
        self.image.setCurrentIndex(default_image_index(self._images))
        if typed:
            self.image.setCurrentText(typed)
        self.image.blockSignals(False)
        self._image_changed()

    # --- slots ------------------------------------------------------------------------------------------

    def _has_gpu(self) -> bool:
        return self.accelerator.currentData() is not None

    def _target_changed(self) -> None:
        vertex = self.vertex.isChecked()
        for widget in (self.project, self.machine, self.accelerator, self.image):  # a local run uses this machine
            widget.setEnabled(vertex)
        self.display_name.setPlaceholderText(VERTEX_NAME if vertex else LOCAL_NAME)
        self._accelerator_changed()
        self._image_changed()
        self._requirements_changed()
        if not vertex:
            set_note(self.gpu_note, "This machine runs the script with its own CPU (and GPU, if the script uses one).")
        self.changed.emit()

    def _requirements_changed(self) -> None:
        set_note(self.requirements_note, LOCAL_LIBRARIES if self._requirements_named and self.local.isChecked() else "")

    def _machine_changed(self) -> None:
        if self._catalog is not None:
            self._refresh_gpus(keep_unoffered=False)
        self.changed.emit()

    def _refresh_gpus(self, keep_unoffered: bool) -> None:
        """The GPUs for the machine type now shown: its built-in GPU is selected; a selected GPU it cannot
        have is kept (marked) only when `keep_unoffered`, else the choice falls back to none."""
        assert self._catalog is not None
        machine_type = self.machine.currentText().strip()
        offered_gpus = gpu_choices(self._catalog.offered, self._region, machine_type)
        built_in = built_in_gpu(self._catalog.offered, machine_type)
        selected = self.accelerator.currentData()
        if built_in:
            selected = built_in[0]
        elif selected not in offered_gpus and not keep_unoffered:
            selected = None
        self._fill_gpus(offered_gpus, selected)
        self._accelerator_changed()

    def _accelerator_changed(self) -> None:
        built_in = built_in_gpu(self._catalog.offered, self.machine.currentText().strip()) if self._catalog else None
        if built_in:
            self.count.setCurrentIndex(max(0, self.count.findData(built_in[1])))
        self.count.setEnabled(self.vertex.isChecked() and self._has_gpu() and not built_in)
        if built_in:
            set_note(self.gpu_note, f"{self.machine.currentText()} comes with {built_in[1]}× {built_in[0]} built in.")
        elif self._catalog is not None and self.accelerator.count() == 1:
            set_note(self.gpu_note, f"No GPU can be attached to {self.machine.currentText()} in {self._region}.")
        else:
            set_note(self.gpu_note, "")
        self._fill_images()
        self.changed.emit()

    def _image_changed(self) -> None:
        index = self.image.currentIndex()
        listed = index >= 0 and self.image.currentText() == self.image.itemText(index)
        warning = self._images[index].warning if listed and index < len(self._images) else None
        if not self.vertex.isChecked():  # a local run uses no container image: nothing to say about it
            set_note(self.image_note, "")
        elif warning:
            set_note(self.image_note, f"⚠ {warning}")
        elif listed:
            set_note(self.image_note, f"{self.image.itemData(index)}")
        elif self.image.currentText().strip():
            problem = image_uri_problem(self.image.currentText().strip())
            custom = "A custom image: it must be a Python training container Vertex AI can pull."
            set_note(self.image_note, f"✗ {problem}" if problem else custom)
        elif self._images:  # nothing chosen: no listed image is current
            set_note(self.image_note, NO_CURRENT_IMAGE)
        else:
            set_note(self.image_note, "")
        self.changed.emit()
