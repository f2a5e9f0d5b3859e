"""The HTTP stack's first import must not depend on the process-wide warning filters.

requests installs a filter that ignores urllib3's DependencyWarning, then imports urllib3.contrib.socks, which
warns when PySocks is missing. Code that swaps the filters on another thread meanwhile (`warnings.catch_warnings()`:
pyqtgraph on the GUI thread, google-auth on the pool) drops that filter, the warning becomes an error where warnings
are errors (the tests), and requests is left half-imported for the rest of the process. Light: no HTTP import here.
"""

import importlib.util
import sys

SOCKS_MODULE = "urllib3.contrib.socks"


def skip_absent_socks_support() -> None:
    """Without PySocks, make urllib3's SOCKS module fail to import at once, without a warning. requests then uses its
    own stub that says "Missing dependencies for SOCKS support", as it does anyway without PySocks."""
    if SOCKS_MODULE not in sys.modules and importlib.util.find_spec("socks") is None:
        sys.modules[SOCKS_MODULE] = None  # type: ignore[assignment]  # None: "import halted", an ImportError
