"""Fitting models and forecasting: one series (:mod:`.series`), a panel mapped by an executor
(:mod:`.panel`), and one global network over a panel (:mod:`.global_network`)."""
