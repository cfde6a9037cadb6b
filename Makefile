# The README's commands. Each target builds the virtualenv from nothing when it is missing.
PYTHON     ?= python3
VENV       ?= .venv
TORCH_SPEC ?= torch==2.13.0
BIN        := $(VENV)/bin
STAMP      := $(VENV)/.installed
DEMO_OUT   ?= out

.PHONY: install demo test test-fast fuzz lint bench bench-deps sample-data clean

install: $(STAMP)

# torch goes first, pinned, so that the loose `torch>=2.2` in pyproject.toml is already met
# and pip does not fetch a multi-gigabyte CUDA build. Override with `make TORCH_SPEC=...`.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p $(DEMO_OUT)
	$(BIN)/forecast diagnose sample_data/airpassengers.csv --plot $(DEMO_OUT)/airpassengers-diagnose.png
	$(BIN)/forecast fit sample_data/airpassengers.csv --model auto-arima --horizon 12 \
		--save $(DEMO_OUT)/airpassengers.fcm
	$(BIN)/forecast predict $(DEMO_OUT)/airpassengers.fcm --horizon 3 --format csv
	$(BIN)/forecast fit sample_data/sunspots.csv --model gru --horizon 24 \
		--save $(DEMO_OUT)/sunspots-gru.fcm
	$(BIN)/forecast backtest sample_data/airpassengers.csv --model snaive --model auto-arima \
		--model arima --param arima.order=2,1,1 --horizon 12 --step 12 \
		--report $(DEMO_OUT)/airpassengers-backtest.html
	# a panel: 12 monthly series in long format (store, month, sales)
	$(BIN)/forecast diagnose sample_data/retail_panel.csv
	$(BIN)/forecast fit sample_data/retail_panel.csv --model sarima --param order=0,1,1 \
		--param seasonal_order=0,1,1,12 --horizon 6 --jobs 2 \
		--output $(DEMO_OUT)/retail-forecasts.parquet --save $(DEMO_OUT)/retail.fcm
	$(BIN)/forecast predict $(DEMO_OUT)/retail.fcm --ids store_01,store_02 --horizon 3 --format csv
	$(BIN)/forecast backtest sample_data/retail_panel.csv --model snaive --param snaive.period=12 \
		--model airline=sarima --param airline.order=0,1,1 --param airline.seasonal_order=0,1,1,12 \
		--refit never --horizon 6 --step 6 --jobs 2 --report $(DEMO_OUT)/retail-backtest.html

test: $(STAMP)
	$(BIN)/python -m pytest

# Hypothesis with fresh random examples, many of them (make test draws the same ones every run)
fuzz: $(STAMP)
	FORECAST_HYPOTHESIS=fuzz FORECAST_FORGE_EXAMPLES=3000 $(BIN)/python -m pytest -m "not slow" \
		$$(grep -rl "from hypothesis" tests --include="test_*.py")

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

# statsforecast, the reference of bench_backtest.py, needs pandas < 3: its own virtualenv.
bench-deps:
	test -x bench/_work/sf-venv/bin/python || $(PYTHON) -m venv bench/_work/sf-venv
	-bench/_work/sf-venv/bin/python -m pip install --quiet statsforecast

bench: $(STAMP) bench-deps
	$(BIN)/python bench/run_all.py

sample-data: $(STAMP)
	$(BIN)/python scripts/make_sample_data.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache .hypothesis
