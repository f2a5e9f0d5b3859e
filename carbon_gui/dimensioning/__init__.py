"""HADA hardware dimensioning: fit surrogates (scikit-learn) and solve with the trees embedded (HiGHS or CP-SAT).

The pure parts (dataset, request, surrogate trees, encoding, enumeration, answer) live in core.dimensioning;
this package holds what needs the heavy libraries, which load on first use. Entry point: `service`.
"""

from carbon_gui.core.errors import UserFacingError

TIME_LIMIT_S = 30.0  # per solve; the HADA-sized models take milliseconds


class SolverError(UserFacingError):
    """The solver stopped without proving an answer (time limit)."""
