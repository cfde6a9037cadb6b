"""The schema of a model file's metadata, checked field by field before anything is built.

A valid checksum proves only that the file is whole: anyone can recompute it. So every field a
loaded file gives is checked here against the same limits as the CLI's options (the registry's
parameter ranges, :mod:`forecast.models.parameter_limits` against the number of training
values), with finite values, sane dates and a forward frequency, before a model or network is
built from it. Each problem is a :class:`ModelFileError` (exit 2) that names the file and the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from forecast.errors import ForecastError, ModelFileError, printable
from forecast.models.trees import TREE_MODELS

MAX_HEADER_BYTES = 100_000_000  # safetensors' own limit on the JSON header
MAX_INPUT_SIZE = 4096  # network inputs: the value and calendar features
VALUE_ARRAYS = ("y", "calibration_values", "last_windows", "centers", "tails")  # data units
SCALE_ARRAYS = ("scales",)  # spreads in data units: positive, within the value limit
RECURRENT_ARCH = ("hidden_size", "layers", "bidirectional")
TRANSFORMER_ARCH = ("d_model", "heads", "layers", "ff_size")
FAMILY_ARCH = {  # forecast.models.neural.families.ARCH_KEYS, without dropout (checked below)
    "mlp": ("hidden_size", "layers", "window"),
    "cnn": ("filters", "kernel_size", "layers", "pool", "window"),
    "tcn": ("filters", "kernel_size", "layers", "window"),
    "nbeats": ("basis", "stacks", "blocks", "hidden_size", "layers", "degree", "window"),
    "nhits": ("pools", "downsample", "blocks", "hidden_size", "layers", "window"),
}


def check_top(meta: Mapping[str, Any], label: str) -> None:
    """The fields every file has, whatever its model: what ``inspect`` prints."""
    if not isinstance(meta.get("model"), str):
        raise ModelFileError(
            f"{label} holds a model {meta.get('model')!r} that this forecast does not know"
        )
    versions = meta.get("versions", {})
    if not isinstance(versions, Mapping) or not all(
        isinstance(v, (str, type(None))) for v in versions.values()
    ):
        raise ModelFileError(f"{label} is damaged: its versions are not names and versions")
    if not isinstance(meta.get("created_utc", ""), (str, type(None))):
        raise ModelFileError(f"{label} is damaged: its created_utc is not a date")
    check_defaults(meta.get("defaults", {}), label)
    if "panel" in meta:
        panel = meta["panel"]
        if not isinstance(panel, Mapping) or not isinstance(panel.get("id_col"), (str, type(None))):
            raise ModelFileError(f"{label} is damaged: its panel is not an object with an id_col")
        labels = panel.get("labels", [])
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise ModelFileError(f"{label} is damaged: its panel's labels are not model names")


def check_defaults(defaults: Any, label: str) -> None:
    """``defaults``: the horizon and levels predict falls back on, within the CLI's limits."""
    from forecast.models.base import check_horizon, check_levels

    if not isinstance(defaults, Mapping):
        raise ModelFileError(f"{label} is damaged: its defaults are not an object")
    horizon = defaults.get("horizon")
    if horizon is not None:
        if not isinstance(horizon, int) or isinstance(horizon, bool):
            raise ModelFileError(
                f"{label} is damaged: defaults.horizon {horizon!r} is not a whole number"
            )
        _as_file_error(label, "defaults.horizon", lambda: check_horizon(horizon))
    levels = defaults.get("levels")
    if levels is not None:
        if not isinstance(levels, list) or not all(_is_number(v) for v in levels):
            raise ModelFileError(f"{label} is damaged: defaults.levels {levels!r} are not numbers")
        if not all(math.isfinite(v) for v in levels):
            raise ModelFileError(f"{label} is damaged: defaults.levels {levels!r} are not finite")
        _as_file_error(label, "defaults.levels", lambda: check_levels(levels))


