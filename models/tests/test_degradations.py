import math
import torch

from hlhgan import degradations as deg


def test_simulation_is_reproducible_with_a_seed():
    hq = torch.rand(4, 1, 64, 64)
    a = deg.simulate(hq, 2, torch.Generator().manual_seed(5))
    b = deg.simulate(hq, 2, torch.Generator().manual_seed(5))
    c = deg.simulate(hq, 2, torch.Generator().manual_seed(6))
    assert torch.equal(a.lq, b.lq) and torch.equal(a.mask_lq, b.mask_lq)
    assert not torch.equal(a.lq, c.lq)
    assert a.lq.shape == (4, 1, 32, 32) and a.mask_hq.shape == (4, 1, 64, 64)
    assert float((a.lq * a.mask_lq).abs().max()) == 0.0


def test_kernel_is_normalised_and_anisotropic():
    k = deg.gaussian_kernel(2.0, 0.5, 0.0)
    assert abs(float(k.sum()) - 1) < 1e-6
    assert float(k[7, :].sum()) > float(k[:, 7].sum())


def test_kspace_truncation_keeps_the_mean_and_downsamples():
    img = torch.rand(1, 1, 64, 64)
    out = deg.kspace_truncate(img, 2)
    assert out.shape == (1, 1, 32, 32)
    assert abs(float(out.mean() - img.mean())) < 0.02


def test_the_three_downsamplers_share_one_grid():
    # a smooth image: area averaging, antialiased bicubic and k-space truncation differ only in their
    # low-pass, not in where the low-resolution pixels lie (off by a fraction of a pixel, the error is over 20 times larger)
    gen = torch.Generator().manual_seed(0)
    img = deg.blur(torch.rand(1, 1, 128, 128, generator=gen), deg.gaussian_kernel(3, 3, 0, size=31)[None])
    for s in (2, 4):
        area = deg.area_down(img, s)[..., 4:-4, 4:-4]
        for f in (deg.bicubic_down, deg.kspace_truncate):
            err = float(((f(img, s)[..., 4:-4, 4:-4] - area) ** 2).mean())
            assert err < 2e-5 * (s / 4) ** 2, (f.__name__, s, err)   # off the grid: 2e-5 (x2), 1.5e-4 (x4)


def test_kspace_truncation_refuses_sides_off_the_scale():
    import pytest
    with pytest.raises(ValueError, match="multiples of 2"):
        deg.kspace_truncate(torch.rand(1, 1, 65, 64), 2)
    with pytest.raises(ValueError, match="multiples of 4"):
        deg.kspace_truncate(torch.rand(1, 1, 64, 66), 4)


def test_kspace_truncation_keeps_a_symmetric_band_when_the_kept_side_is_odd():
    # 18 rows at x2 keep 9 frequencies, -4..+4: a cosine at frequency 4 must come through whole, sampled on the
    # low-resolution grid (centre of pixel i at 2i + 0.5); a band off by one bin halves it
    h, f = 18, 4
    y = torch.arange(h, dtype=torch.float64)
    img = (1 + 0.5 * torch.cos(2 * math.pi * f * y / h))[:, None].expand(h, 16)[None, None].clone()
    out = deg.kspace_truncate(img, 2)[0, 0]
    i = torch.arange(h // 2, dtype=torch.float64)
    want = 1 + 0.5 * torch.cos(2 * math.pi * f * (2 * i + 0.5) / h)
    assert float((out - want[:, None]).abs().max()) < 1e-5   # 0.25 with the band off by one


def test_rician_noise_has_positive_bias_on_zero_signal():
    gen = torch.Generator().manual_seed(0)
    out = deg.rician_noise(torch.zeros(1, 1, 128, 128), 0.05, gen)
    assert float(out.min()) >= 0 and abs(float(out.mean()) - 0.05 * (3.14159 / 2) ** 0.5) < 0.005


def test_pca_projection_recovers_most_of_a_kernel():
    pca = deg.KernelPCA(10, samples=500)
    k, _ = deg.random_kernel(torch.Generator().manual_seed(3))
    code = pca.project(k[None])
    rec = code @ pca.basis + pca.mean
    assert float((rec - k.flatten()).norm() / k.norm()) < 0.2


def test_protocols_follow_their_definition():
    hq = torch.zeros(1, 1, 64, 64)
    hq[..., 8:56, 8:56] = 0.8
    srb, m0 = deg.protocol(hq, 2, "SR-B", seed=1)
    srnb, _ = deg.protocol(hq, 2, "SR-N-B", seed=1)
    sri, mask = deg.protocol(hq, 2, "SRI", seed=1)
    assert srb.shape == (1, 1, 32, 32) and float(m0.sum()) == 0
    assert float((srnb - srb).std()) > 0.02
    assert int(mask.sum()) == round(0.2 * 32) ** 2
    assert float((sri * mask).abs().max()) == 0
    again, _ = deg.protocol(hq, 2, "SRI", seed=1)
    assert torch.equal(again, sri)
