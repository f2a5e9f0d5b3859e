"""LiveData.is_stale against hand-made signals: core's STALE rule (per part), with the refresh period as the limit."""

from datetime import UTC, datetime, timedelta

import pytest

from carbon_gui.core.signals import PART_FORECAST, PART_LATEST, FetchProblem, GridSignal, SignalKind, SignalPoint
from carbon_gui.ui.live_data import LiveData

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def signal(received: datetime, fetched: datetime | None = None, problems=(), **parts) -> GridSignal:
    latest = SignalPoint(received - timedelta(minutes=5), 120.0)
    return GridSignal(
        zone="NL", source="Electricity Maps", kind=SignalKind.AVERAGE_LIFECYCLE, fetched_at=fetched or received,
        latest=latest, problems=tuple(problems), part_times={PART_LATEST: received, **parts},
    )  # fmt: skip


@pytest.fixture
def live(qtbot) -> LiveData:
    data = LiveData(service=None, tasks=None)  # is_stale needs neither
    data.set_refresh_minutes(15)
    data.timer.stop()
    return data


def test_a_value_received_within_two_refresh_periods_is_fresh(live):
    assert live.stale_after_s == 30 * 60
    assert not live.is_stale(signal(NOW - timedelta(minutes=29)), NOW)


def test_a_value_received_longer_ago_than_two_refresh_periods_is_stale(live):
    assert live.is_stale(signal(NOW - timedelta(minutes=31)), NOW)
    live.set_refresh_minutes(60)  # a longer period moves the limit
    live.timer.stop()
    assert not live.is_stale(signal(NOW - timedelta(minutes=31)), NOW)


def test_a_value_kept_from_an_earlier_fetch_is_stale_even_when_recent(live):
    kept = signal(NOW - timedelta(minutes=10), fetched=NOW - timedelta(minutes=1),
                  problems=[FetchProblem("carbon-intensity/latest", "key rejected")])  # fmt: skip
    assert live.is_stale(kept, NOW)


def test_a_failed_forecast_does_not_make_the_latest_value_stale(live):
    refused = [FetchProblem("forecast", "endpoint not in your plan")]
    forecast_received = {PART_FORECAST: NOW - timedelta(hours=5)}
    other_part_failed = signal(NOW - timedelta(minutes=1), problems=refused, **forecast_received)
    assert not live.is_stale(other_part_failed, NOW)


def test_a_signal_without_a_latest_value_is_not_called_stale(live):
    empty = GridSignal(zone="NL", source="Electricity Maps", kind=SignalKind.AVERAGE_LIFECYCLE,
                       fetched_at=NOW - timedelta(days=2))  # fmt: skip
    assert not live.is_stale(empty, NOW)
