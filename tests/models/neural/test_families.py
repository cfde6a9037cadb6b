"""The feed-forward and convolutional families (mlp, cnn, tcn, nbeats, nhits): the N-BEATS
bases and the interpretable stacks' decomposition, N-HiTS interpolation, the TCN's receptive
field against the impulse response of an untrained network, recovery of a pure trend and a pure
sine, a tiny network overfitting a tiny panel, regressors, and the model-file checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from forecast.errors import UsageError
from forecast.models.neural import conv, families, nbeats
from forecast.models.neural.global_model import GlobalForecaster
from forecast.models.registry import get_spec

FAMILIES = list(families.KINDS)


def _arch(kind: str, **extra) -> dict:
    sizes = {
        "mlp": {"hidden_size": 6, "layers": 2, "dropout": 0.0},
        "cnn": {"filters": 4, "kernel_size": 3, "layers": 2, "pool": 2, "dropout": 0.0},
        "tcn": {"filters": 4, "kernel_size": 2, "layers": 2, "dropout": 0.0},
        "nbeats": {"basis": "generic", "stacks": 2, "blocks": 2, "hidden_size": 6,
                   "layers": 2, "degree": 2, "dropout": 0.0},
        "nhits": {"pools": [4, 2, 1], "downsample": [4, 2, 1], "blocks": 1, "hidden_size": 6,
                  "layers": 2, "dropout": 0.0},
    }[kind]  # fmt: skip
    return {"kind": kind, "input_size": 3, "window": 10, "out_steps": 4, **sizes, **extra}


@pytest.mark.parametrize("kind", FAMILIES)
def test_output_shape_and_rebuild_from_the_architecture(kind) -> None:
    from forecast.models.neural import networks

    torch.manual_seed(0)
    net = networks.build(_arch(kind)).eval()
    x = torch.randn(5, 10, 3)  # [batch, window, features]
    out = net(x)
    assert out.shape == (5, 4)
    again = networks.restore(_arch(kind), networks.weight_arrays(net))
    torch.testing.assert_close(again(x), out, rtol=0, atol=0)
    with_exog = networks.build(_arch(kind, exog_size=2)).eval()
    assert with_exog(x, torch.randn(5, 4, 2)).shape == (5, 4)


@pytest.mark.parametrize("kind", families.RELATIVE_FLAG)
def test_a_relative_network_reads_the_window_minus_its_last_value(kind) -> None:
    """With ``relative`` a constant added to the value channel shifts every output by that
    constant (the same shape at another level is the same input); a file written before the
    flag (no key) builds the network that reads levels, which does not. Tolerance: float32
    rounding of values near 10 (~1e-6 each) through two layers of sums of ~30 products of
    weights below 1, ~1e-5 at worst, so 1e-4; the level-reading network moves by ~0.1-1."""
    from forecast.models.neural import networks

    torch.manual_seed(0)
    x = torch.randn(5, 10, 3)
    shifted = x.clone()
    shifted[:, :, 0] += 7.0
    net = networks.build(_arch(kind, relative=True)).eval()
    torch.testing.assert_close(net(shifted), net(x) + 7.0, rtol=0, atol=1e-4)
    old = networks.build(_arch(kind)).eval()
    assert (old(shifted) - old(x) - 7.0).abs().max() > 1e-2


@pytest.mark.parametrize("kind", FAMILIES)
def test_every_fitted_family_reads_its_window_relative_to_the_last_value(kind) -> None:
    """mlp, cnn and tcn fitted now carry the flag (nbeats and nhits subtract the last value in
    their own forward pass); the fitted network shifts with the level as above."""
    y = _monthly(50 + 5 * np.sin(2 * np.pi * np.arange(96) / 12))
    params = {"window": 12, "horizon": 3, "epochs": 1, "device": "cpu", "calendar": False,
              **SMALL[kind]}  # fmt: skip
    model = get_spec(kind).create(params).fit(y)
    assert model.arch_.get("relative", False) is (kind in families.RELATIVE_FLAG)
    x = torch.randn(4, 12, 1)
    net = model.net_.eval()
    with torch.no_grad():
        torch.testing.assert_close(net(x + 3.0), net(x) + 3.0, rtol=0, atol=1e-4)


# --- N-BEATS bases and decomposition ------------------------------------------------------------


def test_basis_shapes_and_values() -> None:
    backcast, forecast = nbeats.trend_basis(3, 10, 4)
    assert backcast.shape == (4, 10) and forecast.shape == (4, 4)
    t = np.arange(1, 5) / 4  # the forecast at t = 1/H .. 1, the last observation at t = 0
    np.testing.assert_allclose(forecast.numpy(), np.stack([t**i for i in range(4)]), rtol=1e-6)
    tb = (np.arange(10) - 9) / 4
    np.testing.assert_allclose(backcast.numpy(), np.stack([tb**i for i in range(4)]), atol=1e-6)
    for out in (1, 4, 7, 12):
        sb, sf = nbeats.seasonal_basis(10, out)
        assert sb.shape == (out, 10) and sf.shape == (out, out)
        # 1, out//2 cosines, (out-1)//2 sines: a full basis of the forecast's out steps
        assert torch.linalg.matrix_rank(sf.double()) == out
    sb, sf = nbeats.seasonal_basis(10, 12)
    grid = np.arange(1, 13) / 12
    np.testing.assert_allclose(sf[1].numpy(), np.cos(2 * np.pi * grid), atol=1e-6)
    np.testing.assert_allclose(sf[7].numpy(), np.sin(2 * np.pi * grid), atol=1e-6)


def _explicit_bases(t: np.ndarray, degree: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """The polynomial and Fourier rows at times ``t``, written out here (``[P, len(t)]``)."""
    polynomial = np.stack([t**i for i in range(degree + 1)])
    cos = [np.cos(2 * np.pi * i * t) for i in range(1, out // 2 + 1)]
    sin = [np.sin(2 * np.pi * i * t) for i in range(1, (out - 1) // 2 + 1)]
    return polynomial, np.stack([np.ones_like(t), *cos, *sin])


def test_interpretable_stacks_are_a_polynomial_and_a_fourier_series() -> None:
    """An untrained interpretable network: each trend block's backcast and forecast are
    polynomials of degree 2 in t (the backcast at t = -(W-1)/H .. 0, the forecast at 1/H .. 1)
    with the block's theta as coefficients; each seasonality block's are the Fourier series
    1, cos(2 pi i t), sin(2 pi i t) with its theta; the forecast is the last value plus the two
    stacks'. Tolerance: float32 sums of ~12 products of size ~1: ~1e-6 relative, so 1e-5."""
    window, out = 16, 12
    torch.manual_seed(1)
    net = nbeats.nbeats(3, window, out, "interpretable", 2, 3, 8, 2, 2, 0.0).eval()
    assert net.names == ["trend", "seasonality"]
    x = torch.randn(6, window, 3)
    last = x[:, -1:, 0]  # the window's last value: subtracted from the input, added back
    past = _explicit_bases((np.arange(window) - (window - 1)) / out, 2, out)
    future = _explicit_bases(np.arange(1, out + 1) / out, 2, out)
    residual, extra = x[:, :, 0] - last, x[:, :, 1:].flatten(1)
    with torch.no_grad():
        for k, stack in enumerate(net.stacks):
            for block in stack:
                backcast, forecast = block(residual, extra)
                h = block.fc(torch.cat([residual, extra], dim=-1))
                theta_b = block.backcast(h).double().numpy()
                theta_f = block.forecast(h).double().numpy()
                assert theta_b.shape[1] == theta_f.shape[1] == (3, out)[k]
                np.testing.assert_allclose(
                    backcast.numpy(), theta_b @ past[k], rtol=1e-5, atol=1e-5
                )
                np.testing.assert_allclose(
                    forecast.numpy(), theta_f @ future[k], rtol=1e-5, atol=1e-5
                )
                residual = residual - backcast
        trend, season = net.stack_forecasts(x)
        torch.testing.assert_close(net(x), last + trend + season, rtol=1e-5, atol=1e-5)
    # a degree-2 polynomial: its third differences over the forecast steps vanish
    np.testing.assert_allclose(np.diff(trend.double().numpy(), n=3, axis=1), 0, atol=1e-4)


