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
    lq = _head((64, 64), (30, 34), (20, 16))                 # the 0.055 T head: 40 x 32
    hq = _head((150, 120), (70, 60), (40, 40))               # the 3 T head: 80 x 80 (other proportions), off-centre
    f = ulf.box_ratio(hq, lq)
    ly0, ly1, lx0, lx1 = ulf.head_box(lq)
    hy0, hy1, hx0, hx1 = ulf.head_box(hq)
    assert f == pytest.approx((2 * (ly1 - ly0) / (hy1 - hy0) + 2 * (lx1 - lx0) / (hx1 - hx0)) / 2)   # both axes
    assert f == pytest.approx(0.9, abs=0.05)                 # (2 * 40 / 80 + 2 * 32 / 80) / 2, boxes widened by smoothing
    out = ulf.onto_2x_grid(hq, lq.shape, f)
    assert out.shape == (128, 128) and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    y0, y1, x0, x1 = ulf.head_box(out)
    assert abs((y1 - y0) - f * (hy1 - hy0)) <= 3 and abs((x1 - x0) - f * (hx1 - hx0)) <= 3
    assert abs((y0 + y1) / 2 - 64) <= 2 and abs((x0 + x1) / 2 - 64) <= 2   # centred on the head


def test_a_head_touching_any_border_gives_no_ratio_and_an_empty_slice_an_error():
    inside = _head((100, 100), (50, 50), (30, 30))
    assert ulf.box_ratio(inside, _head((64, 64), (32, 32), (20, 20))) is not None
    for cut in [_head((64, 64), (32, 32), (40, 20)), _head((64, 64), (32, 32), (20, 40)),     # 0.055 T: y, x
                _head((64, 64), (10, 32), (20, 20)), _head((64, 64), (32, 54), (20, 20))]:    # top, right
        assert ulf.box_ratio(inside, cut) is None
    assert ulf.box_ratio(_head((100, 100), (50, 50), (30, 60)), _head((64, 64), (32, 32), (20, 20))) is None  # 3 T
    with pytest.raises(ValueError):
        ulf.head_box(np.zeros((16, 16), np.float32))


