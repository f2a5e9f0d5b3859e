"""live_carbon: the ranking's live figures, with staleness judged per part and honest labels."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from carbon_gui.core.catalog import CarbonFigure
from carbon_gui.core.errors import InputError
from carbon_gui.core.live_carbon import live_carbon
from carbon_gui.core.provenance import Provenance
from carbon_gui.core.signals import (
    PART_FORECAST,
    PART_HISTORY,
    PART_LATEST,
    CarbonMode,
    FetchProblem,
    GridSignal,
    SignalKind,
    SignalPoint,
)

NOW = datetime(2026, 3, 2, 10, 40, tzinfo=UTC)
HOUR = timedelta(hours=1)
EM = "Electricity Maps"
YEARLY = {"europe-west4": CarbonFigure(300.0, 0.5, Provenance("Google region-carbon-info", "average", False, "2024"))}


def hourly(start: datetime, values: list[float]) -> tuple[SignalPoint, ...]:
    return tuple(SignalPoint(start + i * HOUR, v) for i, v in enumerate(values))


def em_signal(fetched_at: datetime = NOW, **changes) -> GridSignal:
    fields = {
        "latest": SignalPoint(datetime(2026, 3, 2, 10, tzinfo=UTC), 320.0, estimated=True),
        "forecast": hourly(datetime(2026, 3, 2, 10, tzinfo=UTC), [300.0, 200.0, 100.0, 100.0, 100.0, 100.0, 100.0]),
        "part_times": {PART_LATEST: fetched_at, PART_FORECAST: fetched_at, PART_HISTORY: fetched_at},
    }
    fields.update(changes)
    return GridSignal("NL", EM, SignalKind.AVERAGE_LIFECYCLE, fetched_at, **fields)


def watttime_signal(fetched_at: datetime = NOW, estimated: bool = False, **changes) -> GridSignal:
    period = datetime(2026, 3, 2, 10, 35, tzinfo=UTC)
    forecast = tuple(SignalPoint(period + timedelta(minutes=5 * i), 400.0 + i, estimated) for i in range(12 * 8))
    # as the fetch layer builds it: no recent measured MOER, so latest is the current period's forecast, flagged
    current = replace(forecast[0], estimated=True)
    fields = {"latest": current, "forecast": forecast, "part_times": {PART_FORECAST: fetched_at}}
    fields.update(changes)
    return GridSignal("CAISO_NORTH", "WattTime", SignalKind.MARGINAL, fetched_at, **fields)


def one(signal: GridSignal, mode: CarbonMode, hours: float = 1.0, stale_after_s: float | None = 1800.0):
    return live_carbon({"europe-west4": signal}, ["europe-west4"], mode, YEARLY, NOW, hours, stale_after_s)


def figure(signal: GridSignal, mode: CarbonMode = CarbonMode.LATEST, **kwargs) -> CarbonFigure:
    live = one(signal, mode, **kwargs)
    assert live.missing == {}, live.missing
    return live.figures["europe-west4"]


def test_latest_value_with_its_own_time_age_and_provenance():
    result = figure(em_signal())
    assert result.intensity_gco2_kwh == 320.0
    assert result.cfe_share == 0.5
    p = result.provenance
    assert p.source == EM and p.kind == "average, lifecycle" and p.estimated
    assert p.as_of == "estimate for 2026-03-02 10:00 UTC, 40 min old"
    assert "STALE" not in p.label()


def test_a_fresh_measured_latest_is_a_value_not_an_estimate():
    result = figure(em_signal(latest=SignalPoint(datetime(2026, 3, 2, 10, tzinfo=UTC), 320.0)))
    assert not result.provenance.estimated
    assert result.provenance.as_of.startswith("value for 2026-03-02 10:00 UTC")


def test_a_kept_latest_after_a_failed_fetch_is_stale():
    earlier = em_signal(NOW - timedelta(minutes=15))
    failed = GridSignal(
        "NL",
        EM,
        SignalKind.AVERAGE_LIFECYCLE,
        NOW,
        forecast=em_signal().forecast,
        problems=(FetchProblem("carbon-intensity/latest", "key rejected"),),
        part_times={PART_FORECAST: NOW},
    )
    merged = earlier.merged(failed)
    latest = figure(merged).provenance.as_of
    assert "STALE: kept from the fetch of 2026-03-02 10:25 UTC" in latest
    assert "key rejected" in latest
    forecast = figure(merged, CarbonMode.FORECAST_MEAN).provenance.as_of
    assert "STALE" not in forecast  # the forecast part came with this fetch


def test_a_kept_latest_without_a_reported_problem_is_stale_too():
    earlier = em_signal(NOW - timedelta(minutes=15))
    null_latest = em_signal(latest=SignalPoint(NOW, None), part_times={PART_LATEST: NOW, PART_FORECAST: NOW})
    as_of = figure(earlier.merged(null_latest)).provenance.as_of
    assert "STALE: kept from the fetch of 2026-03-02 10:25 UTC" in as_of


def test_a_problem_on_the_latest_endpoint_marks_it_stale_without_part_times():
    problem = FetchProblem("carbon-intensity/latest", "offline")
    signal = em_signal(problems=(problem,), part_times={})
    assert "STALE" in figure(signal).provenance.as_of
    assert "STALE" not in figure(signal, CarbonMode.FORECAST_MEAN).provenance.as_of


def test_a_failed_forecast_marks_only_the_forecast_stale():
    signal = em_signal(problems=(FetchProblem("carbon-intensity/forecast", "rate-limited"),))
    assert "STALE" not in figure(signal).provenance.as_of
    assert "STALE" in figure(signal, CarbonMode.FORECAST_MEAN).provenance.as_of
    assert "rate-limited" in figure(signal, CarbonMode.FORECAST_MEAN).provenance.as_of


def test_a_part_received_longer_ago_than_the_limit_is_stale():
    old = NOW - timedelta(minutes=45)
    signal = em_signal(old)
    assert "STALE: received 2026-03-02 09:55 UTC, 45 min old" in figure(signal).provenance.as_of
    assert "STALE" not in figure(signal, stale_after_s=3600.0).provenance.as_of
    assert "STALE" not in figure(signal, stale_after_s=None).provenance.as_of


def test_staleness_follows_each_parts_own_receive_time():
    signal = em_signal(part_times={PART_LATEST: NOW, PART_FORECAST: NOW - 2 * HOUR})
    assert "STALE" not in figure(signal).provenance.as_of
    forecast = figure(signal, CarbonMode.FORECAST_MEAN).provenance.as_of
    assert "forecast received 2026-03-02 08:40 UTC, 2 h old" in forecast
    assert "STALE: received 2026-03-02 08:40 UTC, 2 h old" in forecast  # not "kept": no fetch failed to bring it


def test_forecast_mean_over_the_run_including_the_current_hour():
    result = figure(em_signal(), CarbonMode.FORECAST_MEAN)
    assert result.intensity_gco2_kwh == pytest.approx((300 * 20 + 200 * 40) / 60)
    p = result.provenance
    assert p.estimated and p.kind == "average, lifecycle, forecast"
    assert p.as_of == (
        "forecast mean over the next 1 h from 2026-03-02 10:40 UTC; forecast received 2026-03-02 10:40 UTC, 0 min old"
    )


def test_forecast_mean_shorter_than_the_run_says_so():
    as_of = figure(em_signal(), CarbonMode.FORECAST_MEAN, hours=8.0).provenance.as_of
    assert as_of.startswith("forecast mean over the 6.3 h the forecast covers (run is 8 h)")


def test_missing_reasons():
    no_latest = em_signal(latest=None, problems=(FetchProblem("carbon-intensity/latest", "key rejected"),))
    assert one(no_latest, CarbonMode.LATEST).missing == {"europe-west4": "no latest value (key rejected)"}
    null_latest = em_signal(latest=SignalPoint(NOW, None))
    assert one(null_latest, CarbonMode.LATEST).missing == {"europe-west4": "no latest value (the provider sent none)"}
    short = em_signal(forecast=hourly(NOW, [1.0]))
    assert one(short, CarbonMode.FORECAST_MEAN, hours=6.0).missing == {
        "europe-west4": "no forecast covering the run (forecast too short)"
    }
    refused = em_signal(forecast=(), problems=(FetchProblem("carbon-intensity/forecast", "endpoint not in your plan"),))
    assert one(refused, CarbonMode.FORECAST_MEAN).missing == {
        "europe-west4": "no forecast covering the run (endpoint not in your plan)"
    }
    live = live_carbon({}, ["europe-west4"], CarbonMode.LATEST, YEARLY, NOW, 1.0)
    assert live.missing == {"europe-west4": "no live signal for this region's grid zone"}
    assert live.figures == {}


def test_mixed_kinds_raise():
    signals = {"europe-west4": em_signal(), "us-west1": watttime_signal()}
    with pytest.raises(InputError, match="different kinds"):
        live_carbon(signals, list(signals), CarbonMode.LATEST, YEARLY, NOW, 1.0)


def test_yearly_mode_is_not_live():
    with pytest.raises(InputError):
        live_carbon({"europe-west4": em_signal()}, ["europe-west4"], CarbonMode.YEARLY, YEARLY, NOW, 1.0)


def test_watttime_latest_is_labelled_a_forecast_of_the_current_period():
    result = figure(watttime_signal())
    p = result.provenance
    assert result.intensity_gco2_kwh == 400.0
    assert p.estimated  # not flagged by WattTime, but a forecast is an estimate
    assert p.kind == "marginal (MOER)"
    assert p.as_of == "forecast for the current period, from 2026-03-02 10:35 UTC, 5 min old"
    assert "published figure" not in p.label() and "estimate" in p.label()


def test_watttime_failed_forecast_makes_the_kept_latest_stale():
    earlier = watttime_signal(NOW - timedelta(minutes=10))
    failed = GridSignal(
        "CAISO_NORTH", "WattTime", SignalKind.MARGINAL, NOW, problems=(FetchProblem("forecast", "offline"),)
    )
    merged = earlier.merged(failed)
    assert merged.latest == earlier.latest
    as_of = figure(merged).provenance.as_of
    assert "STALE: kept from the fetch of 2026-03-02 10:30 UTC" in as_of and "offline" in as_of


def test_watttime_forecast_mean_uses_five_minute_steps():
    result = figure(watttime_signal(estimated=True), CarbonMode.FORECAST_MEAN)
    # run 10:40-11:40: points 10:40 (i=1) .. 11:35 (i=12), each 5 min
    assert result.intensity_gco2_kwh == pytest.approx(sum(400.0 + i for i in range(1, 13)) / 12)
    assert result.provenance.estimated


def replay_signal() -> GridSignal:
    hour = datetime(2026, 3, 2, 10, tzinfo=UTC)
    points = hourly(hour, [50.0, 70.0, 90.0])
    source = "Electricity Maps 2024 replay (bundled)"
    return GridSignal(
        "SE-SE3", source, SignalKind.AVERAGE_LIFECYCLE, NOW, latest=points[0], forecast=points, is_replay=True
    )


def test_replay_labels_say_replay_not_live_or_forecast():
    latest = figure(replay_signal()).provenance
    assert latest.as_of == "2024 replay of this date and hour (not live), shown for 10:00 UTC"
    assert not latest.estimated
    mean = figure(replay_signal(), CarbonMode.FORECAST_MEAN, hours=2.0)
    assert mean.intensity_gco2_kwh == pytest.approx((50 * 20 + 70 * 60 + 90 * 40) / 120)
    assert mean.provenance.kind == "average, lifecycle, replayed hours"
    assert mean.provenance.as_of == "mean of the 2024 replay over the next 2 h from 10:40 UTC (not a forecast)"
    assert not mean.provenance.estimated
