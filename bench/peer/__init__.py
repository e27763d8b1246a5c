"""The peer of the benchmarks: a plain FastAPI service as a competent user would write it (``app.py``)."""