def check_entry(
    label: str, name: Any, state: Any, training: Any, arrays: Mapping[str, np.ndarray]
) -> dict[str, Any]:
    """One fitted model's fields; returns its parameters, resolved by the registry."""
    from forecast.models.parameter_limits import check_against_data
    from forecast.models.registry import REGISTRY

    if not isinstance(name, str) or name not in REGISTRY:
        raise ModelFileError(f"{label} holds a model {name!r} that this forecast does not know")
    spec = REGISTRY[name]
    if not isinstance(state, Mapping):
        raise ModelFileError(f"{label} is damaged: its state is not an object")
    _check_training(training, label)
    params = state.get("params")
    if not isinstance(params, Mapping):
        raise ModelFileError(f"{label} is damaged: its state.params are not an object")
    resolved = _as_file_error(label, "", lambda: spec.resolve(params))
    y = arrays.get("y")
    if not isinstance(y, np.ndarray) or y.ndim != 1 or y.dtype.kind != "f":
        raise ModelFileError(
            f"{label} is damaged: array 'y' (the training values) is missing or not 1-D floats"
        )
    min_obs = spec.factory().min_obs
    if y.size < min_obs or not np.isfinite(y).all():
        raise ModelFileError(
            f"{label} is damaged: array 'y' has {y.size} values, {int((~np.isfinite(y)).sum())} "
            f"of them not finite; {name} needs at least {min_obs} finite values"
        )
    for key, array in arrays.items():
        if array.dtype.kind == "f" and key.startswith("weights.") and not np.isfinite(array).all():
            raise ModelFileError(f"{label} is damaged: array {key!r} holds non-finite weights")
    check_magnitudes(arrays, label)
    _as_file_error(label, "", lambda: check_against_data(name, resolved, int(y.size)))
    _check_dates(state, int(y.size), label)
    fitted = state.get("fitted")
    _check_numbers(fitted, label)
    if name in TREE_MODELS:
        _check_tree(fitted, arrays, int(y.size), label)
    if isinstance(fitted, Mapping):
        _check_baseline(fitted, int(y.size), label)
    if spec.family == "intermittent":
        _check_intermittent(name, resolved, fitted, arrays, y, label)
    if isinstance(fitted, Mapping) and "architecture" in fitted:
        _check_architecture(fitted["architecture"], resolved, label)
        _check_network_state(fitted, arrays, int(y.size), label)
    return resolved


def _check_tree(fitted: Any, arrays: Mapping[str, np.ndarray], n: int, label: str) -> None:
    """A per-series tree model's state: the global tree state of its one series (``core``)."""
    from forecast.models.trees.schema import check_state

    core = fitted.get("core") if isinstance(fitted, Mapping) else None
    own = {k[len("core.") :]: a for k, a in arrays.items() if k.startswith("core.")}
    try:
        if not isinstance(core, Mapping):
            raise ValueError("its tree state is not an object")
        check_state(core, own)
        entries = core["series"]
        if len(entries) != 1 or entries[0].get("n") != n:
            raise ValueError(f"its tree state is not of one series of {n} values")
    except ForecastError as exc:
        raise ModelFileError(f"{label} is damaged: {exc.message}") from None
    except ValueError as exc:
        raise ModelFileError(f"{label} is damaged: {exc}") from None


def value_limits() -> tuple[float, float]:
    """The data's value limit (:data:`forecast.data.values.MAX_MAGNITUDE`, 1e100), for every
    number of a file in the data's units, and the limit of a derived number (a variance, a
    coefficient): the square of the widest difference of two values within the first."""
    from forecast.data.values import MAX_MAGNITUDE

    return MAX_MAGNITUDE, 4 * MAX_MAGNITUDE**2


def check_magnitudes(arrays: Mapping[str, np.ndarray], label: str) -> None:
    """Every float array within the value limits (NaN is checked where it is not allowed):
    values in the data's units (:data:`VALUE_ARRAYS`, by the last part of their name) and
    spreads (:data:`SCALE_ARRAYS`, also > 0) within the data's value limit, every other array
    (parameters, weights) within the derived limit (:func:`value_limits`)."""
    max_value, max_derived = value_limits()
    for key, array in arrays.items():
        if array.dtype.kind != "f" or not array.size:
            continue
        base = key.replace("/", ".").rsplit(".", 1)[-1]
        with np.errstate(invalid="ignore"):
            largest = float(np.nanmax(np.abs(array))) if not np.isnan(array).all() else 0.0
        limit = max_value if base in VALUE_ARRAYS + SCALE_ARRAYS else max_derived
        if largest > limit:
            raise ModelFileError(
                f"{label} is damaged: array {key!r} holds {largest:.3g}, beyond the value limit "
                f"of {limit:g}"
            )
        if base in SCALE_ARRAYS and not (array > 0).all():
            raise ModelFileError(f"{label} is damaged: array {key!r} holds a scale that is not > 0")


