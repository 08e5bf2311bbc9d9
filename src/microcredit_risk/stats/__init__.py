"""Statistics (statsmodels/scipy): trend, default drivers, segment tests, projection."""
