"""HADA hardware dimensioning: fit surrogates (scikit-learn) and solve with the trees embedded (OR-Tools CP-SAT).

The pure parts (dataset, request, surrogate trees, encoding, enumeration, answer) live in core.dimensioning;
this package holds what needs the heavy libraries, which load on first use. Entry points: `service`.
"""
