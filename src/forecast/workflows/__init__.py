"""One module per command: a typed, frozen request in, a typed result out, nothing printed.

:mod:`.source` decides where the series come from and where they run; the commands' modules
(:mod:`.fit`, :mod:`.predict`, ...) use it. The CLI and :mod:`forecast.api` call these."""
