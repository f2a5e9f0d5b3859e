"""Help menu through the window's own actions: welcome once on the first run, About from NOTICE.md, Diagnostics
without a key, and a shortcuts table that follows the window's actions."""

import pytest
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication

from carbon_gui.app import show_welcome_on_first_run
from carbon_gui.settings import UserSettings, load_settings
from carbon_gui.sources.reference import bundled_data_dir
from carbon_gui.ui.dialogs.about import ODBL_ATTRIBUTION
from carbon_gui.ui.dialogs.shortcuts import shortcut_rows
from tests.ui.conftest import open_window
from tests.ui_help.conftest import assert_no_sentinel, services_with


def trigger(window, name: str):
    window.findChild(QAction, name).trigger()
    dialog = window.help_menu.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def ranked_window(qtbot, settings: UserSettings | None = None, services=None):
    window = open_window(qtbot, settings, services)
    qtbot.waitUntil(lambda: window.ranking is not None, timeout=15000)
    return window


def test_the_welcome_shows_once_and_then_only_while_its_box_is_ticked(qtbot):
    window = ranked_window(qtbot)  # a first run: no settings file
    show_welcome_on_first_run(window)
    qtbot.waitUntil(lambda: window.help_menu.dialog is not None, timeout=3000)
    welcome = window.help_menu.dialog
    for what in ("offline", "Settings → Keys", "keyring", "Settings → Google Cloud", "Electricity Maps", "2021–2024"):
        assert what in welcome.text.text(), what
    assert not welcome.show_at_start.isChecked()
    welcome.close()
    window.close()
    saved = load_settings()
    assert saved.welcome_seen and not saved.show_welcome

    second = ranked_window(qtbot, saved)  # the next start: nothing shows
    show_welcome_on_first_run(second)
    qtbot.wait(50)
    assert second.help_menu.dialog is None
    # Help → Welcome still reaches it; ticking the box brings it back at every start
    welcome = trigger(second, "welcomeAction")
    welcome.show_at_start.setChecked(True)
    welcome.close()
    second.close()
    third = ranked_window(qtbot, load_settings())
    show_welcome_on_first_run(third)
    qtbot.waitUntil(lambda: third.help_menu.dialog is not None, timeout=3000)
    assert third.help_menu.dialog.show_at_start.isChecked()
    third.help_menu.dialog.close()
    third.close()


def test_about_names_the_version_the_price_date_and_the_odbl_attribution_from_notice(qtbot):
    window = open_window(qtbot)
    about = trigger(window, "aboutAction")
    header = about.header.text()
    notice = (bundled_data_dir() / "NOTICE.md").read_text(encoding="utf-8")
    assert ODBL_ATTRIBUTION in notice, "the attribution shown is the one NOTICE.md requires"
    assert ODBL_ATTRIBUTION in header and "ODbL" in header
    assert "carbon_gui 0." in header or "carbon_gui 1." in header  # the installed version, from importlib.metadata
    assert "2026-07-30" in header and "2026-07-30" in notice  # the price data's date, read from NOTICE.md
    assert "2019–2024" in header  # the yearly region files bundled
    shown = about.notice.toPlainText()
    assert "water_factors.csv" in shown and "Natural Earth" in shown  # the whole NOTICE, not a summary
    about.close()
    window.close()


def test_diagnostics_show_paths_versions_and_backend_but_never_a_key(qtbot, log_dir, sentinel_store):
    window = open_window(qtbot, services=services_with(sentinel_store))
    dialog = trigger(window, "diagnosticsAction")
    text = dialog.text.toPlainText()
    for expected in ("Python:", "PySide6:", "pyqtgraph:", "Qt:", "Platform:", "Keyring:", "settings.json",
                     "jobs.sqlite3", str(log_dir), "prices as of 2026-07-30", "Live data cache: empty",
                     "level WARNING", "CARBON_GUI_ELECTRICITYMAPS_TOKEN"):  # fmt: skip
        assert expected in text, expected
    assert "not installed" not in text, "every version is found, whichever PySide6 distribution is installed"
    assert_no_sentinel(text)
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == text
    assert_no_sentinel(QApplication.clipboard().text())
    dialog.close()
    window.close()


def test_the_log_level_menu_is_saved_and_the_variable_overrides_it(qtbot, monkeypatch):
    window = ranked_window(qtbot)
    debug = next(a for a in window.help_menu.log_level_menu.actions() if a.text() == "Debug")
    debug.trigger()
    window.close()
    assert load_settings().log_level == "DEBUG"
    monkeypatch.setenv("CARBON_GUI_LOG_LEVEL", "error")
    other = open_window(qtbot, load_settings())
    menu = other.help_menu.log_level_menu
    assert not menu.isEnabled() and "CARBON_GUI_LOG_LEVEL" in menu.title()
    assert next(a for a in menu.actions() if a.isChecked()).text() == "Error"
    other.close()


@pytest.mark.parametrize("added", [False, True])
def test_the_shortcuts_table_follows_the_windows_actions(qtbot, added):
    window = open_window(qtbot)
    if added:  # a shortcut added later appears without anyone editing a list
        extra = QAction("Frobnicate the ranking", window)
        extra.setShortcut(QKeySequence("Ctrl+Shift+F"))
        window.view_menu.addAction(extra)
        zoom = QShortcut(QKeySequence("Ctrl+Shift+Z"), window.map)  # a page's own key, outside the menus
        zoom.setWhatsThis("Zoom the map")
    dialog = trigger(window, "shortcutsAction")
    cells = {tuple(dialog.table.item(r, c).text() for c in range(3)) for r in range(dialog.table.rowCount())}
    assert cells == set(shortcut_rows(window))
    assert any(row[0] == "Ranking" and row[1] == "View" and row[2] == "Ctrl+1" for row in cells)
    # Quit has a key even where the platform has no standard one for it (Windows; Qt's offscreen platform here)
    assert any(row[0] == "Quit" and row[1] == "File" and row[2] for row in cells)
    assert any(row[0] == "Keyboard shortcuts" and row[1] == "Help" for row in cells)
    assert (("Frobnicate the ranking", "View", "Ctrl+Shift+F") in cells) is added
    assert (("Zoom the map", "Map", "Ctrl+Shift+Z") in cells) is added  # where: the tab holding it
    dialog.close()
    window.close()
