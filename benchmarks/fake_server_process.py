"""Run a fake Electricity Maps in its own process, so its CPU does not compete with the client
for the GIL (a real provider's CPU is not ours). Prints 'URL TOKEN', serves until stdin closes.

    python benchmarks/fake_server_process.py LATENCY_S [free]

'free' answers forecast requests with 403 "Endpoint not available", as the free plan does.

Each answer is built (and encoded) as soon as its request arrives and sent LATENCY_S after the arrival. The test
fake builds it after the wait instead: a burst of 120 requests then had the fake's one GIL build 120 answers in a
row once the latency was over, ~150 ms that showed in the client's wall time (a bare asyncio client measured a
ratio of 1.58 against it) although a real provider answers its clients in parallel."""

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.integration.fake_providers import Answer, FakeElectricityMaps, _Handler

IDLE_CLOSE_S = 0.5  # a keep-alive connection idle this long is closed, as a provider's is between two refreshes


class PromptElectricityMaps(FakeElectricityMaps):
    """The test fake, answering `delay_s` after each request's arrival (see the module's docstring)."""

    def __init__(self, delay_s: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # its own latency stays 0: the answer is built at once
        self.delay_s = delay_s

    def _handle(self, handler: Any) -> None:
        handler.arrived = time.monotonic()
        super()._handle(handler)

    def _write(self, handler: Any, answer: Answer) -> None:
        answer.payload = self._encode(answer.payload)  # bytes: the base class sends them as they are
        self._stopping.wait(max(0.0, handler.arrived + self.delay_s - time.monotonic()))
        super()._write(handler, answer)


def main() -> None:
    _Handler.timeout = IDLE_CLOSE_S  # (this process only)
    latency = float(sys.argv[1]) if len(sys.argv) > 1 else 0.3
    faults = {"carbon-intensity/forecast": "403"} if "free" in sys.argv[2:] else {}
    with PromptElectricityMaps.start(delay_s=latency, faults=faults) as em:
        print(em.api_url, em.token, flush=True)
        sys.stdin.read()  # until the parent closes the pipe


if __name__ == "__main__":
    main()
