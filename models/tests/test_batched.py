"""The batched tensor pipeline (degradations.simulate_batch, data.TensorSlicePool) and F with
through-plane context."""
import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as Fn

from hlhgan import data, degradations as deg, export, networks, train


def _head(n=4, size=64):
    y, x = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    disc = (((y - size / 2) ** 2 + (x - size / 2) ** 2) < (0.4 * size) ** 2).float()
    img = disc * (0.5 + 0.3 * torch.sin(x / 3.0) * torch.cos(y / 5.0))
    return img.expand(n, 1, size, size).clone()


def test_batched_simulation_is_reproducible_and_keeps_the_contract():
    hq = _head(6).repeat(1, 3, 1, 1)
    a = deg.simulate_batch(hq, 2, torch.Generator().manual_seed(5), protocol_mix=0.5)
    b = deg.simulate_batch(hq, 2, torch.Generator().manual_seed(5), protocol_mix=0.5)
    c = deg.simulate_batch(hq, 2, torch.Generator().manual_seed(6), protocol_mix=0.5)
    assert torch.equal(a.lq, b.lq) and torch.equal(a.mask_lq, b.mask_lq) and not torch.equal(a.lq, c.lq)
    assert a.lq.shape == (6, 3, 32, 32) and a.mask_lq.shape == (6, 1, 32, 32) and a.mask_hq.shape == (6, 1, 64, 64)
    assert float((a.lq[:, 1:2] * a.mask_lq).abs().max()) == 0.0          # the hole is in the centre slice
    assert torch.equal(a.mask_hq, Fn.interpolate(a.mask_lq, scale_factor=2.0, mode="nearest"))


def test_slices_of_a_stack_share_the_acquisition_but_not_the_noise():
    hq = _head(4).repeat(1, 3, 1, 1)          # three identical slices: only the noise differs
    p = deg.sample_blind(4, torch.Generator().manual_seed(0), "cpu", noise_range=(0.03, 0.03), hole_prob=0, rows_prob=0)
    d = deg.degrade(hq, 2, p, torch.Generator().manual_seed(1))
    diff = d.lq[:, 0] - d.lq[:, 2]
    assert 0.02 < float(diff.std()) < 0.08
    clean = deg.degrade(hq, 2, deg.Params(p.sx, p.sy, p.theta, p.mode, torch.zeros(4), p.rician, p.hole),
                        torch.Generator().manual_seed(1))
    assert torch.allclose(clean.lq[:, 0], clean.lq[:, 2])


def test_batched_kernels_equal_the_per_sample_kernels():
    sx, sy, th = torch.tensor([0.3, 1.7]), torch.tensor([1.1, 0.5]), torch.tensor([0.0, 2.0])
    k = deg.gaussian_kernels(sx, sy, th)
    for i in range(2):
        assert torch.allclose(k[i], deg.gaussian_kernel(float(sx[i]), float(sy[i]), float(th[i])), atol=1e-6)


def test_batched_masks_follow_the_per_sample_rules():
    gen = torch.Generator().manual_seed(0)
    inside = torch.zeros(200, 1, 40, 40, dtype=torch.bool)
    inside[..., 25:35, 25:35] = True
    rect = deg.rect_masks((200, 1, 40, 40), gen, "cpu", inside=inside)
    side = rect.sum(dim=2).amax(dim=(1, 2))
    assert int(side.min()) >= 4 and int(side.max()) <= 10                        # 10% to 25% of 40
    ys, xs = torch.arange(40.0)[:, None], torch.arange(40.0)[None, :]
    cy = (rect[:, 0] * ys).sum(dim=(1, 2)) / rect[:, 0].sum(dim=(1, 2))
    cx = (rect[:, 0] * xs).sum(dim=(1, 2)) / rect[:, 0].sum(dim=(1, 2))
    assert float(cy.min()) > 19 and float(cx.min()) > 19                         # centred in the foreground
    rows = deg.row_masks((200, 1, 40, 40), gen, "cpu")
    n = rows[:, 0, :, 0].sum(1)
    assert set(n.long().tolist()) == {1, 2, 3} and torch.equal(rows[:, 0].amin(2), rows[:, 0, :, 0])


