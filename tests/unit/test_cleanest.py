"""core.cleanest and core.report over the bundled catalog."""

import json

import pytest

from carbon_gui.core.cleanest import cleanest_regions
from carbon_gui.core.errors import InputError
from carbon_gui.core.geo import Location
from carbon_gui.core.report import ranking_dict
from carbon_gui.core.scoring import Constraints
from carbon_gui.core.weights import Weights
from carbon_gui.planning import PlanRequest, parse_accelerator, plan


def test_cleanest_2024_is_europe_north2(catalog) -> None:
    rows = cleanest_regions(catalog, 2024)
    region, figure = rows[0]
    assert region.name == "europe-north2"
    assert figure.intensity_gco2_kwh == pytest.approx(2.73)
    intensities = [f.intensity_gco2_kwh for _, f in rows]
    assert intensities == sorted(intensities)
    # asia-southeast3 has no 2024 figure: left out, not put first with a zero.
    assert "asia-southeast3" not in {r.name for r, _ in rows}
    assert len(rows) == 44


def test_cleanest_vertex_only(catalog) -> None:
    rows = cleanest_regions(catalog, 2024, vertex_only=True)
    assert all(r.vertex_supported for r, _ in rows)
    assert len(rows) < len(cleanest_regions(catalog, 2024))


def test_cleanest_unknown_year(catalog) -> None:
    with pytest.raises(InputError, match="1999"):
        cleanest_regions(catalog, 1999)


def test_parse_accelerator() -> None:
    assert parse_accelerator(None) == (None, 0)
    assert parse_accelerator("") == (None, 0)
    assert parse_accelerator("nvidia-tesla-t4") == ("nvidia-tesla-t4", 1)
    assert parse_accelerator("nvidia-tesla-t4:4") == ("nvidia-tesla-t4", 4)
    with pytest.raises(InputError, match="TYPE:COUNT"):
        parse_accelerator("nvidia-tesla-t4:two")


def test_report_is_strict_json_and_matches_the_ranking(reference) -> None:
    request = PlanRequest("a2-highgpu-1g", 12.0, Location("Paris", 48.85, 2.35))
    ranking = plan(reference, request, Weights(), Constraints())
    data = ranking_dict(ranking, {"machine": "a2-highgpu-1g"})
    text = json.dumps(data, allow_nan=False)  # no NaN or Infinity sneaks into the output
    back = json.loads(text)
    assert back["machine"] == "a2-highgpu-1g"
    assert [r["region"] for r in back["ranked"]] == [s.name for s in ranking.ranked]
    for row, s in zip(back["ranked"], ranking.ranked, strict=True):
        assert row["score"] == pytest.approx(s.score, abs=1e-6)
        assert row["emissions_kgco2e"] == pytest.approx(s.facts.emissions_kg, abs=1e-4)
        total = sum(c["contribution"] for c in row["criteria"].values())
        assert total == pytest.approx(row["score"], abs=1e-5)
    assert set(back["sources"]) == {"intensity", "price", "energy", "latency"}


def test_unknown_machine_suggests_similar(catalog) -> None:
    with pytest.raises(InputError) as info:
        catalog.machine_option("a2-highgpu-3g")
    assert "a2-highgpu-1g" in str(info.value)
    assert "carbon-gui machines" in str(info.value)


@pytest.mark.parametrize(
    ("machine", "gpu", "count", "words"),
    [
        ("a2-highgpu-1g", "nvidia-tesla-t4", 1, ["cannot be attached", "none"]),
        ("n1-standard-8", "nvidia-l4", 1, ["cannot be attached", "nvidia-tesla-t4"]),
        ("n1-standard-8", "nvidia-tesla-t4", 3, ["1, 2, 4 or 8"]),
    ],
)
def test_bad_accelerator_combinations(catalog, machine, gpu, count, words) -> None:
    with pytest.raises(InputError) as info:
        catalog.machine_option(machine, gpu, count)
    for word in words:
        assert word in str(info.value)


def test_unknown_region(catalog) -> None:
    with pytest.raises(InputError, match="mars-north1"):
        catalog.region("mars-north1")