def test_nhits_forecast_is_the_linear_interpolation_of_its_knots() -> None:
    """``align_corners=False``: output step i samples the knots at (i + 0.5) K / H - 0.5,
    clamped to the ends (what numpy.interp does outside the knots); the same as torch's
    interpolate."""
    from torch.nn import functional as F

    knots = torch.randn(3, 4, dtype=torch.float64)
    out = nbeats.interpolate(knots, 12).numpy()
    where = np.clip((np.arange(12) + 0.5) * 4 / 12 - 0.5, 0, 3)
    expected = np.stack([np.interp(where, np.arange(4), k) for k in knots.numpy()])
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    for k, h in ((4, 12), (3, 7), (1, 5), (6, 6)):
        knots = torch.randn(2, k, dtype=torch.float64)
        torch_way = F.interpolate(knots[:, None], size=h, mode="linear", align_corners=False)
        torch.testing.assert_close(nbeats.interpolate(knots, h), torch_way[:, 0])
    block = nbeats.HitsBlock(0, 10, 12, 6, 1, 0.0, pool=2, downsample=4)
    assert block.knots == 3
    backcast, forecast = block(torch.randn(5, 10), torch.zeros(5, 0))
    assert backcast.shape == (5, 10) and forecast.shape == (5, 12)


@pytest.mark.parametrize(("window", "size"), [(10, 4), (12, 4), (7, 1), (5, 8)])
def test_pooling_equals_torch_max_pool(window, size) -> None:
    """N-HiTS's pooling is max_pool1d with ceil_mode; the CNN's keeps the newest steps (the
    oldest window % size are dropped), both written with amax for deterministic gradients."""
    from torch.nn import functional as F

    x = torch.randn(3, window, dtype=torch.float64)
    expected = F.max_pool1d(x[:, None], size, size, ceil_mode=True)[:, 0]
    torch.testing.assert_close(nbeats.max_pool(x, size), expected, rtol=0, atol=0)
    if window >= size:
        channels = torch.randn(2, 3, window, dtype=torch.float64)
        newest = channels[:, :, window % size :]
        torch.testing.assert_close(
            conv.LatestMaxPool(size)(channels), F.max_pool1d(newest, size), rtol=0, atol=0
        )