def _stats(lq, mask, hq):
    """Per-sample: has a hole, has missing rows, hole area, LR error outside the hole."""
    full_rows = (mask[:, 0].amin(2) > 0).any(1)
    holes = mask.flatten(1).amax(1) > 0
    err = ((lq - deg.area_down(hq, 2)).abs() * (1 - mask)).flatten(1).mean(1)
    return holes.float(), full_rows.float(), mask.flatten(1).mean(1), err


def test_batched_simulation_draws_from_the_old_distribution():
    """The legacy per-sample path and the batched one agree in distribution (seeds differ)."""
    hq = _head(8)
    old = [deg.simulate(hq, 2, torch.Generator().manual_seed(s)) for s in range(60)]
    old = [torch.cat(t) for t in zip(*[_stats(d.lq, d.mask_lq, hq) for d in old])]
    big = _head(480)
    d = deg.simulate_batch(big, 2, torch.Generator().manual_seed(0))
    new = _stats(d.lq, d.mask_lq, big)
    for o, n, tol in zip(old, new, (0.08, 0.06, 0.004, 0.006)):
        assert abs(float(o.mean()) - float(n.mean())) < tol, (float(o.mean()), float(n.mean()))
    assert abs(float(d.noise.mean()) - 0.025) < 0.003


def test_protocol_like_samples_are_close_to_sr_n_b():
    p = deg.sample_protocol_like(1000, 2, torch.Generator().manual_seed(0), "cpu")
    assert torch.equal(p.sx, p.sy) and float(p.sx.min()) >= 0.85 and float(p.sx.max()) <= 1.15
    assert bool((p.mode == deg.MODES.index("area")).all()) and bool(p.rician.all())
    assert 0.2 < float((p.sigma == 0).float().mean()) < 0.4 and float(p.sigma.max()) <= 0.05
    mixed = deg.sample_params(1000, 2, torch.Generator().manual_seed(0), "cpu", protocol_mix=0.5)
    iso = (mixed.sx == mixed.sy).float().mean()
    assert 0.4 < float(iso) < 0.6


def test_sharp_mix_gives_that_share_a_blur_below_half_a_pixel():
    gen = lambda: torch.Generator().manual_seed(0)
    plain = deg.sample_params(2000, 2, gen(), "cpu", protocol_mix=0.5)
    sharp = deg.sample_params(2000, 2, gen(), "cpu", protocol_mix=0.5, sharp_mix=0.4)
    small = lambda p: float(((p.sx <= 0.5) & (p.sy <= 0.5)).float().mean())
    assert small(plain) < 0.03 and 0.35 < small(sharp) < 0.45
    assert torch.equal(plain.mode, sharp.mode) and torch.equal(plain.sigma, sharp.sigma)   # only the blur changes
    hq = torch.rand(8, 1, 32, 32)
    out = deg.simulate_batch(hq, 2, gen(), sharp_mix=1.0)
    assert out.lq.shape == (8, 1, 16, 16) and bool(torch.isfinite(out.lq).all())


def test_mirror_reflects_about_the_edge_slices():
    assert [data._mirror(j, 5) for j in (-2, -1, 0, 4, 5, 6)] == [2, 1, 0, 4, 3, 2]
    assert data._mirror(-1, 1) == 0 and data._mirror(2, 2) == 0


