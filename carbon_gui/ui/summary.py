"""The line above the ranking: what was ranked, on which carbon figures, and why some regions were not."""

from carbon_gui.core.scoring import Assessment, Ranking
from carbon_gui.ui.formatting import plural
from carbon_gui.ui.live_labels import intensity_label

NO_COUNTRY_TICKED = (
    "No country is ticked for the named-countries rule, so it is not applied: "
    "choose countries under “Countries and trust tiers…”."
)


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
        lines.append("<b>No region meets every limit.</b> Loosen a limit or the residency rule.")
    return "<br>".join(lines)
