# The commands that matter: `make run` opens the app, `make test` runs every test.
# Both set up what they need first (scripts/bootstrap.sh).
.PHONY: run test lint bench bootstrap screenshot clean package dist

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
	QT_QPA_PLATFORM=offscreen $(VENV)/python benchmarks/hardware_gui_gaps.py
	$(VENV)/python benchmarks/backtest.py
	$(VENV)/python benchmarks/plan.py
	QT_QPA_PLATFORM=offscreen $(VENV)/python benchmarks/package.py

# The one-folder app: dist/carbon-gui/carbon-gui (packaging/README.md). Try it: dist/carbon-gui/carbon-gui --self-test
package: bootstrap
	$(VENV)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller packaging/carbon_gui.spec
	dist/carbon-gui/carbon-gui --self-test

# The wheel and sdist in dist/ (no download: the venv's setuptools builds them)
dist: bootstrap
	$(VENV)/python -m build --no-isolation --outdir dist .

screenshot: bootstrap
	QT_QPA_PLATFORM=offscreen $(VENV)/python scripts/screenshot.py docs/screenshot.png

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
