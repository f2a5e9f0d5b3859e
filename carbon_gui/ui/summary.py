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
    live_missing = assessment.live.missing if assessment.live is not None else {}
    # the region's own name is left out so that "... not offered in asia-east1" and "... in africa-south1" add up;
    # live-data gaps come first: the regions without the machine would not be ranked anyway
    live_gap = {e.region.name for e in assessment.excluded if live_missing.get(e.region.name) == e.reason}
    data_gaps = Counter(
        (e.region.name not in live_gap, e.reason.replace(e.region.name, "this region")) for e in assessment.excluded
    )
    refused = len(ranking.excluded) - len(assessment.excluded)  # rank() adds the limit and rule refusals
    ordered = sorted(data_gaps.items(), key=lambda item: (item[0][0], -item[1]))[:MAX_CAUSES]
    causes = [f"{plural(count, 'region')}: {reason}" for (_, reason), count in ordered]
    if refused:
        causes.append(f"{plural(refused, 'region')} break a limit or the residency rule")
    advice = []
    if live_gap:
        advice.append("Choose another carbon figure, such as Google's yearly averages.")
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
        cause = escape(nothing_ranked_cause(assessment, ranking), quote=False)
        lines.append(f"<b>No region can be ranked.</b> {cause}")
    return "<br>".join(lines)
