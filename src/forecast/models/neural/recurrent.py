"""The recurrent encoder (RNN, LSTM, GRU) over the input window and a linear head that emits
``out_steps`` values at once, added to the last input value (the naive skip of
:mod:`networks`).

``relative`` (every network fitted since issue 33; files written before lack it and read the
levels): the encoder reads the window's values minus its last value, as N-BEATS does, so the
same shape at another level is the same input. On 100 M3 monthly series (bench/RESULTS.md,
issue 33) the levels alone put a global GRU at MASE 1.35 against 1.07 relative: a series whose
last window lies outside the levels its scaler saw (a trend) met an input the network never
trained on.

``window_scale="std"`` (a global model's default on a quarterly panel) also divides the window's
values by their standard deviation and multiplies the head's output by it: on 250 M3 quarterly
series a global GRU's MASE went from 1.286 to 1.141 (draw A) and 1.445 to 1.265 (draw B), the
LSTM's from 1.343 to 1.166 and 1.477 to 1.272; on monthly series the GRU lost 2 % (0.973 ->
0.998, 0.964 -> 0.984; bench/RESULTS.md, issue 33)."""

from __future__ import annotations

import torch
from torch import nn

from forecast.models.neural.architectures import check_window_scale
from forecast.models.neural.heads import FutureRegressors, relative_to_last, window_spread

RECURRENT = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentNet(nn.Module):
    """Stacked (optionally bidirectional) RNN/LSTM/GRU; the head reads the last layer's final
    hidden state (both directions' when bidirectional)."""

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        layers: int,
        dropout: float,
        bidirectional: bool,
        out_steps: int,
        exog_size: int = 0,
        relative: bool = False,
        window_scale: str = "none",
    ) -> None:
        super().__init__()
        check_window_scale(window_scale)
        self.cell = cell
        self.relative = relative
        self.window_scale = window_scale
        self.directions = 2 if bidirectional else 1
        self.rnn = RECURRENT[cell](
            input_size,
            hidden_size,
            num_layers=layers,
            batch_first=True,
            dropout=dropout if layers > 1 else 0.0,  # between stacked layers
            bidirectional=bidirectional,
        )
        self.dropout = nn.Dropout(dropout)  # on the encoder's output
        self.head = nn.Linear(hidden_size * self.directions, out_steps)
        self.future = FutureRegressors(out_steps, exog_size)

    def forward(
        self, x: torch.Tensor, future: torch.Tensor | None = None
    ) -> torch.Tensor:  # x: [batch, window, features]; future: [batch, out_steps, exog]
        base = x[:, -1, :1]  # [batch, 1] the last scaled value: the naive forecast
        if self.relative:
            x, base = relative_to_last(x)
        spread = torch.ones((), dtype=x.dtype, device=x.device)
        if self.window_scale == "std":  # the values divided by their spread, the output times it
            spread = window_spread(x[:, :, 0])  # [batch, 1]
            x = torch.cat([x[:, :, :1] / spread.unsqueeze(1), x[:, :, 1:]], dim=-1)
        _, state = self.rnn(x)
        hidden = state[0] if self.cell == "lstm" else state  # [layers * dirs, batch, hidden]
        last = hidden[-self.directions :].transpose(0, 1).reshape(x.shape[0], -1)  # [batch, h*d]
        out = base + spread * self.head(self.dropout(last))  # [batch, out_steps]
        return self.future(out, future)
