"""Explains one region's score: each criterion's normalised value × weight, and the raw figures."""

from collections.abc import Callable, Sequence
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTextBrowser, QWidget

from carbon_gui.core.catalog import PRICE_PROVENANCE
from carbon_gui.core.energy import POWER_PROVENANCE
from carbon_gui.core.geo import LATENCY_METHOD
from carbon_gui.core.scoring import ScoredRegion
from carbon_gui.ui.formatting import fmt, fmt_mass, fmt_money, place, plural
from carbon_gui.ui.live_labels import cfe_provenance

RAW_FORMAT: dict[str, Callable[[float | None], str]] = {
    "carbon": fmt_mass,
    "cost": lambda v: fmt_money(v),
    "security": lambda v: fmt(v, 2, "(trust score)"),
    "latency": lambda v: "~" + fmt(v, 0, "ms"),
}


class ScoreDetails(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenExternalLinks(False)
        self.setAccessibleName("Score details")
        self.show_region(None)

    def show_region(
        self, scored: ScoredRegion | None, notes: Sequence[str] = (), carbon_year: int | None = None
    ) -> None:
        """`notes`: lines about the region that are not part of its score (e.g. WattTime's signal-index);
        `carbon_year`: the year of Google's figures, which the CFE share always comes from."""
        if scored is None:
            self._set_html("<p><i>Select a region in the table or on the map to see why it scores as it does.</i></p>")
            return
        self._show_scored(scored, notes, carbon_year)

    def show_nothing_ranked(self, excluded: int) -> None:
        """No region to select: say why there is no score, and where the reasons are."""
        self._set_html(f"<p><i>No region is ranked, so there is no score to explain. The "
                       f"{plural(excluded, 'region')} are under Not ranked, with the reason each one is left out; the "
                       "headline above the tabs names the main cause.</i></p>")  # fmt: skip

    def _show_scored(self, scored: ScoredRegion, notes: Sequence[str], carbon_year: int | None) -> None:
        f = scored.facts
        region = f.region
        j = region.jurisdiction
        rows = "".join(
            f"<tr><td>{c.criterion}</td><td align=right>{RAW_FORMAT[c.criterion](c.raw)}</td>"
            f"<td align=right>{c.normalised:.3f}</td><td align=right>× {c.weight:.3f}</td>"
            f"<td align=right>= {c.contribution:.3f}</td></tr>"
            for c in scored.criteria
        )
        cfe = "—" if f.carbon.cfe_share is None else f"{f.carbon.cfe_share * 100:.0f} %"
        eu = "EU/EEA" if j.in_eu_eea else f"outside the EU/EEA; EU adequacy: {j.eu_adequacy}"
        price = fmt_money(f.price.usd_per_hour, "/h")
        extra = "".join(f"<li>{escape(note)}</li>" for note in notes)
        self._set_html(
            f"<h3>#{scored.rank} {escape(region.name)} — {escape(place(region.location, j.country))}</h3>"
            f"<p>Score <b>{scored.score * 100:.1f}</b> / 100 = sum of normalised value × weight:</p>"
            "<table cellspacing=0 cellpadding=3 border=1>"
            "<tr><th>criterion</th><th>raw</th><th>normalised</th><th>weight</th><th>part</th></tr>"
            f"{rows}<tr><td colspan=4><b>total</b></td><td align=right><b>{scored.score:.3f}</b></td></tr></table>"
            "<p><small>Carbon, cost and latency are scaled over the ranked regions (best 1, worst 0); "
            "security is the trust tier's score.</small></p>"
            "<h4>Figures behind it</h4><ul>"
            f"<li>Grid intensity <b>{f.intensity:.1f} gCO₂e/kWh</b> — {escape(f.carbon.provenance.label())}</li>"
            f"<li>Google CFE {cfe} — {escape(cfe_provenance(carbon_year).label())}; shown for reference, "
            "not in the carbon score</li>"
            f"<li>Power <b>{f.power.total_watts:,.0f} W</b> (CPU {f.power.cpu_watts:,.0f} W, memory "
            f"{f.power.memory_watts:,.0f} W, GPU {f.power.gpu_watts:,.0f} W) — estimate: "
            f"{escape(POWER_PROVENANCE.kind)}</li>"
            f"<li>PUE {region.pue:.2f} — {escape(region.pue_provenance.label())}</li>"
            f"<li>Energy <b>{f.energy_kwh:,.1f} kWh</b>, emissions <b>{fmt_mass(f.emissions_kg)}</b>"
            " — estimates</li>"
            f"<li>Price {price}, run cost {fmt_money(f.cost_usd)} — {escape(f.price.note)}; "
            f"{escape(PRICE_PROVENANCE.kind)}</li>"
            f"<li>Latency ~{fmt(f.latency_ms, 0, 'ms')} — {escape(LATENCY_METHOD)}</li>"
            f"<li>Security tier <b>{escape(scored.security_tier)}</b> — {escape(j.country)}: {escape(eu)}"
            f"{' (' + escape(j.note) + ')' if j.note else ''}</li>"
            "</ul>"
            + (f"<h4>Also known about this region</h4><ul>{extra}</ul>" if extra else "")
        )

    def _set_html(self, html: str) -> None:
        """setHtml, keeping a shown scroll bar while the text is replaced: the emptied document dropped it and the
        new one brought it back, laying the text out twice (~5 of the ~6 ms each slider step spent here)."""
        bar_shown = self.verticalScrollBar().isVisible()
        if bar_shown:
            self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setHtml(html)
        if bar_shown:  # back to as needed: a text that fits hides the bar, as before
            self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
