"""Neural forecasters on PyTorch: RNN, LSTM, GRU and Transformer encoders.

``networks`` holds the ``nn.Module`` s, ``windows`` the sample plans, scalers, calendar features
and window views, ``trainer`` the training loop with early stopping, ``device`` the device
choice and reproducibility, ``forecaster`` the adapters to the Forecaster contract. Importing
this package imports nothing heavy; the modules import torch, and only model creation loads them
(through the registry's factory paths).
"""
