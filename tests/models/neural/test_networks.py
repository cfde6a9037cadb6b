"""Network shapes, the naive skip connection, bidirectional and causal encoders."""

from __future__ import annotations

import math

import pytest
import torch

from forecast.models.neural import networks, transformer


def _arch(kind: str, **extra) -> dict:
    if kind == "transformer":
        sizes = {"d_model": 8, "heads": 2, "layers": 2, "ff_size": 16, "causal": False}
        sizes |= {"window": 10, "patch": 1}
    else:
        sizes = {"hidden_size": 6, "layers": 2, "bidirectional": False}
    return {"kind": kind, "input_size": 3, "dropout": 0.0, "out_steps": 4, **sizes, **extra}


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru", "transformer"])
def test_output_shape_and_rebuild_from_the_architecture(kind) -> None:
    torch.manual_seed(0)
    net = networks.build(_arch(kind)).eval()
    x = torch.randn(5, 10, 3)  # [batch, window, features]
    out = net(x)
    assert out.shape == (5, 4)
    again = networks.build(_arch(kind)).eval()
    again.load_state_dict(net.state_dict())
    torch.testing.assert_close(again(x), out, rtol=0, atol=0)
    assert networks.parameter_count(net) == sum(p.numel() for p in net.parameters())


@pytest.mark.parametrize("kind", ["lstm", "transformer"])
def test_a_zero_head_is_the_naive_forecast(kind) -> None:
    net = networks.build(_arch(kind)).eval()
    with torch.no_grad():
        net.head.weight.zero_()
        net.head.bias.zero_()
    x = torch.randn(3, 10, 3)
    expected = x[:, -1, :1].expand(3, 4)  # the last value, repeated
    torch.testing.assert_close(net(x), expected, rtol=0, atol=0)


def test_bidirectional_head_reads_both_directions() -> None:
    net = networks.build(_arch("gru", bidirectional=True)).eval()
    assert net.head.in_features == 12  # 2 directions x 6 hidden
    x = torch.randn(2, 10, 3)
    first_changed = x.clone()
    first_changed[:, 0] += 1.0
    # the backward direction's final state has read the first value last: it must matter
    assert not torch.allclose(net(x), net(first_changed))


def test_causal_mask_hides_the_future_from_earlier_positions() -> None:
    torch.manual_seed(0)
    net = networks.build(_arch("transformer", causal=True)).eval()
    x = torch.randn(1, 10, 3)
    later_changed = x.clone()
    later_changed[:, 6:] += 5.0

    with torch.no_grad():
        a, b = net.encode(x), net.encode(later_changed)
    torch.testing.assert_close(a[:, :6], b[:, :6])  # positions 0..5 never see 6..9
    assert not torch.allclose(a[:, 6:], b[:, 6:])
    open_net = networks.build(_arch("transformer", causal=False)).eval()
    assert open_net.mask is None


def test_patches_are_consecutive_steps_padded_at_the_start() -> None:
    torch.manual_seed(0)
    net = networks.build(_arch("transformer", patch=4)).eval()  # window 10: 3 tokens, pad 2
    assert net.tokens == 3 and net.embed.in_features == 12
    x = torch.randn(2, 10, 3)
    padded = torch.cat([x[:, :1], x[:, :1], x], dim=1)  # [2, 12, 3]
    expected = net.embed(padded.reshape(2, 3, 12)) + net.position
    with torch.no_grad():
        got = net.encoder(expected, mask=None, is_causal=False)
        torch.testing.assert_close(net.encode(x), got)
    assert net(x).shape == (2, 4)
    causal = networks.build(_arch("transformer", patch=4, causal=True)).eval()
    later = x.clone()
    later[:, 6:] += 5.0  # steps 6..9 are the last token (steps 6..9 after 2 padding)
    with torch.no_grad():
        torch.testing.assert_close(causal.encode(x)[:, :2], causal.encode(later)[:, :2])


def test_sinusoidal_positions_follow_vaswani() -> None:
    table = transformer.sinusoidal(7, 6)  # [7, 6]
    pos = 5  # dimension pair i = 2: sin in column 4, cos in column 5, rate 10000^(-2i/6)
    rate = 10000 ** (-4 / 6)
    assert table[pos, 4].item() == pytest.approx(math.sin(pos * rate), abs=1e-6)
    assert table[pos, 5].item() == pytest.approx(math.cos(pos * rate), abs=1e-6)
    assert table[0, 0].item() == 0.0 and table[0, 1].item() == 1.0