def _check_numbers(node: Any, label: str) -> None:
    """Every number of a fitted state finite (a saved file writes NaN as null) and within the
    derived limit (:func:`value_limits`), and every whole number within 32 bits (no count, lag
    or order comes near)."""
    _, max_derived = value_limits()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, bool) or item is None or isinstance(item, str):
            continue
        elif isinstance(item, int) and abs(item) > 2**31:
            raise ModelFileError(f"{label} is damaged: its fitted state holds the number {item}")
        elif isinstance(item, float) and not (math.isfinite(item) and abs(item) <= max_derived):
            raise ModelFileError(
                f"{label} is damaged: its fitted state holds {item}, not a finite number within "
                f"{max_derived:g}"
            )


def _check_baseline(fitted: Mapping[str, Any], n: int, label: str) -> None:
    """The naive family's lag and spreads, the mean's sd."""
    lag = fitted.get("lag")
    if "lag" in fitted and (not isinstance(lag, int) or isinstance(lag, bool) or not 1 <= lag < n):
        raise ModelFileError(f"{label} is damaged: its lag {lag!r} is not between 1 and {n - 1}")
    for key in ("mse", "drift_se", "sd", "sigma2"):
        value = fitted.get(key)
        if key in fitted and value is not None and (not _is_number(value) or value < 0):
            raise ModelFileError(f"{label} is damaged: its {key} {value!r} is not >= 0")


def _check_intermittent(
    name: str,
    params: Mapping[str, Any],
    fitted: Any,
    arrays: Mapping[str, np.ndarray],
    y: np.ndarray,
    label: str,
) -> None:
    """An intermittent-demand model's state: non-negative values, and the smoothing constants
    and aggregation levels its fit can choose (classic/sba Croston 0.1; searched ones within
    :data:`~forecast.models.parameter_limits.SEARCHED_SMOOTHING`; levels 1..n)."""
    from forecast.models.intermittent import CLASSIC_ALPHA
    from forecast.models.parameter_limits import SEARCHED_SMOOTHING

    if (y < 0).any():
        raise ModelFileError(
            f"{label} is damaged: array 'y' holds a negative value; {name} models demand >= 0"
        )
    if not isinstance(fitted, Mapping):
        raise ModelFileError(f"{label} is damaged: its fitted state is not an object")
    low, high = SEARCHED_SMOOTHING
    if name == "croston" and params.get("variant") != "optimized":
        low = high = CLASSIC_ALPHA
    keys = {"croston": ("alpha_d", "alpha_p"), "adida": ("alpha",)}.get(name, ())
    for key in keys:
        value = fitted.get(key)
        if not (isinstance(value, (int, float)) and not isinstance(value, bool)) or not (
            low <= value <= high
        ):
            raise ModelFileError(
                f"{label} is damaged: its {key} {value!r} is not between {low:g} and {high:g}"
            )
    n = int(y.size)
    if name == "adida":
        level = fitted.get("aggregation_level")
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= n:
            raise ModelFileError(
                f"{label} is damaged: its aggregation_level {level!r} is not between 1 and {n}"
            )
    if name == "imapa":
        alphas = arrays.get("alphas")
        if (
            not isinstance(alphas, np.ndarray)
            or alphas.ndim != 1
            or alphas.dtype.kind != "f"
            or not 1 <= alphas.size <= n
            or not ((alphas >= low) & (alphas <= high)).all()
        ):
            raise ModelFileError(
                f"{label} is damaged: array 'alphas' is not 1 to {n} smoothing constants "
                f"between {low:g} and {high:g}"
            )


