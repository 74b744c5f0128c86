"""TorchScript export of F (and G) with the JSON config the Java node reads.

`python3 -m hlhgan.export --weights DIR --out DIR [--version V]` re-exports F from a model folder's
f_state.pt (or f_state.npz) and config.json with this Python's PyTorch, e.g. weights trained with a
newer PyTorch on a GPU machine re-exported with the PyTorch whose TorchScript the node's libtorch reads.

`--average-with DIR2 [--weight W]` exports instead the element-wise average (1 - W) * F(DIR) + W * F(DIR2) of two F's of
the same architecture, e.g. a model and its own fine-tuning (weight averaging of fine-tuned models, "model soups",
Wortsman et al., ICML 2022); the config records both sources and W under `weight_average`.

`--snapshots CKPT [CKPT ...]` exports instead the uniform average of F over training checkpoints (checkpoint.pt files
of one run, copied as it went; stochastic weight averaging, Izmailov et al., UAI 2018), built with --weights's
config.json (the run's export folder); the config records the checkpoints and their F steps under `weight_average`."""
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
    write_config(f_net, out, config, g_net is not None)
    return out / F_NAME


def write_config(f_net, out, config, with_g):
    """config.json for F (and G when with_g): the given fields plus the file contract."""
    cfg = dict(config)
    cfg.update({
        "format": "torchscript",
        "file": F_NAME,
        "degrader_file": G_NAME if with_g else None,
        "inputs": ["lq", "mask"],
        "input_channels": getattr(f_net, "context", 1) + 1,
        "context_slices": getattr(f_net, "context", 1),
        "output_channels": 1,
        "normalisation": {"method": "percentile", "percentile": 99.5, "range": [0.0, 1.0]},
        "exported_by": f"hlhgan {__version__}, torch {torch.__version__}",
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    })
    text = json.dumps(cfg, indent=2, sort_keys=True)
    _atomic(Path(out) / CONFIG_NAME, lambda p: p.write_text(text + "\n"))


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


def load_f_state(model_dir, with_digest=False):
    """F's weights (a state dict) from a model folder's f_state.npz, else its f_state.pt; with_digest:
    (state, SHA-256 hex of the file read). SystemExit when the folder has neither or it cannot be read."""
    import hashlib

    import numpy as np

    src = Path(model_dir)
    if not src.is_dir():
        raise SystemExit(f"{src}: not a folder; give the model folder that holds f_state.pt and config.json")
    path = src / "f_state.npz" if (src / "f_state.npz").exists() else src / "f_state.pt"
    if not path.exists():
        raise SystemExit(f"{src}: no f_state.pt or f_state.npz (F's weights) in this folder")
    try:
        if path.suffix == ".npz":
            with np.load(str(path)) as z:
                state = {k: torch.from_numpy(z[k].copy()) for k in z.files}
        else:
            state = torch.load(str(path), map_location="cpu")
    except Exception as e:       # a truncated file, a TorchScript archive, something else renamed
        raise SystemExit(f"{path}: not F's weights as hlhgan writes them ({type(e).__name__}: {e})")
    if not isinstance(state, dict):
        raise SystemExit(f"{path}: holds a {type(state).__name__}, not a state dict of F's weights")
    if with_digest:
        return state, hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def read_config(model_dir):
    """A model folder's config.json as a dict (SystemExit when it is missing or not JSON)."""
    path = Path(model_dir) / CONFIG_NAME
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise SystemExit(f"{path}: cannot be read as the model's configuration ({e})")


def build_f(model_dir):
    """(F as a torch module with the folder's weights, config dict): F rebuilt from the folder's config.json
    (preset sizes, scale, fill, context) and f_state; SystemExit when either cannot be read."""
    from . import networks
    cfg = read_config(model_dir)
    sizes = cfg["preset_sizes"]
    f = networks.GeneratorLH(cfg["scale"], sizes["filters"], tuple(sizes["f_groups"]), cfg.get("fill", "average"),
                             cfg.get("context_slices", 1))
    f.load_state_dict(load_f_state(model_dir))
    return f.eval(), cfg


def average_weights(f, other, weight):
    """Sets F's floating-point state-dict entries (weights, biases, PReLU slopes) to (1 - weight) * F + weight * other,
    in place; entries that are not floating point (none in this project's networks) keep F's value. other must have the
    same state-dict keys and tensor shapes (SystemExit naming the first difference); weight in [0, 1]."""
    if not 0.0 <= weight <= 1.0:
        raise SystemExit(f"--weight must lie in [0, 1], got {weight}")
    a, b = f.state_dict(), other.state_dict()
    if a.keys() != b.keys():
        raise SystemExit(f"cannot average: the two F's differ in their layers ({sorted(a.keys() ^ b.keys())[:3]})")
    for k in a:
        if a[k].shape != b[k].shape:
            raise SystemExit(f"cannot average: {k} has shape {tuple(a[k].shape)} and {tuple(b[k].shape)}")
    f.load_state_dict({k: (1.0 - weight) * a[k] + weight * b[k] if a[k].is_floating_point() else a[k] for k in a})
    return f


