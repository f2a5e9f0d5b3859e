"""Issue 11 item 14: with no region ranked, 'Why this score' asked the user to select a region, though there was none
to select. It says why there is nothing to explain and where the reasons are."""

from carbon_gui.ui.main_window import MainWindow


def test_why_this_score_with_no_ranked_region_points_to_the_reasons(qtbot, window: MainWindow):
    window.constraints_panel.max_emissions.setValue(0.01)  # every region breaks it
    qtbot.waitUntil(lambda: not window.ranking.ranked, timeout=3000)
    text = window.details.toPlainText()
    assert "Select a region" not in text, text
    excluded = len(window.ranking.excluded)
    assert f"No region is ranked, so there is no score to explain. The {excluded} regions are under Not ranked" in text
    assert "with the reason each one is left out" in text
    window.constraints_panel.max_emissions.setValue(0)  # "no limit" again: ranked regions, the first one selected
    qtbot.waitUntil(lambda: bool(window.ranking.ranked), timeout=3000)
    assert "No region is ranked" not in window.details.toPlainText()
