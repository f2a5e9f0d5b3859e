"""Run a fake Electricity Maps in its own process, so its CPU does not compete with the client
for the GIL (a real provider's CPU is not ours). Prints 'URL TOKEN', serves until stdin closes.

    python benchmarks/fake_server_process.py LATENCY_S [free]

'free' answers forecast requests with 403 "Endpoint not available", as the free plan does."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.integration.fake_providers import FakeElectricityMaps


def main() -> None:
    latency = float(sys.argv[1]) if len(sys.argv) > 1 else 0.3
    faults = {"carbon-intensity/forecast": "403"} if "free" in sys.argv[2:] else {}
    with FakeElectricityMaps.start(latency_s=latency, faults=faults) as em:
        print(em.api_url, em.token, flush=True)
        sys.stdin.read()  # until the parent closes the pipe


if __name__ == "__main__":
    main()
