"""Neural forecasters on PyTorch: RNN, LSTM, GRU, Transformer, MLP, CNN, TCN, N-BEATS, N-HiTS.

Layers, from the bottom:

- ``options``: the hyperparameters every neural model has, defined once (no torch).
- ``architectures``: what a family's architecture dict holds and its one-line name (no torch).
- The networks (``nn.Module`` s only, one module per family): ``recurrent``, ``transformer``,
  ``dense``, ``conv``, ``nbeats``; ``heads`` the pieces they share; ``networks`` builds one
  from its architecture dict and restores its weights.
- ``windows`` the sample plans, scalers, calendar features and window views, ``trainer`` the
  training loop with early stopping, ``device`` the device choice and reproducibility,
  ``shape`` the window/horizon/period choice.
- Per-series models: ``base`` (attributes, constructor), ``inference``, ``regressors``,
  ``intervals``, ``model_state``, ``report`` (mixins by concern), ``forecaster`` (fitting; the
  recurrent and Transformer models), ``families`` (the feed-forward and convolutional ones).
- Global models over a panel: ``global_options`` (no torch), ``global_state`` (attributes,
  model files), ``global_forecasting``, ``global_model`` (fitting).

Importing this package imports nothing heavy; the modules import torch, and only model creation
loads them (through the registry's factory paths).
"""