def test_tensor_pool_gives_stacks_of_true_neighbours(tmp_path):
    z, size = 6, 48
    vol = np.zeros((z, size, size), np.float32)
    yy, xx = np.mgrid[0:size, 0:size]
    disc = ((yy - 24) ** 2 + (xx - 24) ** 2) < 20 ** 2
    for i in range(z):
        vol[i][disc] = 0.3 + 0.1 * i                        # each slice carries its index
    np.savez_compressed(tmp_path / "v.npz", vol=vol.astype(np.float16), normalised=np.array(True))
    pool = data.TensorSlicePool([tmp_path / "v.npz"], 32, axes=(0,), context=3)
    assert len(pool) == z
    p = pool.patches(64, 32, torch.Generator().manual_seed(0))
    assert p.shape == (64, 3, 32, 32)
    level = lambda t: torch.round((t.amax(dim=(1, 2)) - 0.3) / 0.1).long()   # slice index of each channel
    for s in p:
        c = int(level(s[1:2]))
        assert [int(level(s[j:j + 1])) for j in (0, 2)] == [data._mirror(c - 1, z), data._mirror(c + 1, z)]
        assert float((s[1] > 0.1).float().mean()) > 0.3


def test_tensor_pool_patches_come_from_the_slices(tmp_path):
    rng = np.random.default_rng(0)
    vol = rng.uniform(0.2, 1.0, (3, 40, 36)).astype(np.float16)
    np.savez_compressed(tmp_path / "v.npz", vol=vol, normalised=np.array(True))
    pool = data.TensorSlicePool([tmp_path / "v.npz"], 16, axes=(0,))
    p = pool.patches(8, 16, torch.Generator().manual_seed(1))
    for patch in p[:, 0]:
        found = False
        for v in range(8):           # one of the 8 flips/rotations of a window of one slice
            q = torch.flip(patch, (1,)) if v >= 4 else patch
            q = torch.rot90(q, -(v % 4), (0, 1)).numpy()
            for s in vol.astype(np.float32):
                win = np.lib.stride_tricks.sliding_window_view(s, q.shape)
                found = found or bool((np.abs(win - q).max(axis=(2, 3)) == 0).any())
        assert found


def test_f_with_context_takes_k_slices_and_the_2d_contract_is_unchanged(tmp_path):
    f3 = networks.GeneratorLH(2, 8, (1, 1, 1), "harmonic", context=3).eval()
    lq, mask = torch.rand(2, 3, 20, 24), torch.zeros(2, 1, 20, 24)
    assert f3(lq, mask).shape == (2, 1, 40, 48)
    export.export(f3, None, tmp_path / "k3", {"name": "t", "scale": 2})
    loaded, cfg = export.load(tmp_path / "k3")
    assert cfg["input_channels"] == 4 and cfg["context_slices"] == 3
    assert torch.allclose(loaded(lq, mask), f3(lq, mask), atol=1e-6)
    f1 = networks.GeneratorLH(2, 8, (1, 1, 1)).eval()
    export.export(f1, None, tmp_path / "k1", {"name": "t", "scale": 2})
    _, cfg1 = export.load(tmp_path / "k1")
    assert cfg1["input_channels"] == 2 and cfg1["context_slices"] == 1 and cfg1["inputs"] == ["lq", "mask"]


def test_context_training_runs_and_exports(tmp_path):
    vol = np.zeros((10, 48, 48), np.float32)
    yy, xx = np.mgrid[0:48, 0:48]
    for i in range(10):
        vol[i] = (((yy - 24) ** 2 + (xx - 24) ** 2) < 20 ** 2) * (0.5 + 0.3 * np.sin(xx / 3.0 + i / 4.0))
    np.savez_compressed(tmp_path / "v.npz", vol=vol, normalised=np.array(True))
    out = tmp_path / "run"
    train.main(["--hq", str(tmp_path / "v.npz"), "--val", str(tmp_path / "v.npz"), "--out", str(out),
                "--preset", "tiny", "--threads", "1", "--steps-phi", "0", "--steps-g", "0", "--steps-f", "3",
                "--steps-joint", "0", "--g-mix", "0", "--context", "3", "--protocol-mix", "0.5", "--val-every", "3"])
    cfg = json.loads((out / "export" / "config.json").read_text())
    assert cfg["context_slices"] == 3 and cfg["input_channels"] == 4 and cfg["degrader_file"] is None
    v = cfg["validation"][0]
    assert v["step"] == 3 and math.isfinite(v["SR-B"]["model"]) and math.isfinite(v["SR-N-B"]["bicubic"])
    with pytest.raises(SystemExit):        # G and the joint stage see single slices only
        train.main(["--hq", str(tmp_path / "v.npz"), "--out", str(tmp_path / "r2"), "--context", "3", "--steps-joint", "1"])


