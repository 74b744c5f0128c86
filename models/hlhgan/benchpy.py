"""Times a TorchScript model in this Python's PyTorch: `python3 -m hlhgan.benchpy --model DIR --shape N H W`.
Prints one JSON line: median milliseconds per forward pass and the thread count."""
import argparse
import json
import statistics
import time

import torch

from . import export


def main(argv=None):
    p = argparse.ArgumentParser(prog="hlhgan.benchpy")
    p.add_argument("--model", required=True)
    p.add_argument("--shape", type=int, nargs=3, default=[1, 128, 128])
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    model, _ = export.load(a.model)
    n, h, w = a.shape
    lq = torch.rand(n, 1, h, w)
    mask = torch.zeros(n, 1, h, w)
    times = []
    with torch.no_grad():
        for i in range(a.runs + 3):
            t0 = time.perf_counter()
            model(lq, mask)
            if i >= 3:
                times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"median_ms": statistics.median(times), "threads": torch.get_num_threads(),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
