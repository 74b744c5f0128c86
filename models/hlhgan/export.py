"""TorchScript export of F (and G) with the JSON config the Java node reads."""
import json
import os
import time
from pathlib import Path

import torch

from . import __version__

CONFIG_NAME = "config.json"
F_NAME = "model.pt"
G_NAME = "degrader.pt"


class _GWrapper(torch.nn.Module):
    """G with its condition maps as one input, so the exported file has plain tensor inputs."""

    def __init__(self, g):
        super().__init__()
        self.g = g

    def forward(self, hq: torch.Tensor, cond: torch.Tensor, mask_lq: torch.Tensor) -> torch.Tensor:
        return self.g(hq, cond, mask_lq)


def export(f_net, g_net, out_dir, config):
    """Write model.pt (F: inputs lq (N,k,h,w) in [0,1] and mask (N,1,h,w); output (N,1,sh,sw); k =
    context_slices adjacent slices, 1 for the 2D model, the node's contract: input_channels 2),
    degrader.pt (G) and config.json. Files are written under a temporary name and renamed."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    f_net = f_net.eval()
    scripted = torch.jit.script(f_net)
    _atomic(out / F_NAME, lambda p: scripted.save(str(p)))
    if g_net is not None:
        g_scripted = torch.jit.script(_GWrapper(g_net.eval()))
        _atomic(out / G_NAME, lambda p: g_scripted.save(str(p)))
    cfg = dict(config)
    cfg.update({
        "format": "torchscript",
        "file": F_NAME,
        "degrader_file": G_NAME if g_net is not None else None,
        "inputs": ["lq", "mask"],
        "input_channels": getattr(f_net, "context", 1) + 1,
        "context_slices": getattr(f_net, "context", 1),
        "output_channels": 1,
        "normalisation": {"method": "percentile", "percentile": 99.5, "range": [0.0, 1.0]},
        "exported_by": f"hlhgan {__version__}, torch {torch.__version__}",
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    })
    text = json.dumps(cfg, indent=2, sort_keys=True)
    _atomic(out / CONFIG_NAME, lambda p: p.write_text(text + "\n"))
    return out / F_NAME


def _atomic(path, write):
    tmp = path.with_name(path.name + ".part")
    write(tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load(model_dir):
    model_dir = Path(model_dir)
    cfg = json.loads((model_dir / CONFIG_NAME).read_text())
    return torch.jit.load(str(model_dir / cfg["file"]), map_location="cpu"), cfg