def test_reexport_from_numpy_weights_gives_the_same_model(tmp_path):
    f = networks.GeneratorLH(2, 8, (1, 1, 1), "harmonic", context=3).eval()
    export.export(f, None, tmp_path / "a", {"name": "t", "version": "1", "scale": 2, "fill": "harmonic",
                                            "preset_sizes": {"filters": 8, "f_groups": [1, 1, 1]}})
    np.savez(tmp_path / "a" / "f_state.npz", **{k: v.numpy() for k, v in f.state_dict().items()})
    export.reexport(tmp_path / "a", tmp_path / "b", version="2")
    g, cfg = export.load(tmp_path / "b")
    lq, mask = torch.rand(1, 3, 12, 10), torch.zeros(1, 1, 12, 10)
    assert torch.allclose(g(lq, mask), f(lq, mask), atol=1e-6)
    assert cfg["version"] == "2" and cfg["context_slices"] == 3 and cfg["fill"] == "harmonic"


def test_weight_average_of_two_models_is_exported_with_its_sources(tmp_path):
    torch.manual_seed(0)
    sizes = {"name": "t", "scale": 2, "fill": "harmonic", "preset_sizes": {"filters": 8, "f_groups": [1, 1, 1]}}
    f1 = networks.GeneratorLH(2, 8, (1, 1, 1), "harmonic").eval()
    f2 = networks.GeneratorLH(2, 8, (1, 1, 1), "harmonic").eval()
    export.export(f1, None, tmp_path / "a", dict(sizes, version="1"))
    export.export(f2, None, tmp_path / "b", dict(sizes, version="2"))
    for f, d in ((f1, "a"), (f2, "b")):
        torch.save(f.state_dict(), tmp_path / d / "f_state.pt")
    export.reexport(tmp_path / "a", tmp_path / "m", version="3", average_with=tmp_path / "b", weight=0.25)
    g, cfg = export.load(tmp_path / "m")
    w1, w2, wm = f1.state_dict(), f2.state_dict(), torch.load(tmp_path / "m" / "f_state.pt")
    for k in w1:
        assert torch.allclose(wm[k], 0.75 * w1[k] + 0.25 * w2[k], atol=1e-6)
    assert not torch.allclose(wm["head.weight"], w1["head.weight"])
    lq, mask = torch.rand(1, 1, 12, 10), torch.zeros(1, 1, 12, 10)
    assert torch.isfinite(g(lq, mask)).all()
    assert cfg["version"] == "3" and cfg["weight_average"]["weight"] == 0.25
    assert [s["version"] for s in cfg["weight_average"]["sources"]] == ["1", "2"]
    export.export(networks.GeneratorLH(2, 16, (1, 1, 1), "harmonic").eval(), None, tmp_path / "c",
                  dict(sizes, preset_sizes={"filters": 16, "f_groups": [1, 1, 1]}))
    torch.save(networks.GeneratorLH(2, 16, (1, 1, 1), "harmonic").state_dict(), tmp_path / "c" / "f_state.pt")
    with pytest.raises(SystemExit, match="preset_sizes"):
        export.reexport(tmp_path / "a", tmp_path / "n", average_with=tmp_path / "c")
    with pytest.raises(SystemExit, match="weight"):
        export.reexport(tmp_path / "a", tmp_path / "n", average_with=tmp_path / "b", weight=1.5)
    with pytest.raises(SystemExit):       # the command line asks for a version and --average-with with --weight
        export.main(["--weights", str(tmp_path / "a"), "--out", str(tmp_path / "n"), "--average-with", str(tmp_path / "b")])
    with pytest.raises(SystemExit):
        export.main(["--weights", str(tmp_path / "a"), "--out", str(tmp_path / "n"), "--weight", "0.3"])
    assert not (tmp_path / "n").exists()


