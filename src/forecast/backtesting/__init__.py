"""Backtests: splitters, metrics, the engine, resampling and model comparison."""
