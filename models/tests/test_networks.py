import pytest
import torch

from hlhgan import networks, presets


@pytest.mark.parametrize("preset", ["tiny", "small", "paper"])
@pytest.mark.parametrize("scale", [2, 4])
def test_generator_shapes(preset, scale):
    p = presets.get(preset)
    f = networks.GeneratorLH(scale, p.filters, p.f_groups)
    g = networks.GeneratorHL(scale, p.filters, p.g_blocks, p.pca_dims + 3)
    lq = torch.rand(2, 1, 24, 20)
    assert f(lq, torch.zeros_like(lq)).shape == (2, 1, 24 * scale, 20 * scale)
    hq = torch.rand(2, 1, 48, 40)
    cond = torch.rand(2, p.pca_dims + 3, 48, 40)
    out = g(hq, cond, torch.zeros(2, 1, 48 // scale, 40 // scale))
    assert out.shape == (2, 1, 48 // scale, 40 // scale)


def test_paper_sizes_follow_the_paper():
    p = presets.get("paper")
    f = networks.GeneratorLH(2, p.filters, p.f_groups)
    blocks = sum(isinstance(m, networks.ResBlock) for m in f.modules())
    assert blocks == 17 and [sum(isinstance(m, networks.ResBlock) for m in g) for g in f.groups] == [12, 3, 2]
    g = networks.GeneratorHL(2, p.filters, p.g_blocks, p.pca_dims + 3)
    assert sum(isinstance(m, networks.ResBlock) for m in g.modules()) == 12
    convs = [m for m in f.modules() if isinstance(m, torch.nn.Conv2d)]
    assert all(c.kernel_size == (3, 3) for c in convs) and f.head.out_channels == 32
    dg = networks.DiscriminatorG(p.filters, p.dg_blocks)
    assert sum(isinstance(m, networks._DBlock) for m in dg.modules()) == 6
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in dg.modules())
    assert isinstance(dg.fc, torch.nn.Linear)


def test_masked_region_is_zero_in_g_output():
    g = networks.GeneratorHL(2, 8, 1, 5)
    mask = torch.zeros(1, 1, 16, 16)
    mask[..., 4:8, 4:8] = 1
    out = g(torch.rand(1, 1, 32, 32), torch.rand(1, 5, 32, 32), mask)
    assert float(out[..., 4:8, 4:8].abs().max()) == 0.0


def test_discriminators_and_phi():
    assert networks.DiscriminatorF(8)(torch.rand(3, 1, 64, 64)).shape == (3, 1)
    assert networks.DiscriminatorG(8, 6)(torch.rand(3, 1, 32, 32)).shape == (3, 1)
    feats = networks.FeatureNet(4)(torch.rand(2, 1, 64, 64))
    assert feats["conv4_4"].shape == (2, 32, 8, 8)
    assert feats["relu5_1"].shape == (2, 32, 4, 4)
    assert feats["relu3_1"].shape == (2, 16, 16, 16)
    assert feats["relu4_1"].shape == (2, 32, 8, 8)


def test_imagenet_weights_load_from_a_torchvision_layout_file(tmp_path):
    phi = networks.FeatureNet(64)
    state, fid = {}, 0
    cin = 3
    for s, n in enumerate(networks.VGG19_STAGES, 1):
        w = [64, 128, 256, 512, 512][s - 1]
        for _ in range(n):
            state[f"features.{fid}.weight"] = torch.randn(w, cin, 3, 3)
            state[f"features.{fid}.bias"] = torch.randn(w)
            cin = w
            fid += 2
        fid += 1
    torch.save(state, tmp_path / "vgg19.pth")
    phi.load_imagenet(tmp_path / "vgg19.pth")
    assert torch.allclose(phi.convs["conv1_1"].weight, state["features.0.weight"].sum(1, keepdim=True))
    assert torch.equal(phi.convs["conv5_1"].bias, state[f"features.{28}.bias"])
    assert not any(p.requires_grad for p in phi.parameters())


def test_fill_missing_fills_the_hole_from_its_surroundings_and_keeps_the_rest():
    img = torch.linspace(0, 1, 40).repeat(32, 1)[None, None]
    mask = torch.zeros_like(img)
    mask[..., 10:20, 12:26] = 1
    out = networks.fill_missing(img * (1 - mask), mask)
    assert torch.equal(out[mask < 0.5], img[mask < 0.5])
    assert float((out - img)[mask > 0.5].abs().max()) < 0.1
    full = torch.ones(1, 1, 8, 8)
    assert torch.equal(networks.fill_missing(torch.zeros(1, 1, 8, 8), full), torch.zeros(1, 1, 8, 8))


def test_harmonic_fill_keeps_known_pixels_and_reproduces_a_ramp():
    torch.manual_seed(0)
    y, x = torch.meshgrid(torch.linspace(0, 1, 40), torch.linspace(0, 1, 52), indexing="ij")
    img = (0.2 + 0.5 * x + 0.3 * y)[None, None]
    mask = torch.zeros_like(img)
    mask[..., 10:22, 15:35] = 1
    out = networks.fill_harmonic(img * (1 - mask), mask)
    assert torch.equal(out[mask < 0.5], img[mask < 0.5])
    # a plane is what harmonic inpainting reproduces; the average fill alone is off by about 0.04 here
    assert (out - img).abs()[mask > 0.5].max() < 0.005
    assert (networks.fill_missing(img * (1 - mask), mask) - img).abs()[mask > 0.5].max() > (out - img).abs()[mask > 0.5].max()


def test_generator_with_harmonic_fill_scripts():
    p = presets.get("tiny")
    f = networks.GeneratorLH(2, p.filters, p.f_groups, "harmonic").eval()
    s = torch.jit.script(f)
    lq = torch.rand(1, 1, 24, 30)
    mask = torch.zeros_like(lq)
    mask[..., 5:9, 6:12] = 1
    assert torch.allclose(s(lq, mask), f(lq, mask), atol=1e-5)


@pytest.mark.parametrize("fill", ["average", "harmonic"])
def test_without_a_missing_region_the_fill_is_skipped_and_changes_nothing(fill):
    # F skips the fill when its mask marks nothing missing (issue 16: the fill was 40 % of the CPU time);
    # that is exact only because each fill returns an image with no missing pixel unchanged
    torch.manual_seed(1)
    lq = torch.rand(2, 1, 40, 52)
    none = torch.zeros_like(lq)
    fn = networks.fill_harmonic if fill == "harmonic" else networks.fill_missing
    assert torch.equal(fn(lq, none), lq)
    p = presets.get("tiny")
    f = networks.GeneratorLH(2, p.filters, p.f_groups, fill).eval()
    with torch.no_grad():
        base = torch.nn.functional.interpolate(lq, scale_factor=2.0, mode="bicubic", align_corners=False)
        x = f.head(torch.cat([fn(lq, none), none], dim=1))
        head = x
        for g in f.groups:
            x = x + g(x)
        assert torch.equal(f(lq, none), base + f.tail(f.up(x + head)))


@pytest.mark.parametrize("model", ["sri-default-x2", "sri-default-x4"])
def test_the_shipped_torchscript_is_its_weights_under_this_code(model):
    # model.pt is what the node runs; f_state.pt under GeneratorLH is what the tests and training read
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / model
    cfg = json.loads((folder / "config.json").read_text())
    sizes = cfg["preset_sizes"]
    f = networks.GeneratorLH(cfg["scale"], sizes["filters"], tuple(sizes["f_groups"]), cfg["fill"],
                             cfg.get("context_slices", 1)).eval()
    f.load_state_dict(torch.load(str(folder / "f_state.pt"), map_location="cpu"))
    shipped = torch.jit.load(str(folder / "model.pt"), map_location="cpu").eval()
    torch.manual_seed(2)
    lq = torch.rand(2, 1, 48, 40)
    mask = torch.zeros_like(lq)
    mask[0, :, 10:20, 8:30] = 1
    with torch.no_grad():
        for m in (torch.zeros_like(lq), mask):
            assert torch.allclose(shipped(lq, m), f(lq, m), atol=1e-5)
