"""The launch wizard: script, where and what hardware, the dry run's review, and the launch itself."""

from carbon_gui.ui.launch.wizard import LaunchWizard

__all__ = ["LaunchWizard"]
