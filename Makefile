# The commands that matter: `make run` opens the app, `make test` runs every test.
# Both set up what they need first (scripts/bootstrap.sh).
.PHONY: run test lint bench bootstrap screenshot clean

VENV := .venv/bin

bootstrap:
	@scripts/bootstrap.sh offscreen

run:
	@scripts/bootstrap.sh desktop
	$(VENV)/carbon-gui

test: bootstrap
	QT_QPA_PLATFORM=offscreen $(VENV)/python -m pytest

lint: bootstrap
	$(VENV)/ruff check carbon_gui tests benchmarks
	$(VENV)/mypy carbon_gui
	$(VENV)/lint-imports

bench: bootstrap
	QT_QPA_PLATFORM=offscreen $(VENV)/python benchmarks/startup.py
	QT_QPA_PLATFORM=offscreen $(VENV)/python benchmarks/rerank.py
	QT_QPA_PLATFORM=offscreen $(VENV)/python benchmarks/live_refresh.py
	$(VENV)/python benchmarks/dimension.py
	$(VENV)/python benchmarks/backtest.py
	$(VENV)/python benchmarks/plan.py

screenshot: bootstrap
	QT_QPA_PLATFORM=offscreen $(VENV)/python scripts/screenshot.py docs/screenshot.png

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache build *.egg-info
