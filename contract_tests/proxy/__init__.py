"""`leadkit proxy`: a reverse proxy that judges each exchange with the rule engine."""
