"""The bundled Natural Earth country borders load through the one loader, and a broken copy names its file."""

import shutil
from pathlib import Path

import pytest

from carbon_gui.core.errors import DataError
from carbon_gui.sources.reference import bundled_data_dir, load_country_borders

NAME = "ne_110m_admin_0_countries.geojson"


def test_the_bundled_borders_have_every_country_as_closed_rings():
    rings = load_country_borders()
    assert len(rings) >= 177  # 177 countries, some with islands
    assert sum(len(ring) for ring in rings) > 10_000
    assert all(ring[0] == ring[-1] for ring in rings)  # GeoJSON rings are closed
    # France's mainland ring holds Paris's longitude and latitude within its bounding box
    assert any(
        min(x for x, _ in r) < 2.35 < max(x for x, _ in r) and min(y for _, y in r) < 48.85 < max(y for _, y in r)
        for r in rings
        if len(r) > 20
    )


def test_the_bundled_copy_keeps_only_the_geometry_and_names(tmp_path: Path):
    text = (bundled_data_dir() / NAME).read_text(encoding="utf-8")
    assert '"ISO_A3"' in text and '"NAME"' in text and '"POP_EST"' not in text  # trimmed: small to ship and load


@pytest.mark.parametrize("text", [None, "not json", '{"features": [{"geometry": {"type": "Polygon"}}]}'])
def test_a_missing_or_broken_copy_is_a_data_error_naming_the_file(tmp_path: Path, text: str | None):
    if text is not None:
        (tmp_path / NAME).write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=NAME):
        load_country_borders(tmp_path)


def test_the_loader_reads_a_given_folder(tmp_path: Path):
    shutil.copy(bundled_data_dir() / NAME, tmp_path / NAME)
    assert load_country_borders(tmp_path) == load_country_borders()
