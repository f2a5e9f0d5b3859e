"""Issue 11 item 12: a local run does not use a container image, so the hardware page says nothing about images."""

from carbon_gui.ui.launch.hardware_page import HardwarePage
from tests.ui_launch.conftest import pick_target


def test_a_local_run_shows_no_image_note(qtbot, hardware_page: HardwarePage) -> None:
    assert hardware_page.image_note.text(), "on Vertex the chosen image is described"
    pick_target(qtbot, hardware_page.local)
    assert hardware_page.image_note.text() == ""
    pick_target(qtbot, hardware_page.vertex)
    assert hardware_page.image_note.text(), "back on Vertex the note returns"
