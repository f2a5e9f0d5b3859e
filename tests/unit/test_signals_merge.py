"""GridSignal.merged keeps the last good data when a newer fetch brings nulls or nothing."""

from datetime import UTC, datetime, timedelta

from carbon_gui.core.signals import FetchProblem, GridSignal, SignalKind, SignalPoint

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


def signal(latest: SignalPoint | None, problems=()) -> GridSignal:
    return GridSignal("DE", "Electricity Maps", SignalKind.AVERAGE_LIFECYCLE, T0, latest=latest, problems=problems)


def test_a_null_latest_does_not_replace_a_good_value():
    good = signal(SignalPoint(T0, 300.0))
    merged = good.merged(signal(SignalPoint(T0 + timedelta(hours=1), None)))
    assert merged.latest == SignalPoint(T0, 300.0)


def test_a_failed_latest_keeps_the_old_value_and_reports_the_problem():
    problem = FetchProblem("carbon-intensity/latest", "key rejected")
    merged = signal(SignalPoint(T0, 300.0)).merged(signal(None, (problem,)))
    assert merged.latest == SignalPoint(T0, 300.0) and merged.problems == (problem,)


def test_a_newer_good_value_wins():
    newer = SignalPoint(T0 + timedelta(hours=1), 250.0)
    assert signal(SignalPoint(T0, 300.0)).merged(signal(newer)).latest == newer
