"""The Optimise page's answer in words and a table: hardware and configuration, each target's predicted value
(the surrogate's) with its margin, the binding limits, the raw check (measured runs), solver and time; or, when
infeasible, which limits conflict and how far each is from being met."""

from html import escape

from PySide6.QtWidgets import QTextBrowser, QWidget

from carbon_gui.core.dimensioning.answer import Answer
from carbon_gui.core.dimensioning.request import AT_MOST, MAXIMIZE, DimensionRequest
from carbon_gui.ui.hardware.constraint_editor import target_unit

SOLVER_NAMES = {"highs": "HiGHS", "cp-sat": "CP-SAT", "enumeration": "enumeration"}


def with_unit(value: float, target: str) -> str:
    """The value in the unit the target's name gives; a unitless target (a score, a ratio) stays a bare number."""
    unit = target_unit(target)
    return f"{value:.4g} {escape(unit)}" if unit else f"{value:.4g}"


class AnswerView(QTextBrowser):
    """Read-only rich text; selectable and copyable."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setAccessibleName("Answer")

    def show_nothing(self) -> None:
        self.setHtml("<p style='color:gray'>The answer appears here after <b>Optimise</b>.</p>")

    def show_answer(self, answer: Answer, request: DimensionRequest, fitted_here: list[str] | None = None) -> None:
        parts = [_feasible(answer, request) if answer.feasible else _infeasible(answer, request)]
        solver = SOLVER_NAMES.get(answer.solver, answer.solver)
        parts.append(f"<p>Solved by {escape(solver)} in {answer.solve_ms:.1f} ms (the main solve; the checks for "
                     "binding and conflicting limits are extra).</p>")  # fmt: skip
        notes = list(answer.notes)
        if fitted_here:
            notes.append(f"Fitted for this request (depth by cross-validation): {', '.join(fitted_here)}.")
        if notes:
            parts.append("<p><b>Notes</b></p><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>")
        self.setHtml("".join(parts))


# single words and numbers with their unit stay whole (Qt's rich text ignores the nowrap attribute, not the style)
NOWRAP = "style='white-space: nowrap'"


def _feasible(answer: Answer, request: DimensionRequest) -> str:
    where = f" in <b>{escape(answer.region)}</b>" if answer.region else ""
    config = ", ".join(f"{escape(k)} = {v}" for k, v in answer.configuration.items())
    objective = answer.objective
    word = "maximise" if objective.get("sense") == MAXIMIZE else "minimise"
    goal, goal_value = str(objective.get("target")), float(objective.get("value", 0.0))
    head = (
        f"<h3>{escape(answer.hardware or '')}{where}</h3>"
        f"<p>Configuration: <b>{config}</b><br>"
        f"Objective: {word} {escape(goal)} = {with_unit(goal_value, goal)} (predicted by the surrogate)</p>"
    )
    limits = {c.target: c for c in request.constraints}
    rows = [
        f"<tr><th align='left' {NOWRAP}>target</th><th align='right'>predicted by the surrogate</th>"
        f"<th align='right' {NOWRAP}>margin</th><th align='left' {NOWRAP}>limit</th>"
        f"<th align='left' {NOWRAP}>binds</th><th align='right'>measured: runs here meeting the limit</th></tr>"
    ]
    for target, value in answer.predicted.items():
        constraint = limits.get(target)
        margin = answer.margins.get(target)
        check = answer.raw_check.get(target)
        limit = f"{escape(constraint.sense)} {with_unit(constraint.bound, target)}" if constraint else "–"
        measured = "–" if constraint is None else ("no run at this configuration" if check is None else f"{check:.0%}")
        rows.append(
            f"<tr><td {NOWRAP}>{escape(target)}</td><td align='right' {NOWRAP}>{with_unit(value, target)}</td>"
            f"<td align='right' {NOWRAP}>{'–' if margin is None else '± ' + with_unit(margin, target)}</td>"
            f"<td {NOWRAP}>{limit}</td>"
            f"<td>{'yes' if target in answer.binding else ''}</td><td align='right'>{measured}</td></tr>"
        )
    table = "<table width='100%' cellspacing='0' cellpadding='4' border='1'>" + "".join(rows) + "</table>"
    binding = ", ".join(escape(t) for t in answer.binding) or "none"
    explain = (
        f"<p>Binding limits (relaxing one alone would improve the objective): {binding}.<br>"
        "<i>Predicted</i> values come from the surrogate models at this configuration; the <i>measured</i> share "
        "is of the raw benchmark runs at exactly this configuration, without the margin.</p>"
    )
    return head + table + explain + _models(answer)


def _models(answer: Answer) -> str:
    """Which surrogate predicted each target and how well it did in cross-validation."""
    lines = []
    for target, model in answer.surrogates.items():
        fitted_on = "" if model["fitted_on"] == target else f", fitted on {escape(model['fitted_on'])}"
        lines.append(
            f"<li>{escape(target)}: {escape(model['model'])}"
            f"{fitted_on}, cross-validated MAE {with_unit(model['cv_mae'], target)}, R² {model['cv_r2']:.3f}</li>"
        )
    return "<p><b>Surrogate models</b></p><ul>" + "".join(lines) + "</ul>" if lines else ""


def _infeasible(answer: Answer, request: DimensionRequest) -> str:
    text = ["<h3>No hardware and configuration meets every limit</h3>"]
    if not answer.conflicts:
        text.append("<p>Nothing to choose from: see the notes below.</p>")
        return "".join(text)
    conflicting = [c for c in request.constraints if c.target in answer.conflicts]
    text.append("<p>These limits cannot all be met together; relax or remove one of them:</p><ul>")
    for constraint in conflicting:
        distance = answer.conflict_distance.get(constraint.text())
        how_far = ""
        if distance is not None:
            reachable = constraint.bound + distance if constraint.sense == AT_MOST else constraint.bound - distance
            how_far = (
                f": the best reachable is {with_unit(distance, constraint.target)} beyond it: relax it to "
                f"{escape(constraint.sense)} {with_unit(reachable, constraint.target)} (the other limits of this set "
                "dropped, the rest kept, margin included)"
            )
        text.append(f"<li><b>{escape(constraint.target)} {escape(constraint.sense)} "
                    f"{with_unit(constraint.bound, constraint.target)}</b>{how_far}</li>")  # fmt: skip
    text.append("</ul>")
    return "".join(text)
