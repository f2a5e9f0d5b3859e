"""The line above the ranking: what was ranked, on which carbon figures, and why some regions were not."""

from collections import Counter
from html import escape

from carbon_gui.core.scoring import Assessment, Ranking
from carbon_gui.ui.formatting import plural
from carbon_gui.ui.live_labels import intensity_label

NO_COUNTRY_TICKED = (
    "No country is ticked for the named-countries rule, so it is not applied: "
    "choose countries under “Countries and trust tiers…”."
)
MAX_CAUSES = 3


def nothing_ranked_cause(assessment: Assessment, ranking: Ranking) -> str:
    """Why no region is ranked, from the Not-ranked reasons: the commonest data gaps (e.g. '45 regions: no forecast
    covering the run (endpoint not in your plan)'), how many break a limit, and what to change."""
    data_gaps = Counter(e.reason for e in assessment.excluded)
    refused = len(ranking.excluded) - len(assessment.excluded)  # rank() adds the limit and rule refusals
    causes = [f"{plural(count, 'region')}: {reason}" for reason, count in data_gaps.most_common(MAX_CAUSES)]
    if refused:
        causes.append(f"{plural(refused, 'region')} break a limit or the residency rule")
    advice = []
    live = assessment.live
    if live is not None and any(e.region.name in live.missing for e in assessment.excluded):
        advice.append("Choose another carbon figure (the yearly averages always exist).")
    if refused:
        advice.append("Loosen a limit or the residency rule.")
    return f"{'; '.join(causes)}. {' '.join(advice)}".strip()


def summary_html(assessment: Assessment, ranking: Ranking, live_problem: str | None, no_country_ticked: bool) -> str:
    scenario = assessment.scenario
    lines = [
        f"<b>{plural(len(ranking.ranked), 'region')} ranked</b> for {scenario.option.label}, "
        f"{scenario.hours:g} h, from {scenario.location.name}; "
        f"{len(ranking.excluded)} not ranked (see below). "
        f"Carbon figures: {intensity_label(assessment.live, scenario.carbon_year)}."
    ]
    if live_problem:
        lines.append(live_problem)
    if no_country_ticked:
        lines.append(NO_COUNTRY_TICKED)
    lines.extend(ranking.notes)
    if not ranking.ranked:
        lines.append(f"<b>No region can be ranked.</b> {escape(nothing_ranked_cause(assessment, ranking))}")
    return "<br>".join(lines)
