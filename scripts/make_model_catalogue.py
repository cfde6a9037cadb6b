"""Write docs/models/catalogue.md, the model catalogue, from the registry.

Every model of ``src/forecast/models/registry.py`` (what ``forecast models`` lists): its name,
family and summary, every parameter with its type, default, bounds and meaning, whether it takes
regressors (the model class's ``supports_exog``), its prediction intervals and its reference.
The registry holds no references or interval methods, so those two come from ``ABOUT`` below;
tests/docs/test_catalogue.py fails when the committed page differs from what this script
writes, or when a registered model has no entry in ``ABOUT`` (or an entry names no model).

    python scripts/make_model_catalogue.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from forecast.models.registry import MAX_INT, REGISTRY, ModelSpec, Param  # noqa: E402
from forecast.report.model_tables import _default  # noqa: E402  (what `forecast models` shows)

PAGE = ROOT / "docs" / "models" / "catalogue.md"


class About(NamedTuple):
    intervals: str
    reference: str
    page: str  # the docs page (relative to docs/models/) and section that explain the model


_FPP = "Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed. (2021), 5.5"
_BJ = "Box, Jenkins, Reinsel & Ljung, *Time Series Analysis* (5th ed., 2015)"
_KALMAN = "Kalman filter forecast variance (Gaussian errors, parameters taken as known)"
_CONFORMAL_NN = "split conformal on the validation tail, per step ahead"
_CONFORMAL_INT = "split conformal from walk-forward errors inside the training data, bounds >= 0"
_CONFORMAL_TREES = (
    "split conformal from rolling origins inside the training data (or quantile models)"
)
_NEURAL = "neural.md"
_WINDOWS = "index.md#window-averages-and-ses-window-average-seasonal-window-average-ses"

ABOUT: dict[str, About] = {
    "naive": About(
        "analytic, Gaussian: sigma sqrt(h)", _FPP, "index.md#baselines-naive-snaive-drift-mean"
    ),
    "snaive": About(
        "analytic, Gaussian: sigma sqrt(k + 1)", _FPP, "index.md#baselines-naive-snaive-drift-mean"
    ),
    "drift": About(
        "analytic, Gaussian: sigma sqrt(h (1 + h / (T - 1)))",
        _FPP,
        "index.md#baselines-naive-snaive-drift-mean",
    ),
    "mean": About(
        "analytic, Student t: sigma sqrt(1 + 1/T)",
        _FPP,
        "index.md#baselines-naive-snaive-drift-mean",
    ),
    "window-average": About(
        "analytic, Gaussian: sigma (sd of its own one-step errors), constant over the horizon "
        "(an approximation)",
        "statsforecast's WindowAverage (Nixtla)",
        _WINDOWS,
    ),
    "seasonal-window-average": About(
        "analytic, Gaussian: sigma (sd of its own one-step errors), constant over the horizon "
        "(an approximation)",
        "statsforecast's SeasonalWindowAverage (Nixtla)",
        _WINDOWS,
    ),
    "ses": About(
        "analytic, Gaussian: ETS(A,N,N), sigma sqrt(1 + (h - 1) alpha^2)",
        "Hyndman, Koehler, Ord & Snyder (2008); statsforecast's "
        "SimpleExponentialSmoothing(Optimized)",
        _WINDOWS,
    ),
    "ar": About(_KALMAN, _BJ, "index.md#the-arima-family-ar-ma-arma-arima-sarima"),
    "ma": About(_KALMAN, _BJ, "index.md#the-arima-family-ar-ma-arma-arima-sarima"),
    "arma": About(_KALMAN, _BJ, "index.md#the-arima-family-ar-ma-arma-arima-sarima"),
    "arima": About(_KALMAN, _BJ, "index.md#the-arima-family-ar-ma-arma-arima-sarima"),
    "sarima": About(_KALMAN, _BJ, "index.md#the-arima-family-ar-ma-arma-arima-sarima"),
    "auto-arima": About(
        _KALMAN,
        "Hyndman & Khandakar (2008), *Journal of Statistical Software* 27(3)",
        "index.md#auto-arima",
    ),
    "sparse-ar": About(
        "Gaussian, from the AR's psi-weights (parameters taken as known)",
        "Tibshirani (1996), *JRSS B* 58(1) (the lasso)",
        "index.md#sparse-ar",
    ),
    "ets": About(
        "analytic Gaussian, R's variance classes 1-3",
        "Hyndman, Koehler, Ord & Snyder, *Forecasting with Exponential Smoothing* (2008)",
        "index.md#ets-exponential-smoothing",
    ),
    "theta": About(
        "200 simulated paths (ses-drift: Gaussian)",
        "Fiorucci et al. (2016), *International Journal of Forecasting* 32(4)",
        "index.md#theta",
    ),
    "mstl": About(
        "the remainder model's (seasonal uncertainty left out)",
        "Bandara, Hyndman & Bergmeir (2021), arXiv:2107.13462",
        "index.md#mstl",
    ),
    "ensemble": About(
        "the members' bounds combined as the forecasts",
        "Bates & Granger (1969), *Operational Research Quarterly* 20(4)",
        "index.md#ensemble",
    ),
    "croston": About(
        _CONFORMAL_INT,
        "Croston (1972); Syntetos & Boylan (2005), *IJF* 21(2)",
        "intermittent.md",
    ),
    "tsb": About(
        _CONFORMAL_INT, "Teunter, Syntetos & Babai (2011), *EJOR* 214(3)", "intermittent.md"
    ),
    "adida": About(_CONFORMAL_INT, "Nikolopoulos et al. (2011), *JORS* 62(3)", "intermittent.md"),
    "imapa": About(
        _CONFORMAL_INT, "Petropoulos & Kourentzes (2015), *JORS* 66(6)", "intermittent.md"
    ),
    "rnn": About(_CONFORMAL_NN, "Elman (1990), *Cognitive Science* 14(2)", _NEURAL),
    "lstm": About(
        _CONFORMAL_NN, "Hochreiter & Schmidhuber (1997), *Neural Computation* 9(8)", _NEURAL
    ),
    "gru": About(_CONFORMAL_NN, "Cho et al. (2014), EMNLP", _NEURAL),
    "transformer": About(_CONFORMAL_NN, "Vaswani et al. (2017), NeurIPS", _NEURAL),
    "mlp": About(
        _CONFORMAL_NN, "a dense network on the window (the baseline of the family)", _NEURAL
    ),
    "cnn": About(_CONFORMAL_NN, "LeCun et al. (1998), *Proc. IEEE* 86(11) (convolutions)", _NEURAL),
    "tcn": About(_CONFORMAL_NN, "Bai, Kolter & Koltun (2018), arXiv:1803.01271", _NEURAL),
    "nbeats": About(_CONFORMAL_NN, "Oreshkin et al. (2020), ICLR", _NEURAL),
    "nhits": About(_CONFORMAL_NN, "Challu et al. (2023), AAAI", _NEURAL),
    "lightgbm": About(_CONFORMAL_TREES, "Ke et al. (2017), NeurIPS", "trees.md"),
    "xgboost": About(_CONFORMAL_TREES, "Chen & Guestrin (2016), KDD", "trees.md"),
}


def bounds(p: Param) -> str:
    """The values ``Param.coerce`` accepts, in words."""
    if p.kind == "choice":
        return "one of " + ", ".join(f"`{c}`" for c in p.choices)
    if p.kind == "bool":
        return "true or false"
    if p.kind in ("names", "str?"):
        return "model names" if p.kind == "names" else "text"
    parts = []
    if p.minimum is not None:
        parts.append(f">= {p.minimum:g}")
    maximum = p.maximum
    if maximum is None and p.kind in ("int", "int?", "ints"):
        maximum = MAX_INT
    if maximum is not None:
        parts.append(f"<= {int(maximum):,}" if float(maximum).is_integer() else f"<= {maximum:g}")
    if p.below is not None:
        parts.append(f"< {p.below:g}")
    if p.kind == "ints" and p.lengths:
        parts.append(" or ".join(str(n) for n in p.lengths) + " values")
    text = ", ".join(parts)
    return f"each {text}" if p.kind == "ints" and text else text or "any finite number"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default_cell(p: Param) -> str:
    shown = _default(p.default)
    return f"`{shown}`" if shown else "(none)"


def model_section(spec: ModelSpec) -> list[str]:
    about = ABOUT[spec.name]
    regressors = "yes (`--exog`)" if spec.factory().supports_exog else "no"
    lines = [
        f"## `{spec.name}`",
        "",
        f"{_cell(spec.summary)}.",
        "",
        f"- family: {spec.family}",
        f"- regressors: {regressors}",
        f"- intervals: {about.intervals}",
        f"- reference: {about.reference}",
        f"- more: [{about.page.partition('#')[0].removesuffix('.md')}]({about.page})",
        "",
    ]
    if not spec.params:
        return [*lines, "No parameters.", ""]
    lines += [
        "| parameter | type | default | accepted | meaning |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| `{p.name}` | {_cell(p.type_name)} | {_cell(_default_cell(p))} | {_cell(bounds(p))} "
        f"| {_cell(p.help)} |"
        for p in spec.params
    ]
    return [*lines, ""]


def render() -> str:
    """The catalogue page as Markdown."""
    specs = list(REGISTRY.values())
    lines = [
        "# Model catalogue",
        "",
        "<!-- generated by scripts/make_model_catalogue.py from the model registry; do not edit "
        "(tests/docs/test_catalogue.py compares it) -->",
        "",
        "Every model `forecast models` lists, with every parameter it accepts: its type, its "
        "default (`auto`: chosen from the data), the values it is checked against (a value "
        "outside them is exit 2) and its meaning. Set one with `--param name=value`; in a "
        "backtest of several models, `--param LABEL.name=value`.",
        "",
        "| model | family | what it is | regressors | intervals |",
        "|---|---|---|---|---|",
    ]
    for spec in specs:
        exog = "yes" if spec.factory().supports_exog else "no"
        lines.append(
            f"| [`{spec.name}`](#{spec.name.replace('-', '-')}) | {spec.family} | "
            f"{_cell(spec.summary)} | {exog} | {_cell(ABOUT[spec.name].intervals)} |"
        )
    lines.append("")
    for spec in specs:
        lines += model_section(spec)
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args()
    missing = sorted(set(REGISTRY) - set(ABOUT))
    extra = sorted(set(ABOUT) - set(REGISTRY))
    if missing or extra:
        sys.stderr.write(f"error: ABOUT lacks {missing} and names unknown models {extra}\n")
        return 1
    text = render()
    if args.check:
        return 0 if PAGE.exists() and PAGE.read_text(encoding="utf-8") == text else 1
    PAGE.parent.mkdir(parents=True, exist_ok=True)
    PAGE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
