"""The ARIMA family, laid out as statsmodels' ``tsa/arima``.

- :mod:`~forecast.models.arima.spec`: :class:`SarimaxSpec`, a model's orders and trend;
- :mod:`~forecast.models.arima.kernels`, :mod:`~forecast.models.arima.central_gradient`: the
  compiled likelihood kernels and their central-difference gradient (numba);
- :mod:`~forecast.models.arima.estimation`: exact maximum likelihood (CSS start, L-BFGS-B);
- :mod:`~forecast.models.arima.kalman`: the Kalman filter that moves a fitted state on;
- :mod:`~forecast.models.arima.models`: the AR, MA, ARMA, ARIMA and SARIMA forecasters;
- :mod:`~forecast.models.arima.search`, :mod:`~forecast.models.arima.auto`: the
  Hyndman-Khandakar order search and the auto-ARIMA forecaster.

Nothing is imported here: each module is imported where it is needed (numba only by the
kernels).
"""