def _check_network_state(
    fitted: Mapping[str, Any], arrays: Mapping[str, np.ndarray], n: int, label: str
) -> None:
    """A neural model's window, head, scaler, anchor date and calibration."""
    import pandas as pd

    def whole(key: str, low: int, high: int, value: Any = None, optional: bool = False) -> None:
        value = fitted.get(key) if value is None else value
        if value is None and optional:
            return
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ModelFileError(
                f"{label} is damaged: its network's {key} {value!r} is not between {low} and {high}"
            )

    whole("window", 1, n)
    whole("horizon", 1, 10_000)
    whole("out_steps", 1, 10_000)
    whole("period", 2, n, optional=True)
    whole("calendar_period", 2, n, optional=True)
    max_value, _ = value_limits()
    scaler = fitted.get("scaler")
    center: Any = scaler.get("center") if isinstance(scaler, Mapping) else None
    scale: Any = scaler.get("scale") if isinstance(scaler, Mapping) else None
    if not (
        _is_number(center)
        and _is_number(scale)
        and abs(center) <= max_value
        and 0 < scale <= max_value
    ):
        raise ModelFileError(
            f"{label} is damaged: its scaler {scaler!r} needs a center and a positive scale "
            f"within the value limit of {max_value:g}"
        )
    raw_anchor: Any = fitted.get("anchor")
    try:
        valid = pd.Timestamp(raw_anchor).as_unit("ns") is not pd.NaT
    except (ValueError, TypeError, OverflowError):
        valid = False
    if raw_anchor is None or not valid:
        raise ModelFileError(
            f"{label} is damaged: its anchor {fitted.get('anchor')!r} is not a date"
        )
    calibration = fitted.get("calibration")
    if not isinstance(calibration, Mapping):
        raise ModelFileError(f"{label} is damaged: its calibration is not an object")
    whole("calibration.offset", 0, n, calibration.get("offset"))
    whole("calibration.limit", 0, n, calibration.get("limit"), optional=True)
    values = arrays.get("calibration_values")
    origins = arrays.get("calibration_origins")
    if (
        not isinstance(values, np.ndarray)
        or not isinstance(origins, np.ndarray)
        or values.dtype.kind != "f"
        or origins.dtype.kind not in "iu"
        or not np.isfinite(values).all()
        or (origins.size and (origins.min() < 0 or origins.max() > n))
    ):
        raise ModelFileError(
            f"{label} is damaged: its calibration arrays are missing, not finite or point "
            "outside the training values"
        )


def _check_training(training: Any, label: str) -> None:
    if not isinstance(training, Mapping):
        raise ModelFileError(f"{label} is damaged: its training record is not an object")
    n = training.get("n")
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 10**10):
        raise ModelFileError(f"{label} is damaged: training.n {n!r} is not a count")
    freq = training.get("freq")
    if freq is not None:
        _offset(freq, "training.freq", label)


def _check_dates(state: Mapping[str, Any], n: int, label: str) -> None:
    """A forward frequency, start <= end within pandas' dates, and ``n`` steps from start to end."""
    import pandas as pd

    offset = _offset(state.get("freq"), "state.freq", label)
    try:
        start = pd.Timestamp(state["start"]).as_unit("ns")
        end = pd.Timestamp(state["end"]).as_unit("ns")
    except (KeyError, ValueError, TypeError, OverflowError):
        raise ModelFileError(
            f"{label} is damaged: its start {state.get('start')!r} or end {state.get('end')!r} "
            "is not a date pandas can hold (years 1678 to 2262)"
        ) from None
    if start is pd.NaT or end is pd.NaT or not start <= end:
        raise ModelFileError(f"{label} is damaged: its end {end} is not after its start {start}")
    from forecast.data.grid import grid_slots

    if grid_slots(start, end, offset) > 2 * n + 10:
        raise ModelFileError(
            f"{label} is damaged: its end {end.isoformat()} is far more than {n} {offset.freqstr} "
            f"steps after its start {start.isoformat()}"
        )
    try:
        last = pd.date_range(start, periods=n, freq=offset)[-1]
    except (ValueError, OverflowError):
        last = None
    if last != end:
        raise ModelFileError(
            f"{label} is damaged: {n} training values at {offset.freqstr} from "
            f"{start.isoformat()} do not end at its end {end.isoformat()}"
        )


def _offset(freq: Any, field: str, label: str) -> Any:
    import pandas as pd

    try:
        offset = pd.tseries.frequencies.to_offset(freq) if isinstance(freq, str) else None
    except (ValueError, OverflowError):
        offset = None
    if offset is None or offset.n < 1:
        raise ModelFileError(
            f"{label} is damaged: {field} {freq!r} is not a forward pandas frequency"
        )
    return offset


