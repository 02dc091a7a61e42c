"""The benchmark of ctdash at scale: `python -m bench.run --help`."""