def test_nhits_refuses_unequal_pools_and_rates() -> None:
    model = get_spec("nhits").create({"pools": "2,1", "downsample": "4,2,1"})
    with pytest.raises(UsageError, match=r"pools \(2 values\) and downsample \(3 values\)"):
        model._architecture(1, 24, 12)


# --- TCN receptive field --------------------------------------------------------------------


@pytest.mark.parametrize(("kernel", "layers"), [(2, 1), (3, 3), (4, 2)])
def test_tcn_receptive_field_is_the_impulse_response_of_an_untrained_net(kernel, layers) -> None:
    """The gradient of the head's input (the last step's channels) with respect to every input
    step: non-zero exactly over the last ``receptive_field`` steps (causal: none after, none
    before). Zero is exact: an input outside the field never enters the computation."""
    field = conv.receptive_field(kernel, layers)
    assert field == 1 + 2 * (kernel - 1) * sum(2**i for i in range(layers))
    window = field + 9
    torch.manual_seed(0)
    net = conv.TcnNet(2, window, 16, kernel, layers, 0.0, 1).double().eval()
    x = torch.randn(1, window, 2, dtype=torch.float64, requires_grad=True)
    last = net.blocks(x.transpose(1, 2))[:, :, -1].sum()
    (grad,) = torch.autograd.grad(last, x)
    seen = grad[0].abs().sum(-1) > 0  # [window]
    assert seen.tolist() == [False] * (window - field) + [True] * field


def test_tcn_window_defaults_to_cover_the_receptive_field() -> None:
    model = get_spec("tcn").create({"kernel_size": 3, "layers": 4})  # field 61
    assert model.lookback("MS") == 61
    assert get_spec("tcn").create({"kernel_size": 2, "layers": 2}).lookback("MS") == 24
    n = 61 * 6 + 24
    y = pd.Series(
        np.sin(np.arange(n) * 2 * np.pi / 12), pd.date_range("2000", periods=n, freq="MS")
    )
    fitted = get_spec("tcn").create({"filters": 4, "epochs": 1, "horizon": 12}).fit(y)
    assert fitted.window_ == 61
    assert fitted.summary().extra["window_source"] == (
        "61 (auto: the receptive field 61, above the usual 24)"
    )
    assert "receptive field 61" in fitted.summary().description


