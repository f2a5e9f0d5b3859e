"""The Help menu (Welcome, Keyboard shortcuts, Diagnostics, About) and Settings → Log level, for the main window."""

import dataclasses
import os
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu

from carbon_gui.app_log import LOG_LEVEL_ENV, log_level, set_level
from carbon_gui.settings import LOG_LEVELS

if TYPE_CHECKING:
    from collections.abc import Callable

    from carbon_gui.secrets import SecretStore
    from carbon_gui.ui.main_window import MainWindow


class HelpMenu:
    def __init__(
        self,
        window: "MainWindow",
        help_menu: QMenu,
        settings_menu: QMenu,
        secret_store: "Callable[[], SecretStore] | None",
    ) -> None:
        self._window = window
        self._secret_store = secret_store
        self.dialog: QDialog | None = None  # the last one opened (tests look at it)
        entries = (
            ("&Welcome…", "welcomeAction", self.show_welcome, None),
            ("&Keyboard shortcuts…", "shortcutsAction", self.show_shortcuts, QKeySequence.StandardKey.HelpContents),
            ("&Diagnostics…", "diagnosticsAction", self.show_diagnostics, None),
            ("&About carbon_gui…", "aboutAction", self.show_about, None),
        )
        for text, name, slot, keys in entries:
            action = QAction(text, window)
            action.setObjectName(name)
            if keys is not None:
                action.setShortcut(keys)
            action.triggered.connect(lambda _=False, show=slot: show())
            help_menu.addAction(action)
        self.log_level_menu = settings_menu.addMenu("&Log level")
        self._add_log_levels(self.log_level_menu)

    def _add_log_levels(self, menu: QMenu) -> None:
        chosen = log_level(self._window.settings.log_level)
        group = QActionGroup(menu)
        for level in LOG_LEVELS:
            action = group.addAction(level.capitalize())
            action.setCheckable(True)
            action.setChecked(level == chosen)
            action.triggered.connect(lambda _=False, level=level: self._set_log_level(level))
            menu.addAction(action)
        if os.environ.get(LOG_LEVEL_ENV, "").strip().upper() in LOG_LEVELS:
            menu.setEnabled(False)  # the variable wins: the menu would only mislead
            menu.setTitle(f"&Log level (set by {LOG_LEVEL_ENV})")

    def _set_log_level(self, level: str) -> None:
        self._window.settings = dataclasses.replace(self._window.settings, log_level=level)
        set_level(level)

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def show_welcome_if_wanted(self) -> None:
        """At start-up: once on the first run, then each time while "Show at start-up" is ticked."""
        settings = self._window.settings
        if settings.show_welcome or not settings.welcome_seen:
            self.show_welcome()

    def show_welcome(self) -> None:
        from carbon_gui.ui.dialogs.welcome import WelcomeDialog

        dialog = WelcomeDialog(self._window.settings.show_welcome, self._window)
        dialog.show_at_start.toggled.connect(self._remember_welcome)
        self._remember_welcome(dialog.show_at_start.isChecked())  # seen, even if the app is closed with it open
        self._open(dialog)

    def _remember_welcome(self, show: bool) -> None:
        self._window.settings = dataclasses.replace(self._window.settings, welcome_seen=True, show_welcome=show)

    def show_shortcuts(self) -> None:
        from carbon_gui.ui.dialogs.shortcuts import ShortcutsDialog

        self._open(ShortcutsDialog(self._window))

    def show_diagnostics(self) -> None:
        from carbon_gui.ui.dialogs.diagnostics import DiagnosticsDialog

        self._open(DiagnosticsDialog(self._secret_store, self._window.settings.log_level, self._window))

    def show_about(self) -> None:
        from carbon_gui.ui.dialogs.about import AboutDialog

        self._open(AboutDialog(self._window))
