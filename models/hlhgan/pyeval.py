"""Python-side evaluation of an exported model, 2D or with through-plane context:
`python3 -m hlhgan.pyeval --model DIR --volumes V... [--slices 16]`. Each volume is scaled to [0, 1],
degraded slice by slice with independent noise (SR-B, SR-N-B at the model's scale), and each chosen
axial slice is enhanced from its own stack of k degraded neighbours (mirrored at the edges), so a
2.5D model sees realistic neighbours. Prints foreground PSNR of the model and of bicubic per volume
(mean over slices) as a Markdown table. Not the Java evaluator's slice set or seeds."""
import argparse

import torch

from . import data, export
from .train import VAL_PROTOCOLS, _ValVolume


def main(argv=None):
    p = argparse.ArgumentParser(prog="hlhgan.pyeval", description=__doc__)
    p.add_argument("--model", required=True)
    p.add_argument("--volumes", nargs="+", required=True)
    p.add_argument("--slices", type=int, default=16)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    net, cfg = export.load(a.model)
    k = int(cfg.get("context_slices", 1))
    print(f"model {cfg.get('name')} {cfg.get('version')}: x{cfg['scale']}, context {k}")
    print("| volume | protocol | slices | bicubic | model | model - bicubic |")
    print("|---|---|---|---|---|---|")
    for src in data.find_volumes(a.volumes):
        v = _ValVolume(src, cfg["scale"], k, a.slices)
        for name in VAL_PROTOCOLS:
            m, b = v.psnr(net, name, torch.device("cpu"))
            print(f"| {v.name} | {name} | {len(v.hq)} | {b:.2f} | {m:.2f} | {m - b:+.2f} dB |", flush=True)


if __name__ == "__main__":
    main()
