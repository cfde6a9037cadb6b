"""The global boosted-tree forecaster: one LightGBM or XGBoost model over every series of a panel.

``forecast fit PANEL --model lightgbm|xgboost`` fits one model on the rows of every series
(``--param global=false``: one per series; a single series is a panel of one). What a fit does,
each step on the training data only:

1. Features (:mod:`features`): ``lags`` (default ``1..p`` and the seasonal lags ``m, 2m`` with
   the period m given or detected on the longest series by the project's period resolver;
   lags longer than a third of the longest series left out), ``rolling`` windows over the
   lagged values, ``expanding`` mean, ``calendar`` fields of the frequency, ``series_id``.
2. Target transforms per series (:mod:`transforms`): ``transform`` (log1p, Box-Cox),
   ``diff`` (differences), ``scaler`` (standard by default), fitted on its training values.
3. Rows (:mod:`training`): every origin of every series whose features and target are training
   values; one booster (``strategy=recursive``: one step ahead, fed back) or one per step
   (``strategy=direct``, ``horizon`` models). ``objective=quantile`` adds a model per interval
   bound at each step.
4. Intervals: with ``objective=quantile``, the quantile models' bounds; otherwise
   split-conformal (:mod:`calibration`): a twin model is fitted on each series cut before its
   last origins, forecasts from each of them at fixed parameters, and the absolute errors,
   in each series' own scale, are pooled over the panel; the level-L half-width at step k is the
   ceil((n + 1) L)-th smallest of the n errors at step k, times the series' scale.

A series shorter than the features' reach (its largest lag or window plus the differences) has
no training row and no forecast: it is left out with its reason (or goes to ``--fallback``).
The fitted model keeps, per series, its transform parameters and its last values; one model
file holds the boosters (their libraries' own text/JSON formats), the series and the
calibration errors. ``predict`` forecasts any subset, ``update`` appends new observations.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Self

import numpy as np
import pandas as pd

from forecast.data.values import MAX_MAGNITUDE as MAGNITUDE
from forecast.errors import InputError, UsageError
from forecast.models.base import (
    Bands,
    Forecast,
    ForecastBatch,
    ModelSummary,
    _finite_values,
    origin_values,
    series_freq,
)
from forecast.models.global_series import GlobalSeries, chosen_forecasts, pooled_widths
from forecast.models.trees import TREE_MODELS, paths
from forecast.models.trees.features import (
    FeatureSpec,
    calendar_fields,
    calendar_values,
    default_lags,
    future_blocks,
    parse_rolling,
    series_calendars,
)
from forecast.models.trees.transforms import (
    Layout,
    TargetTransform,
    check_domain,
    interval_scales,
)

MIN_ROWS = 2  # the fewest training rows a booster is fitted on
DEFAULT_HORIZON = 12  # steps calibrated (and direct models) without a period or a --horizon
CONFORMAL = (
    "split-conformal, pooled over series: forecast -/+ the series' scale (mean absolute change) x "
    "the ceil((n+1)*level)-th smallest scaled absolute error at that step ahead over the n "
    "calibration origins at the end of every series' training data"
)
QUANTILE = "quantile models (objective=quantile) at each bound, rearranged to nest"


class TreeForecaster(GlobalSeries):
    """One LightGBM or XGBoost model for every series of a panel (see the module docstring).

    ``params`` are the registry's (checked there); the fitted state ends in ``_``; arrays over
    series follow ``ids_``.
    """

    def __init__(self, model: str, params: Mapping[str, Any] | None = None) -> None:
        from forecast.models.registry import get_spec

        if model not in TREE_MODELS:
            raise UsageError(f"a tree model is one of {', '.join(TREE_MODELS)}, got {model!r}")
        self.model = model
        self.params = get_spec(model).resolve(params or {})

    # fitted state (and the series' own in GlobalSeries)
    features_: FeatureSpec
    period_: int | None
    horizon_: int  # direct models trained, and the default calibrated steps
    levels_: tuple[float, ...]  # the levels the quantile models were trained for
    lam_: np.ndarray  # [N] Box-Cox lambda
    center_: np.ndarray  # [N]
    scale_: np.ndarray  # [N]
    iscale_: np.ndarray  # [N] the unit of each series' conformal errors
    tails_: np.ndarray  # [N, K] each series' last K = lookback + D values (NaN before a start)
    exp_sum_: np.ndarray  # [N] sum of each series' transformed values (expanding mean)
    exp_count_: np.ndarray  # [N]
    errors_: np.ndarray  # [n_cal, steps] pooled scaled calibration errors (NaN: no target)
    boosters_: list[dict[float | None, Any]]
    threads_: int
    info_: dict[str, Any]

    # --- what the parameters say ------------------------------------------------------------

    @property
    def transform(self) -> TargetTransform:
        p = self.params
        return TargetTransform(p["transform"], tuple(p["diff"]), p["scaler"])

    @property
    def label(self) -> str:
        """How messages name the model: "global lightgbm" over a panel, else "lightgbm"."""
        return f"global {self.model}" if len(getattr(self, "ids_", ())) > 1 else self.model

    @property
    def direct(self) -> bool:
        return bool(self.params["strategy"] == "direct")

    @property
    def reach(self) -> int:
        """Values one forecast reads: the features' lookback plus the differences' order."""
        return self.features_.lookback + self.transform.order

    def predictor(self) -> paths.Predictor:
        return paths.Predictor(
            self.model, self.features_, self.transform, self.boosters_, self.direct, self.threads_
        )

    def alphas(self) -> list[float]:
        """The quantile models' levels as alphas (lower and upper bound of each level)."""
        out = set()
        for level in self.levels_:
            out |= {round((100 - level) / 200, 12), round(1 - (100 - level) / 200, 12)}
        return sorted(out)

    # --- fitting ------------------------------------------------------------------------------

    def fit(
        self,
        series: Sequence[tuple[str, pd.Series]],
        calibrate_steps: int | None = None,
        training: Sequence[dict[str, Any]] | None = None,
        levels: Sequence[float] | None = None,
        masks: Sequence[np.ndarray] | None = None,
    ) -> Self:
        """Fit on every ``(id, y)``. ``calibrate_steps``: the steps conformal intervals cover
        (at least ``horizon``); ``levels``: the interval levels wanted (None: any, calibrated
        for 95 %; ``()``: no intervals, no calibration); ``masks``: per series, the positions
        that are training values (None: all; k-fold backtests pass their purged blocks)."""
        start = time.perf_counter()
        values = self._setup(series, masks)
        masks = [np.ones(v.size, bool) for v in values] if masks is None else list(masks)
        chosen = self._choose_features(values, masks)
        stamps = [_stamps(y) for _, y in series]
        calendars = series_calendars(self.features_.calendar, stamps)
        p = self.params
        auto = max(self.period_ or 0, DEFAULT_HORIZON)
        self.horizon_ = int(p["horizon"] or calibrate_steps or auto)
        quantile = p["objective"] == "quantile"
        wanted = tuple(p["quantile_levels"]) or tuple(levels or ()) or (80.0, 95.0)
        self.levels_ = tuple(sorted(float(v) for v in wanted)) if quantile else ()
        rows = self._train(values, masks, calendars)
        steps = max(self.horizon_, int(calibrate_steps or 0))
        self.errors_ = np.zeros((0, steps))
        if not quantile and levels != ():
            from forecast.models.conformal import errors_needed
            from forecast.models.trees.calibration import calibration_errors

            need = errors_needed(max(levels or (95.0,)))
            self.errors_ = calibration_errors(self, values, masks, stamps, calendars, steps, need)
        self._keep_tails(values)
        self.training_ = [dict(t) for t in training] if training else [{} for _ in self.ids_]
        self.info_ = self._info(rows, chosen, time.perf_counter() - start)
        return self

    def _setup(
        self, series: Sequence[tuple[str, pd.Series]], masks: Sequence[np.ndarray] | None
    ) -> list[np.ndarray]:
        if not series:
            raise UsageError("a global model needs at least one series")
        ids = tuple(str(sid) for sid, _ in series)
        if len(set(ids)) != len(ids):
            raise UsageError("a global model needs distinct series ids")
        values = [np.asarray(y, dtype=np.float64) for _, y in series]
        joined = np.concatenate(values) if all(v.ndim == 1 for v in values) else None
        if joined is None or not np.isfinite(joined).all() or np.abs(joined).max() > MAGNITUDE:
            values = [_finite_values(y, f"fit (series {sid!r})") for sid, y in series]
        if masks is not None and [m.size for m in masks] != [v.size for v in values]:
            raise UsageError("the training masks do not match the series")
        self.ids_, self.freq_ = ids, series_freq(series[0][1])
        self.starts_ = [_edge(_stamps(y), 0) for _, y in series]
        self.ends_ = [_edge(_stamps(y), -1) for _, y in series]
        self.n_ = np.array([v.size for v in values], dtype=np.int64)
        return values

    def _choose_features(self, values: list[np.ndarray], masks: list[np.ndarray]) -> list[str]:
        """The feature set (the default lags from the period), checked against the data."""
        from forecast.diagnostics.seasonality import describe_period, resolve_period

        p, name = self.params, self.model
        order = self.transform.order
        longest = max(range(len(values)), key=lambda i: int(masks[i].sum()))
        known = values[longest][masks[longest]]
        size = int(known.size)
        notes = []
        self.period_ = p["period"]
        lags = tuple(sorted(set(p["lags"])))
        if not lags:
            self.period_, source = resolve_period(p["period"], known, self.freq_)
            lags, why = default_lags(self.period_, max((size - order) // 3, 1))
            notes.append(f"{describe_period(self.period_, source)}; lags {why}")
        fields = calendar_fields(self.freq_) if p["calendar"] else ()
        spec = FeatureSpec(
            lags, parse_rolling(name, p["rolling"]), p["expanding"], fields, p["series_id"]
        )
        if spec.lookback + order >= size:
            raise UsageError(
                f"{name}: the largest lag or window ({spec.lookback}"
                + (f", plus {order} for the differences" if order else "")
                + f") reaches past the longest series ({size} training values); use shorter "
                "--param lags / rolling windows"
            )
        self.features_ = spec
        return notes

    def _train(
        self, values: list[np.ndarray], masks: list[np.ndarray], calendars: list[np.ndarray]
    ) -> Any:
        """Fit the transforms and the boosters on the training values (``masks``);
        ``calendars``: each series' calendar fields at its timestamps."""
        from forecast.models.trees.training import build_rows, train_boosters
        from forecast.threads import active

        transform = self.transform
        layout = Layout.of(self.n_)
        y, mask = np.concatenate(values), np.concatenate(masks)
        names = [f"{self.model} (series {sid!r})" for sid in self.ids_]
        self.lam_, self.center_, self.scale_ = transform.fit_panel(y, mask, layout, names)
        self.iscale_ = interval_scales(y, mask, layout)
        z_all = transform.forward_panel(y, layout, self.lam_, self.center_, self.scale_)
        z = np.split(z_all, layout.bounds[1:-1])
        spec = self.features_
        steps = self.horizon_ if self.direct else 1
        rows = build_rows(spec, transform.order, z, masks, calendars, steps)
        fewest = min(rows.count(h) for h in range(1, steps + 1))
        if fewest < MIN_ROWS:
            raise InputError(
                f"{self.model}: the data give {fewest} training rows with features reaching "
                f"{self.reach} values back (need {MIN_ROWS}); use shorter --param lags / "
                "rolling windows, fewer differences, or longer series"
            )
        self.threads_ = int(self.params["threads"] or active().classical)
        alphas: list[float | None] = [None, *self.alphas()]
        point = 0.5 if self.params["objective"] == "quantile" else None
        self.boosters_ = train_boosters(
            self.model,
            self.params,
            rows,
            spec.names(),
            spec.width - 1 if spec.series_id else None,
            alphas,
            point,
            self.threads_,
        )
        return rows

    def _keep_tails(self, values: list[np.ndarray]) -> None:
        """Each series' last K values and expanding state: what forecasts start from."""
        from forecast.models.trees.training import expanding_state

        k = self.reach
        self.tails_ = np.full((len(values), k), np.nan)
        self.exp_sum_ = np.zeros(len(values))
        self.exp_count_ = np.zeros(len(values), dtype=np.int64)
        for i, y in enumerate(values):
            tail = y[-k:]
            self.tails_[i, k - tail.size :] = tail
            if self.features_.expanding and y.size > self.transform.order:
                z = self.transform.forward(y, self._params(i))
                sums, counts = expanding_state(z, self.transform.order)
                self.exp_sum_[i], self.exp_count_[i] = sums[-1], counts[-1]

    def _params(self, i: int) -> Any:
        from forecast.models.trees.transforms import SeriesTransform

        return SeriesTransform(float(self.lam_[i]), float(self.center_[i]), float(self.scale_[i]))

    def _info(self, rows: Any, chosen: list[str], seconds: float) -> dict[str, Any]:
        short = int((self.n_ < self.reach).sum())
        remarks = []
        if short:
            remarks.append(
                f"{short} series shorter than the features' reach ({self.reach} values): no "
                "training rows and no forecast"
            )
        return {
            "series": len(self.ids_),
            "rows": int(rows.X.shape[0]),
            "features": self.features_.names(),
            "boosters": sum(len(b) for b in self.boosters_),
            "threads": self.threads_,
            "where": "this process (one fit for the whole panel; not mapped over workers)",
            "calibration_errors": int(np.isfinite(self.errors_).any(axis=1).sum()),
            "selection": chosen,
            "notes": remarks,
            "timing": {"train_seconds": seconds},  # wall clock: the only key that varies
        }

    # --- forecasting --------------------------------------------------------------------------

    def use_device(self, device: str) -> None:
        """Tree models forecast on the CPU: any other device is a UsageError."""
        if device not in ("auto", "cpu"):
            raise UsageError(f"{self.model} forecasts on the CPU; drop --device {device}")

    def _check_request(self, horizon: int, levels: tuple[float, ...]) -> None:
        if self.direct and horizon > self.horizon_:
            raise UsageError(
                f"the direct {self.model} has models for {self.horizon_} steps ahead, not "
                f"{horizon}; ask for --horizon {self.horizon_} or less, or refit with "
                f"--param horizon={horizon} (or strategy=recursive)"
            )
        if self.levels_ and set(levels) - set(self.levels_):
            shown = ", ".join(f"{v:g}" for v in self.levels_)
            raise UsageError(
                f"{self.model}'s quantile models were trained for the levels {shown}; ask for "
                f"those (--level) or refit with --param quantile_levels=..."
            )

    def _bands(
        self,
        mean: np.ndarray,
        bounds: Mapping[float, np.ndarray],
        levels: tuple[float, ...],
        unit: np.ndarray,
    ) -> Bands:
        """The bands per level of forecasts ``mean`` ``[P, H]``; ``unit`` ``[P]``: each path's
        series' conformal scale."""
        if self.levels_:
            out: Bands = {}
            for level in levels:
                low = round((100 - level) / 200, 12)
                out[level] = (bounds[low], bounds[round(1 - low, 12)])
            return out
        widths = self._widths(mean.shape[1], levels)
        return {
            lv: (mean - q[None, :] * unit[:, None], mean + q[None, :] * unit[:, None])
            for lv, q in widths.items()
        }

    def _widths(self, horizon: int, levels: tuple[float, ...]) -> dict[float, np.ndarray]:
        """Per level, the pooled split-conformal half-width in scaled units, ``[horizon]``."""
        return pooled_widths(
            self.errors_, horizon, levels, self.label, ("calibration", "the data give"),
            "ask for a lower --level, fit longer series, or use --param objective=quantile",
        )  # fmt: skip

    def predict(
        self, horizon: int, levels: Sequence[float] = (), ids: Sequence[str] | None = None
    ) -> dict[str, Forecast | str]:
        """Forecasts of ``ids`` (all when None), in that order: a :class:`Forecast`, or the
        one-line reason a series cannot be forecast (shorter than the features' reach)."""
        from forecast.models.base import check_horizon, check_levels

        horizon, levels = check_horizon(horizon), check_levels(levels)
        self._check_request(horizon, levels)
        chosen, where, ok = self.chosen(ids, self.reach)
        mean, bands, future = np.zeros((0, horizon)), {}, []
        if ok.size:
            start = paths.from_tails(
                self.transform,
                self.features_.lookback,
                self.tails_[ok],
                self.exp_sum_[ok],
                self.exp_count_[ok],
                ok,
                (self.lam_[ok], self.center_[ok], self.scale_[ok]),
            )
            future = future_blocks(self.features_.calendar, self.freq_,
                                   [self.ends_[i] for i in ok], horizon)  # fmt: skip
            calendar = np.stack([c for _, c in future])  # [P, H, C]
            mean, bounds = paths.forecast(self.predictor(), start, calendar, horizon, self.alphas())
            bands = self._bands(mean, bounds, levels, self.iscale_[ok])
        method = QUANTILE if self.levels_ else CONFORMAL

        def too_short(sid: str, i: int) -> str:
            return (
                f"{self.label} forecasts from the last {self.reach} observations (its "
                f"largest lag or window and the differences); series {sid!r} has "
                f"{int(self.n_[i])}; give it a --fallback model or shorter --param lags"
            )

        def forecast(i: int, r: int) -> Forecast:
            own: Bands = {lv: (lo[r], hi[r]) for lv, (lo, hi) in bands.items()}
            return Forecast(future[r][0], mean[r], own, method)

        return chosen_forecasts(chosen, where, ok, self.label, too_short, forecast)

    def forecast_from(
        self,
        sid: str,
        history: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int,
        levels: Sequence[float] = (),
    ) -> ForecastBatch:
        """Forecasts of series ``sid`` from each origin (a position in ``history``, which starts
        on the series' grid), with the fitted boosters and the series' transform: the state at
        origin t is built from ``history[: t + 1]`` alone (backtests, calibration)."""
        from forecast.models.base import check_horizon, check_levels

        i = self.position(sid)
        horizon, levels = check_horizon(horizon), check_levels(levels)
        self._check_request(horizon, levels)
        positions, values = origin_values(
            history, origins, self.reach - 1, self.label,
            f"the features read {self.reach} values up to each",
        )  # fmt: skip
        mean, bounds = self.paths_from(i, values, pd.DatetimeIndex(history.index), positions,
                                       horizon)  # fmt: skip
        unit = np.full(positions.size, self.iscale_[i])
        bands = self._bands(mean, bounds, levels, unit)
        return ForecastBatch(positions, mean, bands, QUANTILE if self.levels_ else CONFORMAL)

    def start_from(self, i: int, values: np.ndarray, origins: np.ndarray) -> paths.Start:
        """The paths of series ``i`` at ``origins`` of its ``values``."""
        check_domain(
            self.transform.power, values, None, [f"{self.model} (series {self.ids_[i]!r})"]
        )
        params = (float(self.lam_[i]), float(self.center_[i]), float(self.scale_[i]))
        return paths.from_history(
            self.transform, self.features_.lookback, values, origins, i, params
        )

    def calendar_from(
        self, stamps: pd.DatetimeIndex, origins: np.ndarray, horizon: int
    ) -> np.ndarray:
        """``[P, H, C]``: the calendar of the H steps after each origin of a history with
        timestamps ``stamps``."""
        from forecast.data import future_index

        after = future_index(pd.Timestamp(stamps[-1]), self.freq_, horizon)
        table = calendar_values(pd.DatetimeIndex(stamps.append(after)), self.features_.calendar)
        return table[origins[:, None] + 1 + np.arange(horizon)[None, :]]

    def paths_from(
        self, i: int, values: np.ndarray, stamps: pd.DatetimeIndex, origins: np.ndarray,
        horizon: int,
    ) -> tuple[np.ndarray, dict[float, np.ndarray]]:  # fmt: skip
        """Point and quantile forecasts ``[P, H]`` of series ``i`` from ``origins``."""
        if origins.size == 0:
            return np.zeros((0, horizon)), {a: np.zeros((0, horizon)) for a in self.alphas()}
        start = self.start_from(i, values, origins)
        calendar = self.calendar_from(stamps, origins, horizon)
        return paths.forecast(self.predictor(), start, calendar, horizon, self.alphas())

    def update(self, sid: str, y_new: pd.Series) -> int:
        """Append the observations of series ``sid`` that follow its end (the boosters and
        transform parameters fixed); returns how many were appended. Overlapping values must
        agree with the stored tail."""
        i = self.position(sid)
        k = self.reach
        fresh, stamps = self.appended(sid, y_new, self.tails_[i])
        if fresh.size == 0:
            return 0
        check_domain(self.transform.power, fresh, None, [f"{self.model} (series {sid!r})"])
        known_tail = self.tails_[i][np.isfinite(self.tails_[i])]
        joined = np.concatenate([known_tail, fresh])
        if self.features_.expanding:
            z = self.transform.forward(joined, self._params(i))[known_tail.size :]
            total, count = float(self.exp_sum_[i]), int(self.exp_count_[i])
            for value in z[np.isfinite(z)]:  # sequential, as the training's cumulative sum
                total, count = total + value, count + 1
            self.exp_sum_[i], self.exp_count_[i] = total, count
        tail = joined[-k:]
        self.tails_[i] = np.nan
        self.tails_[i, k - tail.size :] = tail
        self.n_[i] += fresh.size
        self.ends_[i] = pd.Timestamp(stamps[-1])
        return int(fresh.size)

    def twin(self) -> TreeForecaster:
        """An unfitted copy with this fit's series, features and horizon (the calibration
        model is this twin, trained on less)."""
        other = type(self)(self.model, self.params)
        for name in ("ids_", "freq_", "starts_", "ends_", "features_", "period_", "horizon_",
                     "levels_"):  # fmt: skip
            setattr(other, name, getattr(self, name))
        other.n_ = self.n_.copy()
        return other

    def summary(self, sid: str) -> ModelSummary:
        """The global model as seen from one series (its transform and length)."""
        i = self.position(sid)
        info, p = self.info_, self.params
        strategy = (
            f"direct ({self.horizon_} models)" if self.direct else "recursive (one-step model)"
        )
        description = (
            f"global {self.model} over {info['series']} series, {strategy}, "
            f"{p['n_estimators']} rounds, features {', '.join(self.features_.names())}; "
            f"fitted on {info['rows']} rows"
        )
        return ModelSummary(
            model=self.model,
            description=description,
            params={**p, "global": True},
            stats={"training_rows": float(info["rows"])},
            notes=tuple(info["notes"]),
            extra={
                "global": True,
                "series_in_model": info["series"],
                "features": self.features_.to_dict(),
                "period": self.period_,
                "horizon_trained": self.horizon_,
                "transform": {
                    "power": p["transform"],
                    "lambda": float(self.lam_[i]),
                    "diff": list(p["diff"]),
                    "scaler": p["scaler"],
                    "center": float(self.center_[i]),
                    "scale": float(self.scale_[i]),
                },
                "interval_method": QUANTILE if self.levels_ else CONFORMAL,
                "quantile_levels": list(self.levels_),
                "training": {k: v for k, v in info.items() if k != "notes"},
            },
        )

    # --- model files --------------------------------------------------------------------------

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able metadata (the boosters in their libraries' own text/JSON formats) and
        arrays that :meth:`from_state` restores exactly."""
        from forecast.models.trees.boosters import to_text

        meta = {
            "model": self.model,
            "params": self.params,
            "freq": self.freq_,
            "period": self.period_,
            "features": self.features_.to_dict(),
            "horizon": self.horizon_,
            "levels": list(self.levels_),
            "threads": self.threads_,
            "training": self.info_,
            "boosters": [
                [{"alpha": a, "text": to_text(self.model, b)} for a, b in step.items()]
                for step in self.boosters_
            ],
            "series": self.series_entries(),
        }
        arrays = {
            "lambdas": self.lam_,
            "centers": self.center_,
            "scales": self.scale_,
            "interval_scales": self.iscale_,
            "tails": self.tails_,
            "exp_sums": self.exp_sum_,
            "exp_counts": self.exp_count_,
            "calibration_errors": self.errors_,
        }
        return meta, arrays

    @classmethod
    def from_state(cls, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Self:
        """The model :meth:`get_state` described (checked by :mod:`schema` beforehand)."""
        from forecast.models.trees.boosters import from_text

        model = cls(str(meta["model"]), dict(meta["params"]))
        model.restore_series(meta)
        model.period_ = None if meta["period"] is None else int(meta["period"])
        model.features_ = FeatureSpec.from_dict(meta["features"])
        model.horizon_ = int(meta["horizon"])
        model.levels_ = tuple(float(v) for v in meta["levels"])
        model.threads_ = int(meta["threads"])
        model.info_ = dict(meta["training"])
        for name, key, dtype in (
            ("lam_", "lambdas", "float64"),
            ("center_", "centers", "float64"),
            ("scale_", "scales", "float64"),
            ("iscale_", "interval_scales", "float64"),
            ("tails_", "tails", "float64"),
            ("exp_sum_", "exp_sums", "float64"),
            ("exp_count_", "exp_counts", "int64"),
            ("errors_", "calibration_errors", "float64"),
        ):
            setattr(model, name, np.array(arrays[key], dtype=dtype))
        model.boosters_ = [
            {
                None if b["alpha"] is None else float(b["alpha"]): from_text(model.model, b["text"])
                for b in step
            }
            for step in meta["boosters"]
        ]
        return model


def _stamps(y: pd.Series) -> pd.DatetimeIndex:
    index = y.index
    return index if isinstance(index, pd.DatetimeIndex) else pd.DatetimeIndex(index)


def _edge(index: pd.DatetimeIndex, at: int) -> pd.Timestamp:
    """``index[at]`` from its integer view (a DatetimeIndex item costs ~50 us in pandas 3)."""
    return pd.Timestamp(int(index.asi8[at]), unit=index.unit, tz=index.tz)