# --- training works -------------------------------------------------------------------------


def _monthly(values: np.ndarray) -> pd.Series:
    y = pd.Series(values, pd.date_range("2000-01-01", periods=values.size, freq="MS"))
    y.attrs["freq"] = "MS"
    return y


RECOVER = {
    "basis": "interpretable",
    "window": 24,
    "horizon": 12,
    "hidden_size": 32,
    "layers": 2,
    "blocks": 1,
    "epochs": 40,
    "patience": 40,
    "calendar": False,
    "lr": 0.003,
    "batch_size": 32,
    "device": "cpu",
}


@pytest.mark.parametrize("shape", ["trend", "sine"])
def test_interpretable_nbeats_recovers_a_pure_trend_and_a_pure_sine(shape) -> None:
    """200 noise-free months: a quadratic trend, or a sine of period 12 (harmonic 1 of the
    12-step horizon). The 12 months after the training span are forecast within 0.1 standard
    deviations (mean absolute error). A trained network's error after a fixed budget has no
    closed-form bound: seeded on the CPU the run is deterministic, and observed errors are
    about a third of the bound (0.03-0.05 sd); the naive forecast's is ~0.9 sd on the sine."""
    t = np.arange(200)
    values = (
        10 + 2 * (t / 100) + 3 * (t / 100) ** 2
        if shape == "trend"
        else 5 * np.sin(2 * np.pi * t / 12)
    )
    y = _monthly(values)
    model = get_spec("nbeats").create(RECOVER).fit(y.iloc[:188])
    error = np.abs(model.predict(12).mean - values[188:]).mean()
    assert error < 0.1 * values.std(), error


def test_a_tiny_network_overfits_a_tiny_panel() -> None:
    """Three noise-free seasonal series of 60 months, one global nhits and one generic nbeats
    of a few hundred weights: the training loss (MSE in scaled units, where each series' sd is
    1) falls below 0.005 (errors of ~0.07 sd) from ~1 at the start; observed ~4e-4."""
    months = np.arange(60)
    panel = [
        (f"s{i}", _monthly(100 * (i + 1) + 10 * np.sin(2 * np.pi * (months + 3 * i) / 12)))
        for i in range(3)
    ]
    base = {"window": 12, "horizon": 6, "calendar": False, "hidden_size": 16, "layers": 1,
            "epochs": 30, "patience": 30, "lr": 0.003, "loss": "mse", "batch_size": 16,
            "device": "cpu"}  # fmt: skip
    for name, extra in (("nhits", {"pools": "2,1", "downsample": "3,1"}), ("nbeats", {})):
        model = GlobalForecaster(name, {**base, **extra, "blocks": 1}).fit(panel)
        history = model.info_["history"]
        assert history[0][0] > 0.5 and model.info_["train_loss"] < 0.005, (name, history[-1])


# --- regressors, model files ------------------------------------------------------------------


@pytest.mark.parametrize("name", FAMILIES)
def test_regressors_reach_the_forecast(name) -> None:
    """A regressor's future values enter the head (FutureRegressors): trained on y = x + noise
    with x random, the forecast moves with the future x given."""
    rng = np.random.default_rng(0)
    n = 100
    x = rng.normal(size=n + 6)
    y = _monthly(50 + 10 * x[:n] + rng.normal(0, 0.1, n))
    exog = pd.DataFrame({"x": x[:n]}, index=y.index)
    params = {"window": 12, "horizon": 6, "epochs": 8, "patience": 8, "batch_size": 16,
              "lr": 0.03, "device": "cpu", "calendar": False,
              **SMALL[name]}  # fmt: skip
    model = get_spec(name).create(params).fit(y, exog)
    future = pd.DataFrame({"x": x[n:]}, index=pd.date_range(y.index[-1], periods=7, freq="MS")[1:])
    low = model.predict(6, exog_future=future - 1).mean
    high = model.predict(6, exog_future=future + 1).mean
    assert np.all(high - low > 5), high - low  # 2 units of x: ~20 in y


SMALL = {
    "mlp": {"hidden_size": 8, "layers": 1},
    "cnn": {"filters": 4},
    "tcn": {"filters": 4, "kernel_size": 2, "layers": 2},
    "nbeats": {"hidden_size": 8, "layers": 1, "blocks": 1},
    "nhits": {"hidden_size": 8, "layers": 1},
}


