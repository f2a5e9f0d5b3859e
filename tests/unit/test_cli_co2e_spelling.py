"""Issue 11 item 14 (CO2e spelled one way), for the CLI: `cleanest` printed "gCO2eq/kWh" where `rank` prints
"gCO2e/kWh" for the same figures. The terminal keeps plain ASCII, one spelling."""

from carbon_gui.cli import main


def test_cleanest_and_rank_name_the_intensity_unit_the_same_way(capsys) -> None:
    assert main(["cleanest"]) == 0
    cleanest = capsys.readouterr().out
    assert main(["rank", "--machine", "n1-standard-8", "--hours", "2", "--from", "48.85, 2.35"]) == 0
    ranked = capsys.readouterr().out
    assert "gCO2e/kWh" in ranked
    first_line = cleanest.splitlines()[0]
    assert first_line.endswith(" gCO2e/kWh"), first_line
    assert "CO2eq" not in cleanest