def _check_architecture(arch: Any, params: Mapping[str, Any], label: str) -> None:
    """The network a file describes is the one its parameters ask for, within the limits."""
    if not isinstance(arch, Mapping):
        raise ModelFileError(f"{label} is damaged: its network architecture is not an object")
    keys: tuple[str, ...] = RECURRENT_ARCH if "bidirectional" in params else TRANSFORMER_ARCH
    if "d_model" not in params and "bidirectional" not in params:  # mlp, cnn, tcn, nbeats, nhits
        kind = arch.get("kind")
        if kind not in FAMILY_ARCH or not set(FAMILY_ARCH[kind]) - {"window"} <= set(params):
            raise ModelFileError(
                f"{label} is damaged: its network kind {kind!r} is not its model's"
            )
        keys = tuple(k for k in FAMILY_ARCH[kind] if k != "window")
        _check_family_sizes(arch, label)
    for key in keys:
        wanted = params.get(key)
        if arch.get(key) != (list(wanted) if isinstance(wanted, tuple) else wanted):
            raise ModelFileError(
                f"{label} is damaged: its network's {key} {arch.get(key)!r} differs from its "
                f"parameter {key}={params.get(key)!r}"
            )
    for key, top in (
        ("input_size", MAX_INPUT_SIZE),
        ("out_steps", 10_000),
        ("window", 100_000),
        ("patch", 100_000),
    ):
        value = arch.get(key)
        if value is None and key in ("window", "patch"):
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
            raise ModelFileError(
                f"{label} is damaged: its network's {key} {value!r} is not between 1 and {top}"
            )
    from forecast.models.neural.architectures import ANCHORS, WINDOW_SCALES

    for key, allowed in (("anchor", ANCHORS), ("window_scale", WINDOW_SCALES)):
        if key in arch and arch[key] not in allowed:  # files written before a key lack it
            raise ModelFileError(
                f"{label} is damaged: its network's {key} {arch[key]!r} is not one of "
                f"{', '.join(allowed)}"
            )
    dropout = arch.get("dropout")
    if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or not 0 <= dropout < 1:
        raise ModelFileError(
            f"{label} is damaged: its network's dropout {dropout!r} is not in [0, 1)"
        )


def _check_family_sizes(arch: Mapping[str, Any], label: str) -> None:
    """A feed-forward or convolutional network's window and sizes build a network: the window
    is there (the flattened input and the bases depend on it), and N-HiTS has one pool and one
    downsampling rate per stack."""
    window = arch.get("window")
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 100_000:
        raise ModelFileError(
            f"{label} is damaged: its network's window {window!r} is not 1..100000"
        )
    if arch.get("kind") == "nhits":
        pools, rates = arch.get("pools"), arch.get("downsample")
        if not isinstance(pools, list) or not isinstance(rates, list) or len(pools) != len(rates):
            raise ModelFileError(f"{label} is damaged: its N-HiTS pools and downsample differ")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_file_error(label: str, field: str, check: Any) -> Any:
    try:
        return check()
    except ForecastError as exc:
        where = f"{field}: " if field else ""
        raise ModelFileError(f"{label} is damaged: {where}{exc.message}") from None


MAX_SERIES_WEIGHTS = 10_000_000  # series x embedding values of a global network


