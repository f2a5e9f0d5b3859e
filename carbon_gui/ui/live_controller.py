"""The window's live-data side: which provider, refreshes, the carbon mode's figures, the Signals tab,
the cleanest-region dialog, the Keys dialog and exports. The window asks it for figures and notes; it
tells the window when the carbon figures changed and which region to select."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from carbon_gui.core.catalog import Catalog, Region
from carbon_gui.core.cleanest import cleanest_now, missing_now
from carbon_gui.core.errors import InputError
from carbon_gui.core.live_carbon import LiveCarbon, live_carbon
from carbon_gui.core.signals import CarbonMode
from carbon_gui.providers import PROVIDER_NAMES, REPLAY
from carbon_gui.ui.dialogs.messages import show_error
from carbon_gui.ui.live_labels import index_text
from carbon_gui.ui.signals_view import SignalsView
from carbon_gui.ui.widgets.carbon_source_panel import CarbonSourcePanel

if TYPE_CHECKING:
    from carbon_gui.live_service import LiveService
    from carbon_gui.secrets import Credentials, SecretStore
    from carbon_gui.ui.dialogs.keys_dialog import KeysDialog
    from carbon_gui.ui.live_data import LiveData
    from carbon_gui.ui.workers import BackgroundTasks

LIVE_REDRAW_MS = 150
NO_CURRENT_VALUE = "None of the {count} ranked regions has a current intensity: {why}."
NOTHING_RANKED = "No region is ranked, so none can be compared: {why}"
AUTO = "auto"  # settings.provider when the user has not picked one: the first provider with a key


@dataclass(frozen=True)
class LiveFigures:
    """The figures for the chosen carbon mode, or None (the yearly figures are used) with the reason."""

    carbon: LiveCarbon | None
    problem: str | None = None


class LiveController(QObject):
    carbonChanged = Signal()  # the ranking's live figures may have changed: reassess
    regionChosen = Signal(str)  # select this region (the cleanest one)
    statusMessage = Signal(str)  # a passing message for the status bar

    def __init__(
        self,
        service: LiveService | None,
        secret_store: Callable[[], SecretStore] | None,
        panel: CarbonSourcePanel,
        signals_view: SignalsView,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self._service = service
        self._secret_store = secret_store
        self._panel = panel
        self._view = signals_view
        self._window = window
        self._tasks: BackgroundTasks | None = None
        self.data: LiveData | None = None
        self.keys_dialog: KeysDialog | None = None
        self.cleanest_dialog: QWidget | None = None
        self._candidates: list[str] = []
        self._why_none_ranked = ""
        self._known_providers: list[str] | None = None
        self._provider_setting = AUTO
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(LIVE_REDRAW_MS)
        self._redraw.timeout.connect(self._apply)
        signals_view.exportRequested.connect(self.export)
        panel.modeChanged.connect(self.carbonChanged)

    # ----- life cycle -----------------------------------------------------------------------
    def attach(self, tasks: BackgroundTasks) -> None:
        """The window's background tasks, once they exist (after the first paint)."""
        self._tasks = tasks

    def _background(self) -> BackgroundTasks:
        assert self._tasks is not None  # attached in the window's _start, before any data exists
        return self._tasks

    def start(self, regions: list[Region], provider: str, carbon_mode: str, refresh_minutes: int) -> None:
        """Start refreshing for `regions`, with the saved choices (provider 'auto' or a name)."""
        self._provider_setting = provider
        panel = self._panel
        if self._service is None:
            panel.setEnabled(False)
            return
        from carbon_gui.ui.live_data import LiveData

        self.data = LiveData(self._service, self._background(), self)
        self.data.set_regions(regions)
        self.data.updated.connect(self._on_updated)
        self.data.progress.connect(panel.set_progress)
        self.data.statusChanged.connect(panel.set_status)
        panel.interval.setValue(refresh_minutes)
        self.data.set_refresh_minutes(refresh_minutes)
        panel.intervalChanged.connect(self.data.set_refresh_minutes)
        panel.refreshRequested.connect(self.data.refresh)
        panel.cancelRequested.connect(self.data.cancel)
        panel.providerChanged.connect(self._on_provider_picked)
        panel.cleanestRequested.connect(self.show_cleanest)
        mode = next((m for m in CarbonMode if m.value == carbon_mode), CarbonMode.YEARLY)
        panel.mode.setCurrentIndex(panel.mode.findData(mode))
        self.reload_credentials()

    def shutdown(self) -> None:
        """Stop fetching and the timers; never waits."""
        if self.data is not None:
            self.data.cancel()
            self.data.timer.stop()
        self._redraw.stop()

    # ----- provider -------------------------------------------------------------------------
    def provider_setting(self) -> str:
        """What to save: the provider the user picked, else 'auto' (an automatic choice is never saved)."""
        return self._provider_setting

    def _on_provider_picked(self, provider: str) -> None:
        self._provider_setting = provider
        if self.data is not None:
            self.data.set_provider(provider)

    def reload_credentials(self) -> None:
        if self._service is not None and self._tasks is not None:
            self._background().run(self._service.credentials, on_result=self._on_credentials, on_error=self._on_error)

    def _on_credentials(self, credentials: Credentials) -> None:
        assert self.data is not None and self._service is not None
        providers = self._service.providers(credentials)
        current = self.data.provider if self.data.signals else self._provider_setting
        wanted = current if current in providers else providers[0]  # "auto": the first with a key
        newly_keyed = self._known_providers is not None and providers != self._known_providers
        if newly_keyed and wanted == REPLAY and providers[0] != REPLAY:
            wanted = providers[0]  # a key was just added: use it, and let later sessions choose again
            self._provider_setting = AUTO
        self._known_providers = providers
        self._panel.set_providers(providers, wanted)
        if wanted != self.data.provider:
            self.data.set_provider(wanted)  # refreshes
        else:
            self.data.refresh()

    def _on_error(self, message: str) -> None:
        self._panel.set_status(f"Live data unavailable: {message}")

    # ----- figures --------------------------------------------------------------------------
    def carbon_mode(self) -> CarbonMode:
        return self._panel.carbon_mode()

    def stale_after_s(self) -> float | None:
        return self.data.stale_after_s if self.data is not None else None

    def figures(self, catalog: Catalog, year: int, hours: float) -> LiveFigures:
        """The live figures for the chosen mode, or why the yearly figures are used."""
        mode = self.carbon_mode()
        if mode is CarbonMode.YEARLY:
            return LiveFigures(None)
        if self.data is None or not self.data.signals:
            return LiveFigures(None, "No live values yet, so the yearly figures are used until they arrive.")
        names = catalog.region_names()
        yearly = {name: catalog.carbon(name, year) for name in names}
        try:
            return LiveFigures(live_carbon(self.data.signals, names, mode, yearly, datetime.now(UTC), hours,
                                           stale_after_s=self.stale_after_s()))  # fmt: skip
        except InputError as err:
            return LiveFigures(None, f"{err} The yearly figures are used.")

    def region_notes(self, region: str) -> list[str]:
        """Lines about a region's live signal that are not part of its score (WattTime's signal-index)."""
        signal = self.data.signals.get(region) if self.data is not None else None
        if signal is None or signal.index is None:
            return []
        return [index_text(signal.index, datetime.now(UTC))]

    # ----- the Signals tab ------------------------------------------------------------------
    def set_candidates(self, ranked: list[str], selected: str | None, why_none_ranked: str = "") -> None:
        """The ranked regions (the cleanest dialog compares them); when there are none, `why_none_ranked` says why."""
        self._candidates = ranked
        self._why_none_ranked = why_none_ranked
        self._view.set_candidates(ranked, selected)

    def _on_updated(self) -> None:
        """Zones arrive in bursts: redraw at most every LIVE_REDRAW_MS, never once per zone."""
        if not self._redraw.isActive():
            self._redraw.start()

    def _apply(self) -> None:
        if self.data is None:
            return
        now = datetime.now(UTC)
        stale = {region for region, signal in self.data.signals.items() if self.data.is_stale(signal, now)}
        self._view.set_signals(self.data.signals, stale, now)
        if self.carbon_mode() is not CarbonMode.YEARLY:
            self.carbonChanged.emit()

    def export(self, path: str, payload: object) -> None:
        """Write a PNG (a QImage) or CSV (bytes) export off the GUI thread."""

        def write() -> str:
            # Written whole, then renamed: the file never exists half-written (a kill, a reader polling for it).
            temporary = Path(path).with_name(f".{Path(path).name}.part")
            try:
                if isinstance(payload, bytes):
                    temporary.write_bytes(payload)
                elif not payload.save(str(temporary), "PNG"):  # type: ignore[attr-defined]  # a QImage
                    raise OSError(f"could not write {path}")
                os.replace(temporary, path)
            finally:
                temporary.unlink(missing_ok=True)
            return path

        self._background().run(
            write,
            on_result=lambda p: self.statusMessage.emit(f"Exported {p}"),
            on_error=lambda message: self._error("Export", message),
        )

    def _error(self, title: str, message: str) -> None:
        show_error(self._window, title, message)

    # ----- dialogs --------------------------------------------------------------------------
    def show_cleanest(self) -> None:
        from carbon_gui.ui.dialogs.cleanest_dialog import CleanestDialog

        if not self._candidates:
            show_error(self._window, "Cleanest region", NOTHING_RANKED.format(why=self._why_none_ranked))
            return
        signals = self.data.signals if self.data else {}
        rows = cleanest_now(signals, self._candidates)
        left_out = missing_now(signals, self._candidates, self._source_name())
        if not rows:
            why = "; ".join(dict.fromkeys(left_out.values()))
            show_error(self._window, "Cleanest region", NO_CURRENT_VALUE.format(count=len(self._candidates), why=why))
            return
        dialog = CleanestDialog(rows, len(self._candidates), datetime.now(UTC), self.stale_after_s(), self._window,
                                left_out)  # fmt: skip
        self.cleanest_dialog = dialog
        dialog.open()
        self.regionChosen.emit(rows[0][0])

    def _source_name(self) -> str:
        provider = self.data.provider if self.data is not None else REPLAY
        return "the bundled 2024 replay" if provider == REPLAY else f"{PROVIDER_NAMES[provider]}'s data"

    def edit_keys(self) -> None:
        """Open the Keys dialog; the keyring (import and backend look-up) opens on the thread pool."""
        if self._secret_store is None or self._service is None:
            show_error(self._window, "Keys", "Live data is not available in this window.")
            return
        if self._tasks is None:
            show_error(self._window, "Keys", "The window is still starting; try again in a moment.")
            return
        self.statusMessage.emit("Opening the keyring…")
        self._background().run(self._secret_store, on_result=self._open_keys, on_error=self._keys_failed)

    def _open_keys(self, store: SecretStore) -> None:
        from carbon_gui.ui.dialogs.keys_dialog import KeysDialog

        assert self._service is not None
        self.keys_dialog = KeysDialog(store, self._service.check_key, self._window)
        self.keys_dialog.credentials_changed.connect(self.reload_credentials)
        self.keys_dialog.open()

    def _keys_failed(self, message: str) -> None:
        self._error("Keys", message)