def test_a_contrast_without_a_usable_slice_takes_the_others_factor_by_matrix_height(tmp_path):
    nib = pytest.importorskip("nibabel")
    for p in ulf.PATIENTS:
        for contrast, (lq_tag, hq_tag) in ulf.PAIRS.items():
            lq = _head((64, 64), (32, 32), (40 if contrast == "FLAIR" else 20, 20)) * 100      # FLAIR: cut off
            side = 120 if hq_tag == "3T_T1w" else 60
            hq = _head((side, side), (side // 2, side // 2), (side // 4, side // 4)) * 100
            for tag, img in ((lq_tag, lq), (hq_tag, hq)):
                vol = np.stack([img] * 4)
                nib.save(nib.Nifti1Image(np.transpose(vol, (2, 1, 0)), np.eye(4)), str(ulf.path(p, tag, tmp_path)))
    fs = ulf.factors("p6A", tmp_path)
    assert fs["FSE (T2w)"] == pytest.approx(2 * fs["GRE (T1w)"], rel=0.1)     # half the matrix, twice the factor
    assert fs["FLAIR"] == pytest.approx(fs["FSE (T2w)"], rel=0.1)             # FLAIR's 3 T matrix is FSE's size
    for v in ulf.VOLUNTEER:
        nib.save(nib.Nifti1Image(np.zeros((8, 8, 2), np.float32), np.eye(4)), str(tmp_path / f"ulf_{v}.nii.gz"))
    hq_files, lq_files = ulf.prepare(tmp_path / "out", ["p6A"], tmp_path)
    assert [f.name for f in hq_files] == ["hq_p6A_3T_T1w.npz", "hq_p6A_3T_T2w.npz", "hq_p6A_3T_FLAIR.npz"]
    with np.load(str(hq_files[0])) as z:
        assert z["vol"].shape == (4, 128, 128) and bool(z["normalised"])    # the 3 T stack on the 2x grid
    assert len(lq_files) == 3 + len(ulf.VOLUNTEER) and all("0055T" in f.name for f in lq_files)


def test_without_holes_no_sample_has_a_missing_region():
    hq = torch.rand(16, 1, 32, 32)
    gen = torch.Generator().manual_seed(0)
    d = deg.simulate_batch(hq, 2, gen, holes=False)
    assert float(d.mask_lq.sum()) == 0 and float(d.mask_hq.sum()) == 0
    gen = torch.Generator().manual_seed(0)
    assert float(deg.simulate_batch(hq, 2, gen).mask_lq.sum()) > 0   # the default still cuts holes


def _trainer(tmp_path, *extra):
    vol = _volume(tmp_path / "hq.nii.gz")
    t = train.Trainer(train.parse_args(["--hq", str(vol), "--out", str(tmp_path / "run"), "--preset", "tiny",
                                        "--threads", "1", *extra]))
    t._t_start = 0.0
    t.load_data()
    return t


@pytest.mark.parametrize("pipeline", ["tensor", "legacy"])
def test_g_and_the_joint_stage_get_hole_free_batches_against_real_scans_only(tmp_path, pipeline):
    real = _volume(tmp_path / "lq.nii.gz", seed=1)
    for lq, holes in (([], True), (["--lq", str(real)], False)):
        t = _trainer(tmp_path, "--pipeline", pipeline, *lq)
        masks = []
        simulate = t._simulate

        def recording(hq, holes=True, simulate=simulate, masks=masks):
            d = simulate(hq, holes)
            masks.append(d.mask_lq)
            return d
        t._simulate = recording
        torch.manual_seed(0)
        t._step_g()
        t._step_joint()
        assert masks, "no batch was simulated"
        cut = sum(float(m.sum()) for m in masks)
        assert (cut > 0) == holes, f"{pipeline}, real LQ given: {not holes}, masked pixels {cut}"


def _two_models(tmp_path):
    vol = _volume(tmp_path / "a.nii.gz")
    base = ["--hq", str(vol), "--preset", "tiny", "--threads", "1", "--steps-phi", "1", "--steps-g", "0",
            "--steps-joint", "0", "--ckpt-every", "1"]
    train.main(base + ["--out", str(tmp_path / "src"), "--steps-f", "2", "--export", str(tmp_path / "model")])
    return base, tmp_path / "model"


def _f(run):
    return torch.load(str(run / "checkpoint.pt"))["nets"]["F"]


def _same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def test_f_starts_from_a_model_folder_once_and_a_resume_goes_on(tmp_path):
    base, model = _two_models(tmp_path)
    weights = export.load_f_state(model)
    run = tmp_path / "run"
    train.main(base + ["--out", str(run), "--steps-f", "0", "--init-f", str(model)])
    assert _same(_f(run), weights)
    train.main(base + ["--out", str(run), "--steps-f", "2", "--resume", "--init-f", str(model)])
    trained = _f(run)
    assert torch.load(str(run / "checkpoint.pt"))["done"]["f"] == 2 and not _same(trained, weights)
    # the same command again: stage f is complete, so F must stay what the checkpoint holds (not A again)
    train.main(base + ["--out", str(run), "--steps-f", "2", "--resume", "--init-f", str(model)])
    assert _same(_f(run), trained)
    # the folder moved: the same weights, so the run still goes on
    moved = tmp_path / "moved"
    model.rename(moved)
    train.main(base + ["--out", str(run), "--steps-f", "2", "--resume", "--init-f", str(moved)])
    assert _same(_f(run), trained)


def test_restart_f_then_init_f_loads_the_folder_again(tmp_path):
    base, model = _two_models(tmp_path)
    weights = export.load_f_state(model)
    run = tmp_path / "run"
    train.main(base + ["--out", str(run), "--steps-f", "0", "--init-f", str(model)])
    train.main(base + ["--out", str(run), "--steps-f", "0", "--resume", "--restart-f", "--init-f", str(model)])
    assert _same(_f(run), weights)
    train.main(base + ["--out", str(run), "--steps-f", "0", "--resume", "--restart-f"])
    assert not _same(_f(run), weights)
    train.main(base + ["--out", str(run), "--steps-f", "0", "--resume", "--init-f", str(model)])
    assert _same(_f(run), weights)                           # the restart cleared the mark


def test_init_f_refuses_another_shape_fill_or_export_only_with_the_options_to_give(tmp_path, capsys):
    base, model = _two_models(tmp_path)
    for extra, words in ((["--fill", "harmonic"], "fill average (this run: harmonic)"),
                         (["--scale", "4"], "scale 2 (this run: 4)"),
                         (["--context", "3", "--g-mix", "0"], "context 1 (this run: 3)")):
        with pytest.raises(SystemExit) as e:
            train.main(base + ["--out", str(tmp_path / "x"), "--steps-f", "0", "--init-f", str(model)] + extra)
        assert words in str(e.value) and "--preset tiny" in str(e.value)
    with pytest.raises(SystemExit) as e:                     # the small preset's widths
        train.main(["--hq", str(tmp_path / "a.nii.gz"), "--preset", "small", "--out", str(tmp_path / "y"),
                    "--init-f", str(model)])
    assert "filters and f_groups" in str(e.value)
    with pytest.raises(SystemExit) as e:
        train.main(base + ["--out", str(tmp_path / "src"), "--resume", "--export-only", "--init-f", str(model)])
    assert "--export-only" in str(e.value)
    with pytest.raises(SystemExit) as e:
        train.main(base + ["--out", str(tmp_path / "z"), "--init-f", str(model / "f_state.pt")])
    assert "not a folder" in str(e.value)


def test_each_g_of_the_comparison_gets_its_own_random_field():
    from scripts import ulf_stats

    def noisy(hq, d, gen):          # a stand-in G: its output is its random draw
        return torch.rand((hq.shape[0], 1, hq.shape[2] // 2, hq.shape[3] // 2), generator=gen)

    hq = torch.rand(2, 1, 64, 64)
    alone = ulf_stats.made_images(hq, 0, {"b": noisy})["G b"]
    after_another = ulf_stats.made_images(hq, 0, {"a": noisy, "b": noisy})["G b"]
    assert np.array_equal(alone, after_another)


def test_the_high_frequency_share_is_a_share():
    from scripts import ulf_stats
    rng = np.random.default_rng(0)
    white = rng.normal(0.5, 0.1, (128, 128))
    checker = np.indices((128, 128)).sum(0) % 2 * 1.0
    for img in (white, checker):
        assert 0.0 <= ulf_stats.stats(img)[2] <= 1.0
    assert ulf_stats.stats(white)[2] == pytest.approx(0.75, abs=0.05)   # white noise: the area share of the band


def test_the_picture_grid_writes_one_png_of_all_panels(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    from scripts import pictures
    rows = [[("a", np.zeros((8, 10))), ("", np.ones((8, 10)))], [("b", np.full((8, 10), 0.5)), ("", np.zeros((8, 10)))]]
    pictures.grid(rows, tmp_path / "g.png", header=["left", "right"], gap=2, header_height=5)
    with Image.open(tmp_path / "g.png") as im:
        assert im.size == (2 * 10 + 2, 5 + 2 * 8 + 2) and im.mode == "L"
        assert im.getpixel((12 + 5, 5 + 4)) == 255                       # the all-ones panel, no caption drawn
    with pytest.raises(SystemExit):
        pictures.grid([[("", np.zeros((8, 10))), ("", np.zeros((9, 10)))]], tmp_path / "x.png")


def test_resuming_with_another_preset_says_which_the_checkpoint_holds(tmp_path):
    base, _ = _two_models(tmp_path)
    with pytest.raises(SystemExit) as e:
        train.main(["--hq", str(tmp_path / "a.nii.gz"), "--preset", "small", "--out", str(tmp_path / "src"),
                    "--threads", "1", "--resume"])
    assert "--preset tiny --scale 2" in str(e.value)


def test_the_montage_tool_reaches_its_model_check(tmp_path, monkeypatch):
    # its own montages() function once shadowed the pictures module, so every run stopped with an AttributeError
    import sys
    from scripts import pictures, ulf_montage
    assert ulf_montage.pictures is pictures
    pytest.importorskip("PIL")
    pytest.importorskip("pydicom")
    monkeypatch.setattr(ulf_montage.ulf, "check_root", lambda: None)
    (tmp_path / "config.json").write_text('{"name": "m", "version": "1"}')
    monkeypatch.setattr(sys, "argv", ["ulf_montage", "--out", str(tmp_path / "out"), "--model", str(tmp_path)])
    with pytest.raises(SystemExit, match="holds no model.pt"):
        ulf_montage.main()


def test_g_starts_from_a_model_folders_degrader_once_and_is_exported(tmp_path):
    vol = _volume(tmp_path / "a.nii.gz")
    base = ["--hq", str(vol), "--preset", "tiny", "--threads", "1", "--steps-phi", "1", "--steps-f", "0",
            "--ckpt-every", "1"]
    train.main(base + ["--out", str(tmp_path / "src"), "--steps-g", "2", "--steps-joint", "0",
                       "--export", str(tmp_path / "model")])
    shipped = torch.load(str(tmp_path / "src" / "checkpoint.pt"))["nets"]["G"]
    run = tmp_path / "run"
    train.main(base + ["--out", str(run), "--steps-g", "0", "--steps-joint", "0", "--init-g", str(tmp_path / "model")])
    assert _same(torch.load(str(run / "checkpoint.pt"))["nets"]["G"], shipped)
    assert (run / "export" / export.G_NAME).is_file(), "a G loaded from a folder is a degrader worth exporting"
    train.main(base + ["--out", str(run), "--steps-g", "0", "--steps-joint", "2", "--resume",
                       "--init-g", str(tmp_path / "model")])
    trained = torch.load(str(run / "checkpoint.pt"))["nets"]["G"]
    assert not _same(trained, shipped), "the joint stage trains G"
    # the same command again: the checkpoint's G stays (not the folder's again)
    train.main(base + ["--out", str(run), "--steps-g", "0", "--steps-joint", "2", "--resume",
                       "--init-g", str(tmp_path / "model")])
    assert _same(torch.load(str(run / "checkpoint.pt"))["nets"]["G"], trained)
    for folder, words in ((tmp_path, "no degrader.pt"), (tmp_path / "model", "--export-only")):
        with pytest.raises(SystemExit) as e:
            extra = ["--resume", "--export-only"] if words == "--export-only" else []
            train.main(base + ["--out", str(run if extra else tmp_path / "x"), "--steps-g", "0", "--steps-joint", "0",
                               "--init-g", str(folder)] + extra)
        assert words in str(e.value)
    for extra, words in ((["--preset", "small"], "preset tiny (this run: small)"),
                         (["--scale", "4"], "scale 2 (this run: 4)"),      # G's weights alone would load
                         (["--seed", "1"], "seed 0 (this run: 1)")):       # another kernel PCA for its conditions
        with pytest.raises(SystemExit) as e:
            train.main(base + ["--out", str(tmp_path / "y"), "--steps-g", "0", "--steps-joint", "0",
                               "--init-g", str(tmp_path / "model")] + extra)
        assert words in str(e.value) and "--preset tiny --scale 2 --seed 0" in str(e.value)
    with pytest.raises(SystemExit) as e:                     # another G into a run whose G has trained
        train.main(base + ["--out", str(run), "--steps-g", "0", "--steps-joint", "2", "--resume",
                           "--init-g", str(run / "export")])
    assert "has trained already" in str(e.value)


def test_joint_stage_can_keep_f_off_the_adversarial_game_and_feed_it_the_simulator(tmp_path):
    real = _volume(tmp_path / "lq.nii.gz", seed=1)
    t = _trainer(tmp_path, "--lq", str(real), "--adv-f", "0", "--joint-g-mix", "0")
    df_before = {k: v.clone() for k, v in t.DF.state_dict().items()}
    g_before = {k: v.clone() for k, v in t.G.state_dict().items()}
    inputs, simulated = [], []
    simulate = t._simulate
    t.F.register_forward_pre_hook(lambda module, args: inputs.append(args[0].detach().clone()))

    def recording_sim(hq, holes=True):
        d = simulate(hq, holes)
        simulated.append(d.lq.detach().clone())
        return d
    t._simulate = recording_sim
    values = t._step_joint()
    assert "D_F" not in values and _same(t.DF.state_dict(), df_before), "D_F is not trained for a weight of 0"
    assert not _same(t.G.state_dict(), g_before), "G still learns (D_G and the cycle)"
    assert torch.equal(inputs[0], simulated[0]), "with --joint-g-mix 0 F's first input is the simulator's"
    norms = []
    cycle = train.losses.cycle

    def recording_cycle(*args, norm="l1"):
        norms.append(norm)
        return cycle(*args, norm=norm)
    train.losses.cycle = recording_cycle
    try:
        half = _trainer(tmp_path, "--lq", str(real), "--joint-g-mix", "0.5", "--cycle-norm", "l2")
        values = half._step_joint()
        assert norms == ["l2", "l2"] and "D_F" in values, "both cycle terms take --cycle-norm; D_F plays at --adv 1"
        norms.clear()
        _trainer(tmp_path, "--lq", str(real), "--lam-real", "0")._step_joint()
        assert norms == ["l1"], "--lam-real 0: no cycle term on the real scans"
    finally:
        train.losses.cycle = cycle
    for flag, value in (("--joint-g-mix", "1.5"), ("--adv-f", "-1"), ("--lam-real", "-0.5"), ("--joint-g-rate", "2")):
        with pytest.raises(SystemExit) as e:
            _trainer(tmp_path, flag, value)
        assert flag in str(e.value)


def test_joint_stage_can_freeze_g_or_move_it_by_a_fraction_of_its_step(tmp_path):
    real = _volume(tmp_path / "lq.nii.gz", seed=1)
    moves = {}
    for rate in ("1", "0.25", "0"):
        t = _trainer(tmp_path, "--lq", str(real), "--joint-g-rate", rate, "--seed", "3")
        g0 = {k: v.clone() for k, v in t.G.state_dict().items()}
        dg0 = {k: v.clone() for k, v in t.DG.state_dict().items()}
        f0 = {k: v.clone() for k, v in t.F.state_dict().items()}
        values = t._step_joint()
        assert not _same(t.F.state_dict(), f0), "F learns at every rate"
        moves[rate] = {k: t.G.state_dict()[k] - g0[k] for k in g0}
        if rate == "0":
            assert _same(t.G.state_dict(), g0) and _same(t.DG.state_dict(), dg0), "a frozen G: neither G nor D_G moves"
            assert "D_G" not in values and values["L_HL"] == 0.0
        else:
            assert not _same(t.G.state_dict(), g0) and "D_G" in values
    for k, full in moves["1"].items():      # same seed, same batches, same first Adam step: a quarter of it
        assert torch.allclose(moves["0.25"][k], 0.25 * full, atol=1e-6), k
