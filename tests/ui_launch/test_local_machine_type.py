"""Issue 11 item 13: a run on this machine uses this machine, not a Compute Engine machine type; the wizard left the
machine type editable for a local run, as if it mattered (the Jobs tab shows 'this machine' for such runs)."""

from carbon_gui.ui.launch.hardware_page import HardwarePage
from tests.ui_launch.conftest import pick_target


def test_a_local_run_has_no_machine_type_to_choose(qtbot, hardware_page: HardwarePage) -> None:
    assert hardware_page.machine.isEnabled(), "on Vertex AI the machine type is chosen"
    pick_target(qtbot, hardware_page.local)
    assert not hardware_page.machine.isEnabled()
    pick_target(qtbot, hardware_page.vertex)
    assert hardware_page.machine.isEnabled()