def snapshot_average(f, checkpoints):
    """Sets F's floating-point weights to the uniform mean of F's weights in the given training checkpoints
    (`train.Trainer.save`'s files: {"nets": {"F": state dict}, "done": {"f": steps}, ...}); returns
    [(path, F steps)] in the order given. SystemExit when a file is not such a checkpoint or its F differs from f's
    layers or shapes."""
    if not checkpoints:
        raise SystemExit("--snapshots needs at least one checkpoint file")
    ref = f.state_dict()
    total = {k: torch.zeros_like(v) for k, v in ref.items() if v.is_floating_point()}
    seen = []
    for path in checkpoints:
        try:
            st = torch.load(str(path), map_location="cpu")
            sd = st["nets"]["F"]
        except Exception as e:   # missing, truncated, or another kind of file
            raise SystemExit(f"{path}: not a training checkpoint with F's weights ({type(e).__name__}: {e})")
        if sd.keys() != ref.keys() or any(sd[k].shape != ref[k].shape for k in ref):
            raise SystemExit(f"cannot average: {path}'s F differs in its layers or shapes from the config's F")
        for k in total:
            total[k] += sd[k].to(total[k].dtype)
        seen.append((str(path), int(st.get("done", {}).get("f", 0))))
    f.load_state_dict({k: total[k] / len(checkpoints) if k in total else ref[k] for k in ref})
    return seen


def reexport(src_dir, out_dir, version=None, average_with=None, weight=0.5, snapshots=None):
    """F rebuilt from src_dir's config.json (preset sizes, scale, fill, context) and weights, exported
    to out_dir with the same config (G is not carried over; a degrader.pt already in out_dir, as when
    src_dir is out_dir, stays listed). With average_with (a second model folder), F's weights become
    (1 - weight) * src + weight * average_with (`average_weights`; scale, fill and context must agree)."""
    src = Path(src_dir)
    f, cfg = build_f(src)
    if snapshots:
        seen = snapshot_average(f, snapshots)
        cfg = dict(cfg, weight_average={"method": "uniform mean over training checkpoints",
                                        "snapshots": [{"file": p, "f_steps": n} for p, n in seen]})
    elif average_with is not None:
        other, ocfg = build_f(Path(average_with))
        for k in ("scale", "fill", "context_slices", "preset_sizes"):
            if cfg.get(k) != ocfg.get(k):
                raise SystemExit(f"cannot average: {k} is {cfg.get(k)!r} in {src_dir} and {ocfg.get(k)!r} in {average_with}")
        average_weights(f, other, weight)
        cfg = dict(cfg, weight_average={"weight": weight,
                                        "sources": [{"folder": str(d), "name": c.get("name"), "version": c.get("version"),
                                                     "share": s}
                                                    for d, c, s in ((src_dir, cfg, 1.0 - weight),
                                                                    (average_with, ocfg, weight))]})
    keep = {k: v for k, v in cfg.items() if k not in ("format", "file", "degrader_file", "inputs", "input_channels",
                                                       "context_slices", "output_channels", "normalisation",
                                                       "exported_by", "exported_at")}
    keep["trained_with"] = cfg.get("trained_with", cfg.get("exported_by"))  # a re-export keeps the first
    if version:
        keep["version"] = version
    path = export(f, None, out_dir, keep)
    if (Path(out_dir) / G_NAME).exists():
        write_config(f, Path(out_dir), keep, True)  # re-exported in place: the folder's G stays listed
    torch.save(f.state_dict(), str(Path(out_dir) / "f_state.pt"))
    return path


def main(argv=None):
    import argparse
    p = argparse.ArgumentParser(prog="hlhgan.export", description=__doc__)
    p.add_argument("--weights", required=True, help="model folder with config.json and f_state.pt / f_state.npz")
    p.add_argument("--out", required=True)
    p.add_argument("--version", default=None)
    p.add_argument("--average-with", default=None,
                   help="a second model folder of the same architecture: export the weighted average of the two F's")
    p.add_argument("--weight", type=float, default=0.5, help="share of --average-with in the average (default 0.5)")
    p.add_argument("--snapshots", nargs="+", default=None, metavar="CKPT",
                   help="training checkpoints of one run: export the uniform average of their F's (--weights gives "
                        "the config)")
    a = p.parse_args(argv)
    if a.snapshots and a.average_with is not None:
        p.error("--snapshots and --average-with are two ways to average: give one")
    if a.snapshots and not a.version:
        p.error("--snapshots makes a new model: give it a --version of its own")
    if a.average_with is None and a.weight != 0.5:
        p.error("--weight is the share of --average-with: give --average-with DIR too")
    if a.average_with is not None and not a.version:
        p.error("--average-with makes a new model: give it a --version of its own")
    print(reexport(a.weights, a.out, a.version, a.average_with, a.weight, a.snapshots))


if __name__ == "__main__":
    main()