def check_global(state: Any, arrays: Mapping[str, np.ndarray], label: str) -> None:
    """A global neural model's file (one network, many series): the same field checks as a
    per-series file's, before anything is built."""
    from forecast.models.neural.global_options import MAX_EMBEDDING
    from forecast.models.neural.options import MAX_SEEDS
    from forecast.models.registry import REGISTRY

    if not isinstance(state, Mapping):
        raise ModelFileError(f"{label} is damaged: its global model is not an object")
    name = state.get("model")
    spec = REGISTRY.get(name) if isinstance(name, str) else None
    if spec is not None and spec.family == "trees":
        _check_global_trees(state, arrays, label)
        return
    if spec is None or spec.family != "neural":
        raise ModelFileError(f"{label} holds a global model {name!r} that is not a neural model")
    params = state.get("params")
    if not isinstance(params, Mapping):
        raise ModelFileError(f"{label} is damaged: its params are not an object")
    resolved = _as_file_error(label, "", lambda: spec.resolve(params))
    entries = _series_list(state, label)
    embedding = state.get("series_embedding")
    if not isinstance(embedding, int) or isinstance(embedding, bool):
        raise ModelFileError(f"{label} is damaged: series_embedding {embedding!r} is not a count")
    if not 0 <= embedding <= MAX_EMBEDDING or len(entries) * embedding > MAX_SERIES_WEIGHTS:
        raise ModelFileError(
            f"{label} is damaged: series_embedding {embedding} for {len(entries)} series is "
            f"outside 0..{MAX_EMBEDDING} (at most {MAX_SERIES_WEIGHTS} values in all)"
        )
    offset = _offset(state.get("freq"), "freq", label)
    for key, top in (("window", 100_000), ("horizon", 100_000), ("out_steps", 10_000)):
        value = state.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
            raise ModelFileError(f"{label} is damaged: its {key} {value!r} is not 1..{top}")
    _check_entries(entries, offset, label)
    arch = state.get("architecture")
    if isinstance(arch, Mapping) and arch.get("kind") == "mean":
        members = arch.get("members")
        if set(arch) != {"kind", "members", "inner"}:
            raise ModelFileError(f"{label} is damaged: its averaged networks' keys are not known")
        if (
            not isinstance(members, int)
            or isinstance(members, bool)
            or not 2 <= members <= MAX_SEEDS
        ):
            raise ModelFileError(
                f"{label} is damaged: its averaged networks {members!r} are not 2..{MAX_SEEDS}"
            )
        arch = arch.get("inner")
    if isinstance(arch, Mapping) and arch.get("kind") == "embedded":
        if arch.get("series") != len(entries) or arch.get("dim") != embedding:
            raise ModelFileError(
                f"{label} is damaged: its embedding is not {len(entries)} series x {embedding}"
            )
        arch = arch.get("inner")
    _check_architecture(arch, resolved, label)
    for key, array in arrays.items():
        # calibration_errors: NaN marks a lead time a series has no error for
        if key != "calibration_errors" and array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ModelFileError(f"{label} is damaged: array {key!r} holds non-finite values")
    check_magnitudes(arrays, label)
    _check_calibration_width(arrays, label)
    _check_numbers(state.get("training"), label)


def _check_calibration_width(arrays: Mapping[str, np.ndarray], label: str) -> None:
    """A global network's calibration errors are in each series' scaled units; times the
    largest scale (an interval's half-width in the data's units) they stay within the value
    limit, as the differences of two values within it do."""
    errors, scales = arrays.get("calibration_errors"), arrays.get("scales")
    if not isinstance(errors, np.ndarray) or not isinstance(scales, np.ndarray):
        return
    if errors.dtype.kind != "f" or not scales.size or np.isnan(errors).all():
        return
    max_value, _ = value_limits()
    widest = float(np.nanmax(np.abs(errors))) * float(np.max(scales))
    if not widest <= 2 * max_value:
        raise ModelFileError(
            f"{label} is damaged: its calibration errors times its largest scale reach "
            f"{widest:.3g}, beyond twice the value limit of {max_value:g}"
        )


def _series_list(state: Mapping[str, Any], label: str) -> list[Any]:
    """A global model's ``series`` list (not empty)."""
    entries = state.get("series")
    if not isinstance(entries, list) or not entries:
        raise ModelFileError(f"{label} is damaged: its global model has no series list")
    return entries


def _check_entries(entries: list[Any], offset: Any, label: str) -> None:
    """Each series entry of a global model: an id, a count ``n`` and dates on the grid of
    ``offset`` that agree with it."""
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
            raise ModelFileError(f"{label} is damaged: series entry {i} has no id")
        n = entry.get("n")
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 10**10:
            raise ModelFileError(f"{label} is damaged: series entry {i}'s n {n!r} is not a count")
        where = f"{label} (series {printable(entry['id'])})"
        _check_dates({"freq": offset.freqstr, **entry}, n, where)


def _check_global_trees(
    state: Mapping[str, Any], arrays: Mapping[str, np.ndarray], label: str
) -> None:
    """A global tree model's file: the series' dates as a neural one's, then the tree state."""
    from forecast.models.trees.schema import check_state

    offset = _offset(state.get("freq"), "freq", label)
    entries = _series_list(state, label)
    _check_entries(entries, offset, label)
    try:
        check_state(state, arrays)
    except ForecastError as exc:
        raise ModelFileError(f"{label} is damaged: {exc.message}") from None
    except ValueError as exc:
        raise ModelFileError(f"{label} is damaged: {exc}") from None
    _check_numbers(state.get("training"), label)
