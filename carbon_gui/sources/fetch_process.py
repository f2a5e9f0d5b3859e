"""The window's side of the fetch helper process (`fetch_helper`): start it on first use, send it orders, hand its
answers to the caller's thread as they arrive, cancel, notice when it died or hung, start a new one next time.

Why a process: a refresh runs ~150 requests at once, and when their answers arrive together ~150 threads parse
JSON and write the HTTP cache while holding the GIL. In the window's process that starves the GUI thread for
hundreds of milliseconds; in a helper it costs the window only the unpickling of the finished signals.

Keys reach the helper only through its stdin pipe, inside an order: its command line is `python -m
carbon_gui.sources.fetch_helper`, and its environment is this process's without the key variables (and without
any variable holding a key's value). It exits when its stdin ends: when `close()` runs, when this object is
collected, at interpreter exit, or when this process dies, however it dies.

No Qt, no HTTP stack here: importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import queue
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import carbon_gui
from carbon_gui.core.errors import UserFacingError
from carbon_gui.core.signals import GridSignal
from carbon_gui.secrets import key_holding_variables
from carbon_gui.sources.fetch_protocol import (
    Beat,
    Cancel,
    Failed,
    FetchOrder,
    Finished,
    ProtocolError,
    Ready,
    SignalArrived,
    read_message,
    write_message,
)

HELPER_MODULE = "carbon_gui.sources.fetch_helper"
START_TIMEOUT_S = 30.0  # from launch to "ready": a Python start and the HTTP stack's imports (~0.3 s unloaded)
SILENCE_TIMEOUT_S = 10.0  # a running fetch hears from the helper at least every second (heartbeats)
POLL_S = 0.05  # how often a waiting fetch looks at its cancel flag: a cancelled fetch returns within this
STOP_WAIT_S = 2.0

logger = logging.getLogger(__name__)


class FetchHelperError(UserFacingError):
    """The helper process failed (died, hung, could not start). The next fetch starts a new one."""


class _Died:
    """Put in every waiting fetch's queue when the helper's stdout ends."""


class _Helper:
    """One running helper process: its pipes, the thread that reads its answers, and who waits for which fetch."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.ready = threading.Event()
        self.last_heard = time.monotonic()
        self.routes: dict[int, queue.SimpleQueue[object]] = {}
        self.dead = False
        self._routes_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.process = subprocess.Popen(  # our own interpreter and module, no shell
            [sys.executable, "-m", HELPER_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=dict(environ),
            close_fds=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._stdin = self.process.stdin
        self._reader = threading.Thread(
            target=self._read, args=(self.process.stdout,), name="carbon-gui-helper-reader", daemon=True
        )
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return not self.dead and self.process.poll() is None

    def send(self, message: object) -> None:
        try:
            with self._write_lock:
                write_message(self._stdin, message)
        except (OSError, ValueError) as exc:
            self.dead = True
            raise FetchHelperError(self.exit_text()) from exc

    def try_send(self, message: object) -> None:
        with contextlib.suppress(FetchHelperError):
            self.send(message)

    def listen(self, fetch_id: int) -> queue.SimpleQueue[object]:
        answers: queue.SimpleQueue[object] = queue.SimpleQueue()
        with self._routes_lock:
            if self.dead:
                answers.put(_Died())
            self.routes[fetch_id] = answers
        return answers

    def forget(self, fetch_id: int) -> None:
        with self._routes_lock:
            self.routes.pop(fetch_id, None)

    def _read(self, stream: Any) -> None:
        try:
            while True:
                message = read_message(stream)
                if message is None:
                    break
                self.last_heard = time.monotonic()
                if isinstance(message, Ready):
                    self.ready.set()
                elif not isinstance(message, Beat):
                    with self._routes_lock:
                        answers = self.routes.get(getattr(message, "fetch_id", -1))
                    if answers is not None:  # else: a late answer for a fetch that was cancelled
                        answers.put(message)
        except (OSError, ValueError, ProtocolError) as exc:
            logger.warning("the live-data helper's answers could not be read (%s)", exc)
        finally:
            with self._routes_lock:
                self.dead = True
                for answers in self.routes.values():
                    answers.put(_Died())
            with contextlib.suppress(OSError):
                stream.close()

    def exit_text(self) -> str:
        try:
            code = self.process.wait(1.0)
        except subprocess.TimeoutExpired:
            code = None
        how = f" (exit code {code})" if code is not None else ""
        return f"the live-data helper process stopped unexpectedly{how}; the next refresh starts a new one"

    def stop(self) -> None:
        """Close its stdin (it exits on its own), and kill it if it has not within STOP_WAIT_S."""
        self.dead = True
        with self._write_lock, contextlib.suppress(OSError):
            self._stdin.close()
        try:
            self.process.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            self.kill()
        self._reader.join(STOP_WAIT_S)  # it closes stdout at the end of the stream

    def kill(self) -> None:
        self.dead = True
        self.process.kill()
        self.process.wait(STOP_WAIT_S)
        with self._write_lock, contextlib.suppress(OSError):
            self._stdin.close()


class FetchProcess:
    """Runs fetches in a helper process, started on first use and again after it died. Thread-safe: fetches from
    several threads share the helper (each answer names its fetch)."""

    def __init__(self, *, start_timeout_s: float | None = None, silence_timeout_s: float | None = None) -> None:
        """Timeouts default to START_TIMEOUT_S and SILENCE_TIMEOUT_S (as they are when a fetch runs)."""
        self._start_timeout_s = start_timeout_s
        self._silence_timeout_s = silence_timeout_s
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        # The running helper, in a one-slot list that the finalizer holds (it must not hold `self`): the helper
        # is stopped when this object is collected, or at interpreter exit.
        self._slot: list[_Helper | None] = [None]
        weakref.finalize(self, _stop_slot, self._slot)

    @property
    def pid(self) -> int | None:
        """The running helper's process id, or None when there is none."""
        helper = self._slot[0]
        return helper.pid if helper is not None and helper.alive() else None

    def close(self) -> None:
        with self._lock:
            helper, self._slot[0] = self._slot[0], None
        if helper is not None:
            helper.stop()

    def fetch(
        self,
        order: Callable[[int], FetchOrder],
        on_signal: Callable[[GridSignal, list[str]], None],
        cancelled: Callable[[], bool],
        secrets: Iterable[str] = (),
    ) -> Finished | None:
        """Run `order(fetch_id)` in the helper, calling `on_signal` on this thread as zones arrive. Returns the
        helper's summary, or None when `cancelled()` became true (the helper is told; this returns at once).
        Raises FetchHelperError when the helper cannot start, dies, or stays silent too long (it is then killed)."""
        if cancelled():
            return None
        helper = self._running(secrets)
        fetch_id = next(self._ids)
        answers = helper.listen(fetch_id)
        done = False
        try:
            helper.send(order(fetch_id))
            waited_since = time.monotonic()
            while True:
                if cancelled():
                    return None
                try:
                    message = answers.get(timeout=POLL_S)
                except queue.Empty:
                    self._check_heard(helper, waited_since)
                    continue
                if isinstance(message, SignalArrived):
                    on_signal(message.signal, message.regions)
                elif isinstance(message, Finished):
                    done = True
                    return message
                elif isinstance(message, Failed):
                    done = True
                    if message.user_facing:
                        raise UserFacingError(message.message)
                    raise FetchHelperError(f"unexpected error in the live-data helper ({message.message})")
                elif isinstance(message, _Died):
                    done = True
                    raise FetchHelperError(helper.exit_text())
        finally:
            if not done:  # cancelled, or on_signal raised: the helper stops this fetch
                helper.try_send(Cancel(fetch_id))
            helper.forget(fetch_id)

    def _check_heard(self, helper: _Helper, waited_since: float) -> None:
        now = time.monotonic()
        if helper.ready.is_set():
            silent, limit = now - max(helper.last_heard, waited_since), self._silence_timeout_s or SILENCE_TIMEOUT_S
            what = f"the live-data helper process stopped answering (nothing for {limit:g} s)"
        else:
            silent, limit = now - waited_since, self._start_timeout_s or START_TIMEOUT_S
            what = f"the live-data helper process did not start within {limit:g} s"
        if silent > limit:
            logger.warning("%s: stopping it", what)
            with self._lock:
                if self._slot[0] is helper:
                    self._slot[0] = None
            helper.kill()
            raise FetchHelperError(f"{what}; the next refresh starts a new one")

    def _running(self, secrets: Iterable[str]) -> _Helper:
        with self._lock:
            helper = self._slot[0]
            if helper is not None and helper.alive():
                return helper
            if helper is not None:
                logger.warning("the live-data helper process (pid %d) has gone; starting a new one", helper.pid)
                helper.stop()
            try:
                helper = _Helper(helper_environment(os.environ, secrets))
            except OSError as exc:
                raise FetchHelperError(f"the live-data helper process could not start ({exc.strerror})") from None
            self._slot[0] = helper
            return helper


def _stop_slot(slot: list[_Helper | None]) -> None:
    helper = slot[0]
    if helper is not None:
        helper.stop()


def helper_environment(environ: Mapping[str, str], secrets: Iterable[str] = ()) -> dict[str, str]:
    """The helper's environment: this process's, without the key variables or any variable that holds a key's
    value (one of `secrets`, or of the key variables), and with this carbon_gui's directory first on PYTHONPATH
    (the helper runs the same code)."""
    kept_out = set(key_holding_variables(environ, secrets))
    env = {name: value for name, value in environ.items() if name not in kept_out}
    root = str(Path(carbon_gui.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env
