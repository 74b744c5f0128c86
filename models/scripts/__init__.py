"""One-off tools around the model (data preparation, statistics, pictures, GPU runs); run them from
models/ as modules, e.g. `python3 -m scripts.ulf_stats`, so that they import hlhgan from this folder."""
