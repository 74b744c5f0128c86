"""The 0.055 T / 3 T grid (hlhgan.ulf), G's hole-free batches against real scans, F initialised from
a model folder (issue 15)."""
import numpy as np
import pytest
import torch

from hlhgan import degradations as deg, export, networks, train, ulf
from tests.test_training import _volume


def _head(shape, centre, radii, value=0.8):
    y, x = np.mgrid[0:shape[0], 0:shape[1]]
    return (((y - centre[0]) / radii[0]) ** 2 + ((x - centre[1]) / radii[1]) ** 2 < 1).astype(np.float32) * value


def test_a_3t_slice_lands_on_the_2x_grid_with_twice_the_head():
    lq = _head((64, 64), (30, 34), (20, 16))                 # the 0.055 T head: 40 x 32 (inclusive box 39..41)
    hq = _head((150, 120), (70, 60), (50, 40))               # the 3 T head: 100 x 80, off-centre
    f = ulf.box_ratio(hq, lq)
    assert f == pytest.approx(0.8, abs=0.05)   # 2 * 40 / 100 and 2 * 32 / 80, boxes widened by the 2-pixel smoothing
    out = ulf.onto_2x_grid(hq, lq.shape, f)
    assert out.shape == (128, 128) and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    y0, y1, x0, x1 = ulf.head_box(out)
    ly0, ly1, lx0, lx1 = ulf.head_box(lq)
    assert abs((y1 - y0) - 2 * (ly1 - ly0)) <= 3 and abs((x1 - x0) - 2 * (lx1 - lx0)) <= 3
    assert abs((y0 + y1) / 2 - 64) <= 2 and abs((x0 + x1) / 2 - 64) <= 2   # centred on the head


def test_a_head_touching_the_border_gives_no_ratio_and_an_empty_slice_an_error():
    lq = _head((64, 64), (32, 32), (40, 20))                 # cut off at the top and bottom
    hq = _head((100, 100), (50, 50), (30, 30))
    assert ulf.box_ratio(hq, lq) is None
    with pytest.raises(ValueError):
        ulf.head_box(np.zeros((16, 16), np.float32))


def test_without_holes_no_sample_has_a_missing_region():
    hq = torch.rand(16, 1, 32, 32)
    gen = torch.Generator().manual_seed(0)
    d = deg.simulate_batch(hq, 2, gen, holes=False)
    assert float(d.mask_lq.sum()) == 0 and float(d.mask_hq.sum()) == 0
    gen = torch.Generator().manual_seed(0)
    assert float(deg.simulate_batch(hq, 2, gen).mask_lq.sum()) > 0   # the default still cuts holes


def test_g_against_real_scans_trains_on_hole_free_batches(tmp_path, monkeypatch):
    vol = _volume(tmp_path / "hq.nii.gz")
    real = _volume(tmp_path / "lq.nii.gz", seed=1)
    t = train.Trainer(train.parse_args(["--hq", str(vol), "--lq", str(real), "--out", str(tmp_path / "run"),
                                        "--preset", "tiny", "--threads", "1"]))
    t._t_start = 0.0
    t.load_data()
    seen = []
    batch = t._batch
    monkeypatch.setattr(t, "_batch", lambda **kw: seen.append(kw) or batch(**kw))
    t._step_g()
    assert seen == [{"holes": False}]


def test_f_can_start_from_a_model_folder_once(tmp_path):
    vol = _volume(tmp_path / "a.nii.gz")
    src = tmp_path / "src"
    base = ["--hq", str(vol), "--preset", "tiny", "--threads", "1", "--steps-phi", "1", "--steps-g", "0",
            "--steps-joint", "0", "--ckpt-every", "1"]
    train.main(base + ["--out", str(src), "--steps-f", "2", "--export", str(src / "model")])
    weights = export.load_f_state(src / "model")
    run = tmp_path / "run"
    train.main(base + ["--out", str(run), "--steps-f", "0", "--init-f", str(src / "model")])
    st = torch.load(str(run / "checkpoint.pt"))
    assert all(torch.equal(st["nets"]["F"][k], v) for k, v in weights.items())
    assert st["f_initialised_from"] == str((src / "model").resolve())
    train.main(base + ["--out", str(run), "--steps-f", "2", "--resume", "--init-f", str(src / "model")])
    st = torch.load(str(run / "checkpoint.pt"))
    assert st["done"]["f"] == 2                              # trained on from the checkpoint, not re-initialised
    assert not all(torch.equal(st["nets"]["F"][k], v) for k, v in weights.items())
    with pytest.raises(SystemExit):                          # another shape says so
        train.main(["--hq", str(vol), "--preset", "small", "--threads", "1", "--out", str(tmp_path / "x"),
                    "--steps-phi", "0", "--steps-g", "0", "--steps-f", "0", "--steps-joint", "0",
                    "--init-f", str(src / "model")])
