"""The recurrent encoder (RNN, LSTM, GRU) over the input window and a linear head that emits
``out_steps`` values at once, added to the last input value (the naive skip of
:mod:`networks`).

``relative`` (every network fitted since issue 33; files written before lack it and read the
levels): the encoder reads the window's values minus its last value, as N-BEATS does, so the
same shape at another level is the same input. On 100 M3 monthly series (bench/RESULTS.md,
issue 33) the levels alone put a global GRU at MASE 1.35 against 1.07 relative: a series whose
last window lies outside the levels its scaler saw (a trend) met an input the network never
trained on."""

from __future__ import annotations

import torch
from torch import nn

from forecast.models.neural.heads import FutureRegressors, relative_to_last

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
    ) -> None:
        super().__init__()
        self.cell = cell
        self.relative = relative
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
        _, state = self.rnn(x)
        hidden = state[0] if self.cell == "lstm" else state  # [layers * dirs, batch, hidden]
        last = hidden[-self.directions :].transpose(0, 1).reshape(x.shape[0], -1)  # [batch, h*d]
        out = base + self.head(self.dropout(last))  # [batch, out_steps]
        return self.future(out, future)
