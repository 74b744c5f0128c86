import json

import numpy as np
import pytest
import torch

from hlhgan import degradations as deg, export, losses, networks, train


def _volume(path, seed=0):
    nib = pytest.importorskip("nibabel")
    rng = np.random.default_rng(seed)
    z, y, x = np.mgrid[0:24, 0:48, 0:48]
    head = ((y - 24) ** 2 + (x - 24) ** 2 < 20 ** 2).astype(np.float32)
    vol = head * (100 + 50 * np.sin(x / 3.0) * np.cos(y / 4.0)) + rng.normal(0, 1, head.shape)
    nib.save(nib.Nifti1Image(np.transpose(vol, (2, 1, 0)).astype(np.float32), np.eye(4)), str(path))
    return path


def test_a_few_steps_lower_the_loss_with_finite_gradients():
    torch.manual_seed(0)
    f = networks.GeneratorLH(2, 8, (2, 1, 1))
    phi = networks.FeatureNet(4)
    opt = torch.optim.Adam(f.parameters(), lr=1e-3)
    hq = torch.rand(4, 1, 32, 32)
    hq = torch.nn.functional.avg_pool2d(hq, 3, 1, 1)
    lq, mask = deg.protocol(hq, 2, "SR-B", seed=0)
    w = losses.Weights()

    def objective():
        out = f(lq, mask)
        c, t = losses.content_and_texture_lh(phi, out, hq)
        return w.delta * c + w.beta * t + w.lam * losses.cycle(out, hq)

    first = objective().item()
    for _ in range(25):
        opt.zero_grad()
        loss = objective()
        loss.backward()
        assert all(torch.isfinite(p.grad).all() for p in f.parameters() if p.grad is not None)
        opt.step()
    assert objective().item() < 0.8 * first


def test_training_command_checkpoints_resumes_and_exports(tmp_path):
    vol = _volume(tmp_path / "a.nii.gz")
    out = tmp_path / "run"
    common = ["--hq", str(vol), "--out", str(out), "--preset", "tiny", "--threads", "1", "--ckpt-every", "1",
              "--steps-phi", "2", "--steps-g", "2", "--steps-joint", "1", "--warmup-f", "1"]
    with pytest.raises(SystemExit):   # --resume without a checkpoint says what to do
        train.main(common + ["--steps-f", "2", "--resume"])
    train.main(common + ["--steps-f", "2"])
    st = torch.load(str(out / "checkpoint.pt"))
    assert st["stage"] == "done" and st["done"]["f"] == 2
    train.main(common + ["--steps-f", "3", "--resume", "--sharp-mix", "0.5"])   # resume goes on from the checkpoint
    cfg = json.loads((out / "export" / "config.json").read_text())
    assert cfg["scale"] == 2 and cfg["preset"] == "tiny" and cfg["inputs"] == ["lq", "mask"]
    assert cfg["simulated_lq"] is True and cfg["steps"]["f"] == 3 and cfg["sharp_mix"] == 0.5
    with pytest.raises(SystemExit, match="sharp-mix"):
        train.main(common + ["--steps-f", "4", "--resume", "--sharp-mix", "1.5"])


def test_export_then_reload_gives_identical_outputs(tmp_path):
    f = networks.GeneratorLH(2, 8, (2, 1, 1)).eval()
    g = networks.GeneratorHL(2, 8, 1, 7).eval()
    export.export(f, g, tmp_path, {"name": "t", "scale": 2})
    loaded, cfg = export.load(tmp_path)
    for shape in [(1, 1, 20, 24), (3, 1, 33, 17)]:
        lq = torch.rand(shape)
        mask = (torch.rand(shape) > 0.9).float()
        with torch.no_grad():
            assert torch.equal(f(lq, mask), loaded(lq, mask))
    assert cfg["input_channels"] == 2


def test_plain_nifti_reader_matches_nibabel(tmp_path):
    from hlhgan import data
    vol = _volume(tmp_path / "v.nii.gz", seed=4)
    assert np.array_equal(data.load_volume(vol), data._load_nifti_plain(vol))


def test_time_limit_stops_checkpoints_and_exports(tmp_path):
    vol = _volume(tmp_path / "a.nii.gz")
    out = tmp_path / "run"
    train.main(["--hq", str(vol), "--out", str(out), "--preset", "tiny", "--threads", "1", "--steps-phi", "1000",
                "--steps-g", "1000", "--steps-f", "1000", "--steps-joint", "0", "--max-minutes", "0.0001"])
    st = torch.load(str(out / "checkpoint.pt"))
    assert st["done"]["phi"] < 1000
    assert (out / "export" / "model.pt").exists() and (out / "export" / "f_state.pt").exists()


def test_the_cycle_term_takes_an_l2_norm_for_a_psnr_oriented_fine_tuning(tmp_path):
    from hlhgan import losses
    a, b = torch.zeros(1, 1, 4, 4), torch.full((1, 1, 4, 4), 0.5)
    assert float(losses.cycle(a, b)) == pytest.approx(0.5)                 # eq. (8): mean absolute error
    assert float(losses.cycle(a, b, norm="l2")) == pytest.approx(0.25)     # mean squared error
    assert float(losses.cycle(a, b, a, b, norm="l2")) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="l1 or l2"):
        losses.cycle(a, b, norm="l3")
    vol = _volume(tmp_path / "a.nii.gz")
    out = tmp_path / "run"
    train.main(["--hq", str(vol), "--out", str(out), "--preset", "tiny", "--threads", "1", "--steps-phi", "1",
                "--steps-g", "1", "--steps-f", "2", "--steps-joint", "0", "--cycle-norm", "l2"])
    assert json.loads((out / "export" / "config.json").read_text())["cycle_norm"] == "l2"