def test_cli_global_nbeats_saves_predicts_and_refuses_a_forged_architecture(cli, tmp_path) -> None:
    """fit --save then predict gives the fit's forecasts; a file whose network sizes differ
    from its parameters is refused as damaged before any network is built."""
    import json
    import struct

    from safetensors.numpy import load, save

    from forecast.io import modelfile

    path = tmp_path / "nb.fcm"
    args = ("sample_data/retail_panel.csv", "--id-col", "store", "-m", "nbeats", "-H", "3")
    fit = cli("fit", *args, "--epochs", "2", "--param", "hidden_size=8", "--param", "blocks=1",
              "--save", path, "-f", "json")  # fmt: skip
    assert fit.code == 0, fit.stderr
    pred = cli("predict", path, "-H", "3", "-f", "json")
    assert pred.code == 0, pred.stderr
    fitted = [s["forecast"] for s in json.loads(fit.stdout)["series"]]
    assert len(fitted) == 12
    assert [s["forecast"] for s in json.loads(pred.stdout)["series"]] == fitted
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    meta = json.loads(json.loads(raw[8 : 8 + size])["__metadata__"]["forecast"])
    arrays = load(raw)
    arch = meta["global"]["architecture"]
    assert arch["kind"] == "mean" and arch["members"] == 3  # seeds=auto: three networks
    arch["inner"]["hidden_size"] = 9  # a consistent file that says otherwise
    meta.pop("checksum")
    meta["checksum"] = modelfile._checksum(meta, arrays)
    forged = tmp_path / "forged.fcm"
    forged.write_bytes(save(arrays, metadata={"forecast": json.dumps(meta)}))
    bad = cli("predict", forged, "-H", "3")
    assert bad.code == 2 and "hidden_size 9 differs from its parameter hidden_size=8" in bad.stderr


# --- seeds and the global model -------------------------------------------------------------


@pytest.mark.parametrize("name", FAMILIES)
def test_same_seed_same_model_and_a_panel_of_one_is_the_per_series_model(name) -> None:
    """Seeded CPU training is bit-for-bit repeatable; another seed gives another network; one
    series through the global model gets the per-series model's samples, scaler and weights."""
    from tests.models.test_contract import monthly_series

    y = monthly_series().iloc[:120]
    params = {"window": 12, "horizon": 12, "epochs": 2, "patience": 2, "batch_size": 32,
              "device": "cpu", **SMALL[name]}  # fmt: skip
    single = get_spec(name).create(params).fit(y)
    again = get_spec(name).create(params).fit(y)
    np.testing.assert_array_equal(single.predict(6, [80]).mean, again.predict(6, [80]).mean)
    other = get_spec(name).create({**params, "seed": 1}).fit(y)
    assert not np.array_equal(single.predict(6).mean, other.predict(6).mean)
    panel = GlobalForecaster(name, params).fit([("a", y)])
    for (k1, v1), (k2, v2) in zip(
        single.net_.state_dict().items(), panel.net_.state_dict().items(), strict=True
    ):
        assert k1 == k2 and torch.equal(v1, v2), k1
    np.testing.assert_allclose(panel.predict(6)["a"].mean, single.predict(6).mean, atol=1e-9)
    assert families.describe(panel.arch_) in panel.summary("a").description


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", FAMILIES)
def test_cuda_with_amp_and_deterministic_repeats_exactly(name) -> None:
    """On CUDA: AMP training runs (bf16/fp16 autocast), and --deterministic repeats bit for
    bit (not run here: this machine has no GPU)."""
    from tests.models.test_contract import monthly_series

    y = monthly_series().iloc[:120]
    params = {"window": 12, "horizon": 12, "epochs": 3, "patience": 3, "batch_size": 32,
              "device": "cuda", "amp": True, **SMALL[name]}  # fmt: skip
    a = GlobalForecaster(name, params, deterministic=True).fit([("a", y), ("b", y * 2)])
    b = GlobalForecaster(name, params, deterministic=True).fit([("a", y), ("b", y * 2)])
    assert a.info_["device"] == "cuda" and a.info_["amp"] in ("bfloat16", "float16")
    np.testing.assert_array_equal(a.predict(6)["b"].mean, b.predict(6)["b"].mean)
