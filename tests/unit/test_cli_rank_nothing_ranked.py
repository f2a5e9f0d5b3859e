"""`carbon-gui rank` with a limit no region meets printed the table's header over no rows; it now says that no region
is ranked and where the reasons are, as the window's headline does. The real command on the bundled data."""

from carbon_gui.cli import main


def test_rank_with_no_region_ranked_says_so_instead_of_an_empty_table(capsys) -> None:
    code = main(["rank", "--machine", "n1-standard-8", "--hours", "2", "--max-emissions", "0.0001"])
    out = capsys.readouterr().out
    assert code == 0
    assert "score" not in out.splitlines()[0], "no header over no rows"
    left_out = int(out.split("Not ranked (")[1].split(")")[0])
    assert out.startswith(
        f"No region is ranked: each of the {left_out} regions is listed under Not ranked with its reason"
    )
    assert "is above the maximum 100 mg" in out


def test_rank_with_regions_ranked_keeps_its_table(capsys) -> None:
    assert main(["rank", "--machine", "n1-standard-8", "--hours", "2"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "region" in first and "score" in first