def test_average_weights_refuses_other_layers_or_shapes():
    f = networks.GeneratorLH(2, 8, (1, 1, 1), "harmonic")
    with pytest.raises(SystemExit, match="differ in their layers"):
        export.average_weights(f, networks.GeneratorLH(2, 8, (1, 1, 2), "harmonic"), 0.5)
    other = networks.GeneratorLH(2, 8, (1, 1, 1), "harmonic")
    with torch.no_grad():
        other.head = torch.nn.Conv2d(2, 8, 5, padding=2)      # same names, another kernel size
    with pytest.raises(SystemExit, match="shape"):
        export.average_weights(f, other, 0.5)


def test_python_evaluation_of_a_context_model(tmp_path, capsys):
    from hlhgan import pyeval
    vol = np.zeros((6, 48, 48), np.float32)
    yy, xx = np.mgrid[0:48, 0:48]
    for i in range(6):
        vol[i] = (((yy - 24) ** 2 + (xx - 24) ** 2) < 20 ** 2) * (0.5 + 0.3 * np.sin(xx / 3.0 + i / 4.0))
    np.savez_compressed(tmp_path / "v.npz", vol=vol, normalised=np.array(True))
    export.export(networks.GeneratorLH(2, 8, (1, 1, 1), context=3).eval(), None, tmp_path / "m",
                  {"name": "t", "version": "1", "scale": 2})
    pyeval.main(["--model", str(tmp_path / "m"), "--volumes", str(tmp_path / "v.npz"), "--slices", "3"])
    out = capsys.readouterr().out
    assert "context 3" in out and out.count("| v |") == 2


def test_snapshot_average_is_the_uniform_mean_of_the_checkpoints_f(tmp_path):
    torch.manual_seed(1)
    sizes = {"name": "t", "scale": 2, "fill": "harmonic", "preset_sizes": {"filters": 8, "f_groups": [1, 1, 1]}}
    fs = [networks.GeneratorLH(2, 8, (1, 1, 1), "harmonic").eval() for _ in range(3)]
    export.export(fs[0], None, tmp_path / "run", dict(sizes, version="1"))
    torch.save(fs[0].state_dict(), tmp_path / "run" / "f_state.pt")
    ckpts = []
    for i, f in enumerate(fs):
        ckpts.append(tmp_path / f"snap-{i}.pt")
        torch.save({"nets": {"F": f.state_dict()}, "done": {"f": 100 * (i + 1)}}, ckpts[-1])
    export.main(["--weights", str(tmp_path / "run"), "--out", str(tmp_path / "m"), "--version", "2",
                 "--snapshots"] + [str(c) for c in ckpts])
    g, cfg = export.load(tmp_path / "m")
    wm = torch.load(tmp_path / "m" / "f_state.pt")
    for k in wm:
        assert torch.allclose(wm[k], sum(f.state_dict()[k] for f in fs) / 3, atol=1e-6)
    assert [s["f_steps"] for s in cfg["weight_average"]["snapshots"]] == [100, 200, 300]
    assert torch.isfinite(g(torch.rand(1, 1, 12, 10), torch.zeros(1, 1, 12, 10))).all()
    torch.save({"nets": {"F": networks.GeneratorLH(2, 16, (1, 1, 1), "harmonic").state_dict()}}, tmp_path / "wide.pt")
    with pytest.raises(SystemExit, match="differs"):
        export.reexport(tmp_path / "run", tmp_path / "n", version="3", snapshots=[ckpts[0], tmp_path / "wide.pt"])
    with pytest.raises(SystemExit, match="not a training checkpoint"):
        export.reexport(tmp_path / "run", tmp_path / "n", version="3", snapshots=[tmp_path / "run" / "f_state.pt"])
    with pytest.raises(SystemExit):       # a version of its own is required, and one way to average
        export.main(["--weights", str(tmp_path / "run"), "--out", str(tmp_path / "n"), "--snapshots", str(ckpts[0])])
