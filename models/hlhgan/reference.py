"""Writes a model folder with a seeded, untrained F and reference input/output files, for the Java
parity test: `python3 -m hlhgan.reference --out DIR [--preset tiny] [--scale 2] [--seed 0]`.
Files: config.json, model.pt, parity.json (shapes), parity-lq.f32, parity-mask.f32, parity-out.f32
(little-endian float32)."""
import argparse
import json
from pathlib import Path

import numpy as np
import torch

from . import export, networks, presets


def main(argv=None):
    p = argparse.ArgumentParser(prog="hlhgan.reference", description=__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--preset", default="tiny", choices=sorted(presets.PRESETS))
    p.add_argument("--scale", type=int, default=2, choices=(1, 2, 4))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--shape", type=int, nargs=3, default=[3, 40, 48], metavar=("N", "H", "W"))
    a = p.parse_args(argv)
    torch.manual_seed(a.seed)
    pr = presets.get(a.preset)
    f = networks.GeneratorLH(a.scale, pr.filters, pr.f_groups).eval()
    out = Path(a.out)
    export.export(f, None, out, {"name": f"reference-{a.preset}", "version": "0", "preset": a.preset, "scale": a.scale})
    n, h, w = a.shape
    g = torch.Generator().manual_seed(a.seed + 1)
    lq = torch.rand((n, 1, h, w), generator=g)
    mask = (torch.rand((n, 1, h, w), generator=g) > 0.85).float()
    model, _ = export.load(out)
    with torch.no_grad():
        y = model(lq, mask)
    for name, t in (("lq", lq), ("mask", mask), ("out", y)):
        t.numpy().astype("<f4").tofile(str(out / f"parity-{name}.f32"))
    (out / "parity.json").write_text(json.dumps({"n": n, "h": h, "w": w, "scale": a.scale,
                                                  "gflop_per_input": conv_gflop(f, lq[:1], mask[:1])}))


def conv_gflop(net, *inputs):
    """2 x multiply-accumulates of every convolution for one input (the FLOP count used in benchmarks)."""
    total = [0]

    def hook(m, inp, out):
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        total[0] += 2 * k * out.numel()

    hooks = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        net(*inputs)
    for h in hooks:
        h.remove()
    return total[0] / 1e9


if __name__ == "__main__":
    main()
