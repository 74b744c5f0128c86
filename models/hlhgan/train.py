"""Train HLH-GAN: phi (when no ImageNet VGG19 is given), stage 1 G (H-L GAN), stage 2 F (L-H GAN),
then joint fine-tuning with the cycle loss. Checkpoints every --ckpt-every steps; --resume goes on
from the last one. Run `python3 -m hlhgan.train --help` from models/."""
import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as Fn

from . import __version__, data, degradations as deg, export, losses, networks, presets

STAGES = ("phi", "g", "f", "joint")


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="hlhgan.train", description=__doc__,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--hq", nargs="+", required=True, help="HQ volumes: NIfTI files, folders of them, DICOM series folders")
    p.add_argument("--lq", nargs="*", default=[], help="real LQ volumes (unpaired); none: simulated degradations")
    p.add_argument("--exclude", nargs="*", default=[], help="regexes of sources to leave out (validation subjects)")
    p.add_argument("--val", nargs="*", default=[], help="validation volumes, PSNR logged during training")
    p.add_argument("--out", required=True, help="run folder: checkpoints, log, exported model")
    p.add_argument("--preset", default="small", choices=sorted(presets.PRESETS))
    p.add_argument("--scale", type=int, default=2, choices=(2, 4))
    p.add_argument("--steps-phi", type=int, default=300)
    p.add_argument("--steps-g", type=int, default=1000)
    p.add_argument("--steps-f", type=int, default=4000)
    p.add_argument("--steps-joint", type=int, default=1000)
    p.add_argument("--warmup-f", type=int, default=1000, help="first F updates without the adversarial term")
    p.add_argument("--g-mix", type=float, default=0.5, help="share of F's inputs made by G (rest: simulator)")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--lr-halve-every", type=int, default=200000)
    p.add_argument("--cosine-minutes", type=float, default=0,
                   help="stage F: learning rate on a cosine from --lr down to 1%% of it over this much training "
                        "time, for time-limited runs whose step count is not known beforehand; 0: halving only")
    p.add_argument("--alpha", type=float, default=10.0)
    p.add_argument("--delta", type=float, default=10.0)
    p.add_argument("--beta", type=float, default=0.1)
    p.add_argument("--lam", type=float, default=1.0)
    p.add_argument("--lam-real", type=float, default=None,
                   help="joint stage: weight of the cycle term on real LQ, ||G(F(I_L)) - I_L|| (default: --lam; "
                        "0 leaves F and G untouched by it)")
    p.add_argument("--cycle-norm", choices=("l1", "l2"), default="l1",
                   help="the cycle terms of stages f and joint: l1 (eq. 8, the default) or l2 (mean squared error, "
                        "what PSNR measures)")
    p.add_argument("--adv", type=float, default=1.0, help="weight of the generators' adversarial terms")
    p.add_argument("--adv-f", type=float, default=None,
                   help="weight of F's adversarial term alone (stages f and joint; default: --adv): 0 keeps F "
                        "trained for PSNR while G still learns against D_G in the joint stage")
    p.add_argument("--joint-g-mix", type=float, default=1.0,
                   help="joint stage: share of F's inputs made by G (1: the paper's F(G(y)) only); the rest are "
                        "the simulator's, drawn like stage f's (--protocol-mix, --sharp-mix); with --lq the joint "
                        "stage's batches have no holes, without --lq they have")
    p.add_argument("--joint-g-rate", type=float, default=1.0,
                   help="joint stage: G moves by this fraction of each of its Adam steps (1: the paper's joint "
                        "stage; 0: G frozen and D_G not trained, so F alone learns through the cycle terms; "
                        "between: a slowly moving G)")
    p.add_argument("--batch", type=int, default=None)
    p.add_argument("--patch", type=int, default=None)
    p.add_argument("--imagenet-vgg", default=None, help="torchvision vgg19 weights file for phi")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=max(1, os.cpu_count() or 1))
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--ckpt-every", type=int, default=200)
    p.add_argument("--val-every", type=int, default=500)
    p.add_argument("--resume", action="store_true", help="go on from OUT/checkpoint.pt")
    p.add_argument("--restart-f", action="store_true",
                   help="with --resume: new F, D_F and optimisers, F and joint stages from step 0 (keeps phi and G)")
    p.add_argument("--reset-schedule", action="store_true",
                   help="with --resume: F and D_F go on from their weights and Adam state with --lr, halved every "
                        "--lr-halve-every steps from now (a fine-tuning phase with a decaying rate)")
    p.add_argument("--init-f", default=None, metavar="MODEL_DIR",
                   help="F starts from the weights of this model folder (f_state.npz, else f_state.pt; its "
                        "config.json must name the same preset sizes, scale, fill and context), e.g. to fine-tune "
                        "the default model; with --resume: replaces the checkpoint's F, and stages f and joint "
                        "count from 0 (once: resuming with the same weights goes on, unless --restart-f)")
    p.add_argument("--init-g", default=None, metavar="MODEL_DIR",
                   help="G starts from this model folder's degrader.pt (a G exported by hlhgan; same preset, "
                        "scale and seed), e.g. the default model's G for the joint stage without training stage g again; "
                        "with --resume: once, like --init-f")
    p.add_argument("--fill", default="average", choices=("average", "harmonic"),
                   help="F's parameter-free first guess of the missing region (give the same value on every resume)")
    p.add_argument("--model-version", default=None,
                   help="version written into the exported config (default: the hlhgan package version); derived UIDs depend on it")
    p.add_argument("--name", default="hlhgan", help="model name written into the exported config")
    p.add_argument("--context", type=int, default=1,
                   help="F's through-plane context: k adjacent LR slices as input channels, the centre one "
                        "enhanced, edge slices mirrored (odd; 1: the 2D model the node runs)")
    p.add_argument("--protocol-mix", type=float, default=0.0,
                   help="share of training samples degraded like the SR-B / SR-N-B protocols (isotropic blur "
                        "0.5 x scale +-15%%, area downsampling, Rician noise 0 to 0.05); the rest: the blind range")
    p.add_argument("--sharp-mix", type=float, default=0.0,
                   help="share of simulated samples whose blur is at most 0.5 HQ pixel per axis (inputs already "
                        "sharp, as from k-space truncation alone); drawn after --protocol-mix, so it applies to both")
    p.add_argument("--pipeline", default="tensor", choices=("tensor", "legacy"),
                   help="tensor: patches and degradations as batched tensor code on the training device; "
                        "legacy: the per-sample CPU path of models up to 0.2.0 (2D only, no --protocol-mix)")
    p.add_argument("--val-slices", type=int, default=8, help="axial slices per validation volume")
    p.add_argument("--max-minutes", type=float, default=0,
                   help="stop after this much training time (checkpoint, then export what is done); 0: no limit")
    p.add_argument("--export-only", action="store_true", help="with --resume: export the checkpoint's networks, no training")
    p.add_argument("--export", default=None, help="folder for the exported model (default OUT/export)")
    return p.parse_args(argv)


class Progress:
    """One line per update on a terminal, one line every `every` steps in a log; shows losses and ETA."""

    def __init__(self, stage, total, start, every=20):
        self.stage, self.total, self.start_step, self.every = stage, total, start, every
        self.t0 = time.time()
        self.tty = sys.stderr.isatty()

    def update(self, step, values):
        done = step - self.start_step
        if done <= 0 or (not self.tty and step % self.every and step != self.total):
            return
        rate = (time.time() - self.t0) / done
        eta = rate * (self.total - step)
        bar = "#" * int(30 * step / self.total)
        text = " ".join(f"{k}={float(v):.4f}" for k, v in values.items())   # values may be tensors: read here only
        line = (f"[{self.stage:5s}] {bar:30s} {step}/{self.total} {rate:.2f}s/it "
                f"ETA {_hms(eta)} {text}")
        sys.stderr.write(("\r" + line) if self.tty else (line + "\n"))
        sys.stderr.flush()


def _hms(sec):
    sec = int(sec)
    return f"{sec // 3600:d}:{sec % 3600 // 60:02d}:{sec % 60:02d}"


class Trainer:
    def __init__(self, args):
        self.args = args
        self.device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available()
                                   else ("cpu" if args.device == "auto" else args.device))
        torch.set_num_threads(args.threads)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True     # fixed training shapes
        self.preset = presets.get(args.preset)
        self.batch = args.batch or self.preset.batch
        self.patch = args.patch or self.preset.patch
        if self.patch % (4 * args.scale):
            raise SystemExit(f"--patch must be a multiple of {4 * args.scale}")
        self.weights = losses.Weights(args.alpha, args.delta, args.beta, args.lam, args.adv)
        self.adv_f = args.adv if args.adv_f is None else args.adv_f
        self.lam_real = args.lam if args.lam_real is None else args.lam_real
        self.context = args.context
        if args.context > 1 and (args.g_mix > 0 or args.steps_joint > 0):
            raise SystemExit("--context > 1 trains F on simulated stacks only: give --g-mix 0 --steps-joint 0")
        if args.pipeline == "legacy" and (args.context > 1 or args.protocol_mix > 0 or args.sharp_mix > 0):
            raise SystemExit("--pipeline legacy has no --context, --protocol-mix or --sharp-mix: use --pipeline tensor")
        for name in ("adv_f", "lam_real"):
            if getattr(args, name) is not None and getattr(args, name) < 0:
                raise SystemExit(f"--{name.replace('_', '-')} must be at least 0, got {getattr(args, name)}")
        for name in ("protocol_mix", "sharp_mix", "joint_g_mix", "joint_g_rate"):
            if not 0.0 <= getattr(args, name) <= 1.0:
                raise SystemExit(f"--{name.replace('_', '-')} must lie in [0, 1], got {getattr(args, name)}")
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.log = open(self.out / "train.log", "a")
        torch.manual_seed(args.seed)
        p, s = self.preset, args.scale
        dev = self.device
        self.tensor = args.pipeline == "tensor"
        self.pca = deg.KernelPCA(p.pca_dims, seed=args.seed + 1234).to(dev if self.tensor else "cpu")
        self.F = networks.GeneratorLH(s, p.filters, p.f_groups, args.fill, args.context).to(dev)
        self.G = networks.GeneratorHL(s, p.filters, p.g_blocks, p.pca_dims + 3).to(dev)
        self.DF = networks.DiscriminatorF(p.df_filters).to(dev)
        self.DG = networks.DiscriminatorG(p.filters, p.dg_blocks).to(dev)
        self.phi = networks.FeatureNet(p.vgg_width).to(dev)
        self.phi_head = networks.PhiPretextHead(p.vgg_width).to(dev)
        self.imagenet = bool(args.imagenet_vgg)
        if self.imagenet:
            self.phi.load_imagenet(args.imagenet_vgg)
        self.opt = {n: torch.optim.Adam(getattr(self, n).parameters(), lr=args.lr, betas=(0.9, 0.999))
                    for n in ("F", "G", "DF", "DG")}
        self.opt["phi"] = torch.optim.Adam(list(self.phi.parameters()) + list(self.phi_head.parameters()), lr=1e-3)
        self.sched = {n: torch.optim.lr_scheduler.StepLR(o, args.lr_halve_every, 0.5) for n, o in self.opt.items()}
        self.stage, self.step = STAGES[0], 0
        self.done = {st: 0 for st in STAGES}
        self.val = []
        self.gen = torch.Generator().manual_seed(args.seed)
        self.f_initialised_from = None      # SHA-256 of the --init-f weights, once they are in F
        self.g_initialised_from = None      # SHA-256 of the --init-g degrader.pt, once it is in G
        self.dgen = torch.Generator(device=dev).manual_seed(args.seed)   # the tensor pipeline's
        self.history = []

    # ---------------------------------------------------------------- data
    def load_data(self):
        a = self.args
        hq = data.find_volumes(a.hq, a.exclude)
        if not hq:
            raise SystemExit("no HQ volume left after --exclude")
        self.hq_sources = hq
        self._say(f"HQ: {len(hq)} volumes: {', '.join(data.describe(hq))}")
        self.hq_pool = self._pool(hq, self.patch, self.context)
        self._say(f"HQ slices usable for {self.patch}px patches: {len(self.hq_pool)} ({a.pipeline} pipeline)")
        lq = data.find_volumes(a.lq, a.exclude) if a.lq else []
        self.lq_pool = self._pool(lq, self.patch // a.scale, 1) if lq else None
        if self.lq_pool is None:
            self._say("no real LQ set given: the H-L GAN learns from simulated degradations "
                      "(blur, downsampling, Gaussian/Rician noise, holes) instead of real LQ scans")
        self.val = [_ValVolume(v, a.scale, self.context, a.val_slices) for v in data.find_volumes(a.val)] if a.val else []

    def _pool(self, sources, side, context):
        if self.tensor:
            return data.TensorSlicePool(sources, side, context=context, device=self.device)
        return data.SlicePool(sources, side)

    def _patches(self, pool, n, size, centre_only=True):
        """n patches; (n, k, size, size) stacks for F with --context k, else centre slices (n, 1, ...)."""
        if not self.tensor:
            return pool.patches(n, size, self.gen)
        p = pool.patches(n, size, self.dgen)
        c = p.shape[1] // 2
        return p[:, c:c + 1] if centre_only else p

    def _simulate(self, hq, holes=True):
        if not self.tensor:
            return deg.simulate(hq, self.args.scale, self.gen, **({} if holes else {"hole_prob": 0.0, "rows_prob": 0.0}))
        return deg.simulate_batch(hq, self.args.scale, self.dgen, self.args.protocol_mix, holes, self.args.sharp_mix)

    def _real_lq(self, n):
        """A batch of real LQ patches, or simulated ones from independent HQ patches (unpaired)."""
        size = self.patch // self.args.scale
        if self.lq_pool is not None:
            return self._patches(self.lq_pool, n, size), None
        hq = self._patches(self.hq_pool, n, self.patch)
        d = self._simulate(hq)
        return d.lq, d

    def _batch(self, stacks=False, cond=True, holes=True):
        """HQ patches (the centre slice), their degradation (lq with k slices when `stacks`; without
        holes when not `holes`), and G's condition maps when `cond`."""
        hq = self._patches(self.hq_pool, self.batch, self.patch, centre_only=not stacks)
        d = self._simulate(hq, holes)
        c = hq.shape[1] // 2
        maps = deg.condition_maps(self.pca, d.kernels, d.noise, d.mask_hq, self.dgen if self.tensor else self.gen) \
            if cond else None
        return hq[:, c:c + 1], d, maps

    # --------------------------------------------------------------- stages
    def run(self):
        """Each stage goes from the steps it has done (checkpoint) to its total; raising a total and
        resuming trains that stage further."""
        a = self.args
        totals = {"phi": 0 if self.imagenet else a.steps_phi, "g": a.steps_g, "f": a.steps_f, "joint": a.steps_joint}
        for stage in STAGES:
            self.stage, total = stage, totals[stage]
            if self.done[stage] >= total:
                continue
            prog = Progress(stage, total, self.done[stage])
            while self.done[stage] < total:
                if self._out_of_time():
                    self._say(f"--max-minutes reached during stage {stage}: stopping with steps {self.done}")
                    self.save()
                    return self.export()
                self.step = self.done[stage]
                if stage == "f" and a.cosine_minutes > 0:
                    self._cosine_lr()
                values = getattr(self, f"_step_{stage}")()
                self.done[stage] = self.step = self.step + 1
                prog.update(self.step, values)
                if self.step % a.ckpt_every == 0 or self.step == total:
                    self.save()
                if len(self.val) and stage in ("f", "joint") and (self.step % a.val_every == 0 or self.step == total):
                    self.validate()
            sys.stderr.write("\n")
        self.stage = "done"
        self.save()
        return self.export()

    def _cosine_lr(self):
        frac = min(1.0, (time.time() - self._t_start) / (60 * self.args.cosine_minutes))
        for g in self.opt["F"].param_groups:
            g["lr"] = self.args.lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * frac)))

    def _out_of_time(self):
        limit = self.args.max_minutes
        return limit > 0 and time.time() - self._t_start > 60 * limit

    def _step_phi(self):
        dev = self.device
        hq = self._patches(self.hq_pool, self.batch, self.patch)
        d = self._simulate(hq)
        hq, lq, kernels, noise, mask_hq = (t.to(dev) for t in (hq, d.lq, d.kernels, d.noise, d.mask_hq))
        up = Fn.interpolate(lq, scale_factor=float(self.args.scale), mode="bicubic", align_corners=False)
        clean = (torch.rand(self.batch) < 0.25).to(dev)
        x = torch.where(clean[:, None, None, None], hq, up)
        target = torch.stack([_kernel_widths(kernels) / 2.0, noise * 10.0, mask_hq.mean(dim=(1, 2, 3)) * 4.0], 1)
        target[clean] = 0.0
        pred = self.phi_head(self.phi(x))
        loss = Fn.mse_loss(pred, target)
        self._update("phi", loss)
        return {"pretext": loss.item()}

    def _step_g(self):
        dev, w = self.device, self.weights
        # real scans have no holes: G's zeroed holes would give D_G an easy tell it cannot learn away
        hq, d, cond = self._batch(holes=self.lq_pool is None)
        hq, cond, mask_lq = hq.to(dev), cond.to(dev), d.mask_lq.to(dev)
        real_lq, _ = self._real_lq(self.batch)
        fake_lq = self.G(hq, cond, mask_lq)
        ld = losses.d_loss(self.DG(real_lq.to(dev)), self.DG(fake_lq.detach()))
        self._update("DG", ld)
        adv = losses.g_adv_loss(self.DG(fake_lq))
        content = losses.content_hl(self.phi, fake_lq, hq)
        lg = w.adv * adv + w.alpha * content
        self._update("G", lg)
        return {"D_G": ld.item(), "adv": adv.item(), "C_HL": content.item()}

    def _lq_for_f(self, hq, d, cond):
        """F's training input: G's output (the learned degradation) or the simulator's, per --g-mix."""
        if self.args.g_mix <= 0:     # G's forward pass would be wasted work
            return d.lq.to(self.device)
        use_g = torch.rand(hq.shape[0], generator=self.gen) < self.args.g_mix
        with torch.no_grad():
            g_lq = self.G(hq, cond, d.mask_lq.to(self.device)).clamp(0.0, 1.5)
        return torch.where(use_g[:, None, None, None].to(self.device), g_lq, d.lq.to(self.device))

    def _step_f(self):
        dev, w = self.device, self.weights
        hq, d, cond = self._batch(stacks=True, cond=self.args.g_mix > 0)
        hq, mask = hq.to(dev), d.mask_lq.to(dev)
        cond = cond.to(dev) if cond is not None else None
        lq = self._lq_for_f(hq, d, cond)
        fake = self.F(lq, mask)
        adv_on = self.step >= self.args.warmup_f and self.adv_f > 0
        values = {}
        if adv_on:
            ld = losses.d_loss(self.DF(hq), self.DF(fake.detach()))
            self._update("DF", ld)
            values["D_F"] = ld.detach()
        adv = losses.g_adv_loss(self.DF(fake)) if adv_on else torch.zeros((), device=dev)
        if w.delta or w.beta:
            content, texture = losses.content_and_texture_lh(self.phi, fake, hq)
        else:   # both weights 0: phi's forward passes would be wasted work
            content = texture = torch.zeros((), device=dev)
        cyc = losses.cycle(fake, hq, norm=self.args.cycle_norm)
        loss = self.adv_f * adv + w.delta * content + w.beta * texture + w.lam * cyc
        self._update("F", loss)
        values.update({"adv": adv.detach(), "C_LH": content.detach(), "T_LH": texture.detach(), "cyc": cyc.detach()})
        return values

    def _step_joint(self):
        dev, w = self.device, self.weights
        # as in stage g: with real LQ scans (no holes), D_G must not see G's zeroed holes; F learned the
        # holes in stage f
        hq, d, cond = self._batch(holes=self.lq_pool is None)
        hq, cond, mask_lq = hq.to(dev), cond.to(dev), d.mask_lq.to(dev)
        real_lq, real_d = self._real_lq(self.batch)
        real_lq = real_lq.to(dev)
        if real_d is not None:
            r_cond = deg.condition_maps(self.pca, real_d.kernels, real_d.noise, real_d.mask_hq,
                                        self.dgen if self.tensor else self.gen).to(dev)
            r_mask_lq, r_mask_hq = real_d.mask_lq.to(dev), real_d.mask_hq.to(dev)
        else:
            r_mask_lq = torch.zeros_like(real_lq)
            r_mask_hq = Fn.interpolate(r_mask_lq, scale_factor=float(self.args.scale))
            gen = self.dgen if self.tensor else self.gen
            r_cond = deg.condition_maps(self.pca, d.kernels, d.noise, r_mask_hq.to(d.kernels.device), gen).to(dev)
        g_moves = self.args.joint_g_rate > 0
        with torch.set_grad_enabled(g_moves):      # a frozen G needs no graph for its own input
            fake_lq = self.G(hq, cond, mask_lq)
        f_in = fake_lq
        if self.args.joint_g_mix < 1:      # part of F's inputs from the simulator, as in stage f
            use_g = torch.rand(hq.shape[0], generator=self.gen) < self.args.joint_g_mix
            f_in = torch.where(use_g[:, None, None, None].to(dev), fake_lq, d.lq.to(dev))
        fake_hq = self.F(f_in, mask_lq)
        values = {}
        l_hl = torch.zeros((), device=dev)
        if g_moves:     # D_G only serves G's adversarial term
            ldg = losses.d_loss(self.DG(real_lq), self.DG(fake_lq.detach()))
            self._update("DG", ldg)
            values["D_G"] = ldg.item()
            l_hl = w.adv * losses.g_adv_loss(self.DG(fake_lq)) + w.alpha * losses.content_hl(self.phi, fake_lq, hq)
        l_lh = torch.zeros((), device=dev)
        if self.adv_f > 0:
            ldf = losses.d_loss(self.DF(hq), self.DF(fake_hq.detach()))
            self._update("DF", ldf)
            values["D_F"] = ldf.item()
            l_lh = self.adv_f * losses.g_adv_loss(self.DF(fake_hq))
        if w.delta or w.beta:
            content, texture = losses.content_and_texture_lh(self.phi, fake_hq, hq)
            l_lh = l_lh + w.delta * content + w.beta * texture
        cyc = losses.cycle(fake_hq, hq, norm=self.args.cycle_norm)
        total = l_hl + l_lh + w.lam * cyc
        if self.lam_real > 0:       # eq. (8)'s second term, on the real LQ scans
            g_f_real = self.G(self.F(real_lq, r_mask_lq), r_cond, r_mask_lq)
            cyc_real = losses.cycle(g_f_real, real_lq, norm=self.args.cycle_norm)
            total = total + self.lam_real * cyc_real
            cyc = cyc + cyc_real
        self.opt["G"].zero_grad(set_to_none=True)
        self.opt["F"].zero_grad(set_to_none=True)
        total.backward()
        _check_finite(total, [self.G, self.F])
        rate = self.args.joint_g_rate
        before = [q.detach().clone() for q in self.G.parameters()] if 0 < rate < 1 else None
        for n in ("G", "F") if g_moves else ("F",):
            self.opt[n].step()
            self.sched[n].step()
        if before is not None:      # a slow G: only this fraction of Adam's step
            with torch.no_grad():
                for q, b in zip(self.G.parameters(), before):
                    q.copy_(b + rate * (q - b))
        values.update({"L_HL": l_hl.item(), "L_LH": l_lh.item(), "cyc": cyc.item()})
        return values

    def _update(self, name, loss):
        opt = self.opt[name]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nets = [self.phi, self.phi_head] if name == "phi" else [getattr(self, name)]
        _check_finite(loss, nets)
        opt.step()
        self.sched[name].step()

    # ----------------------------------------------------------- validation
    def validate(self):
        """Foreground PSNR of F and of bicubic on whole axial slices of the validation volumes, SR-B
        and SR-N-B protocols; each volume is degraded slice by slice with independent noise, so F's
        neighbours (--context) are realistic. Mean over slices, then over volumes."""
        self.F.eval()
        rec = {"stage": self.stage, "step": self.step}
        per = {}
        for name in VAL_PROTOCOLS:
            vals = [v.psnr(self.F, name, self.device) for v in self.val]
            rec[name] = {"model": _mean([m for m, _ in vals]), "bicubic": _mean([b for _, b in vals])}
            for v, (m, b) in zip(self.val, vals):
                per.setdefault(v.name, {})[name] = [round(m, 3), round(b, 3)]
        self.F.train()
        rec["psnr_model"], rec["psnr_bicubic"] = rec["SR-N-B"]["model"], rec["SR-N-B"]["bicubic"]
        rec["per_volume"] = per
        self.history.append(rec)
        self._say(f"validation {json.dumps(rec)}")

    # --------------------------------------------------------- checkpoints
    def state(self):
        nets = {n: getattr(self, n).state_dict() for n in ("F", "G", "DF", "DG", "phi", "phi_head")}
        return {"nets": nets, "opt": {n: o.state_dict() for n, o in self.opt.items()},
                "sched": {n: s.state_dict() for n, s in self.sched.items()},
                "stage": self.stage, "done": self.done, "gen": self.gen.get_state(), "dgen": self.dgen.get_state(),
                "torch_rng": torch.get_rng_state(), "pca": self.pca.state_dict(),
                "args": vars(self.args), "history": self.history, "version": __version__,
                "wall_s": self.wall_s(), "f_initialised_from": self.f_initialised_from,
                "g_initialised_from": self.g_initialised_from}

    def wall_s(self):
        return getattr(self, "_wall_before", 0.0) + (time.time() - self._t_start)

    def save(self):
        path = self.out / "checkpoint.pt"
        tmp = path.with_name("checkpoint.pt.part")
        torch.save(self.state(), str(tmp))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def restore(self):
        path = self.out / "checkpoint.pt"
        if not path.exists():
            raise SystemExit(f"--resume: {path} does not exist; run without --resume to start")
        st = torch.load(str(path), map_location=self.device)
        try:
            for n, sd in st["nets"].items():
                getattr(self, n).load_state_dict(sd)
        except RuntimeError as e:       # the networks of another preset, scale, fill or context
            was = st.get("args", {})
            raise SystemExit(f"--resume: {path} holds networks of --preset {was.get('preset')} --scale "
                             f"{was.get('scale')} --context {was.get('context', 1)}; give those, or another --out "
                             f"({str(e).splitlines()[0]})")
        for n, sd in st["opt"].items():
            self.opt[n].load_state_dict(sd)
        for n, sd in st["sched"].items():
            self.sched[n].load_state_dict(sd)
        self.stage, self.done = st["stage"], st["done"]
        self.gen.set_state(st["gen"])
        if "dgen" in st:
            self.dgen.set_state(st["dgen"].cpu())
        torch.set_rng_state(st["torch_rng"])
        self.pca.load_state_dict(st["pca"])
        self.pca.to(self.device if self.tensor else "cpu")
        self.history = st.get("history", [])
        self.f_initialised_from = st.get("f_initialised_from")
        self.g_initialised_from = st.get("g_initialised_from")
        self._wall_before = st.get("wall_s", 0.0)
        self._say(f"resumed: steps done per stage {self.done}")

    def restart_f(self):
        p, s, dev = self.preset, self.args.scale, self.device
        self.F = networks.GeneratorLH(s, p.filters, p.f_groups, self.args.fill, self.args.context).to(dev)
        self.DF = networks.DiscriminatorF(p.df_filters).to(dev)
        self._f_from_step_0()
        self.f_initialised_from = None
        self._say("F and D_F re-initialised; stages f and joint start again")

    def _f_from_step_0(self):
        """New Adam state and schedule for F and D_F; stages f and joint count from 0."""
        for n in ("F", "DF"):
            self.opt[n] = torch.optim.Adam(getattr(self, n).parameters(), lr=self.args.lr, betas=(0.9, 0.999))
            self.sched[n] = torch.optim.lr_scheduler.StepLR(self.opt[n], self.args.lr_halve_every, 0.5)
        self.done["f"] = self.done["joint"] = 0
        self.history = []

    def init_f(self, model_dir):
        """F's weights from a model folder (export.load_f_state) whose config.json matches this run's
        preset sizes, scale, fill and context (else SystemExit naming the options to give); fresh Adam
        state for F and D_F and the f and joint stages from step 0, so --steps-f counts the fine-tuning
        steps. A resumed run whose F already came from the same weights (their SHA-256, so moving the
        folder does not matter) goes on instead: the same command line resumes."""
        state, digest = export.load_f_state(model_dir, with_digest=True)
        if self.f_initialised_from == digest:
            self._say(f"F came from {model_dir} at the start of this run: going on from the checkpoint")
            return
        cfg = export.read_config(model_dir)
        a, p = self.args, self.preset
        sizes = cfg.get("preset_sizes", {})
        want = {"filters and f_groups": ([p.filters, list(p.f_groups)], [sizes.get("filters"), list(sizes.get("f_groups", []))]),
                "scale": (a.scale, cfg.get("scale")), "fill": (a.fill, cfg.get("fill", "average")),
                "context": (a.context, cfg.get("context_slices", 1))}
        wrong = [f"{k} {theirs} (this run: {ours})" for k, (ours, theirs) in want.items() if ours != theirs]
        if wrong:
            raise SystemExit(f"--init-f {model_dir}: its F was trained with " + ", ".join(wrong)
                             + f"; give --preset {cfg.get('preset')} --scale {cfg.get('scale')} "
                               f"--fill {cfg.get('fill', 'average')} --context {cfg.get('context_slices', 1)}")
        try:
            self.F.load_state_dict(state)
        except (RuntimeError, KeyError) as e:
            raise SystemExit(f"--init-f {model_dir}: its weights do not fit the F its config.json describes ({e})")
        self.F.to(self.device)
        self._f_from_step_0()
        self.f_initialised_from = digest
        self._say(f"F initialised from {model_dir}; stages f and joint start at step 0")

    def init_g(self, model_dir):
        """G's weights from a model folder's degrader.pt (TorchScript of export._GWrapper, so its
        parameters are G's under the prefix "g."). The folder's config.json must name this run's preset,
        scale and seed (the seed fixes the kernel PCA behind G's condition maps; G's weights alone do
        not show its scale): else SystemExit naming the options to give. Fresh Adam state for G; D_G is
        not loaded (untrained on a fresh run). Once per run: a resume whose G came from the same file
        (SHA-256) keeps the checkpoint's G; another file after stage g or joint has trained G is refused."""
        import hashlib

        path = Path(model_dir) / export.G_NAME
        if not path.is_file():
            raise SystemExit(f"--init-g {model_dir}: no {export.G_NAME} (an exported G) in this folder")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if self.g_initialised_from == digest:
            self._say(f"G came from {model_dir} at the start of this run: going on from the checkpoint")
            return
        if self.done["g"] > 0 or self.done["joint"] > 0:
            raise SystemExit(f"--init-g {model_dir}: this run's G has trained already (steps {self.done}); "
                             "start a new --out to begin from another G")
        cfg = export.read_config(model_dir)
        a = self.args
        want = {"preset": (self.preset.name, cfg.get("preset")), "scale": (a.scale, cfg.get("scale")),
                "seed": (a.seed, cfg.get("seed"))}
        wrong = [f"{k} {theirs} (this run: {ours})" for k, (ours, theirs) in want.items() if ours != theirs]
        if wrong:
            raise SystemExit(f"--init-g {model_dir}: its G was trained with " + ", ".join(wrong)
                             + f"; give --preset {cfg.get('preset')} --scale {cfg.get('scale')} --seed {cfg.get('seed')}")
        try:
            scripted = torch.jit.load(str(path), map_location="cpu")
            state = {k[2:]: v for k, v in scripted.state_dict().items() if k.startswith("g.")}
            self.G.load_state_dict(state)
        except (RuntimeError, KeyError) as e:
            raise SystemExit(f"--init-g {model_dir}: its {export.G_NAME} does not fit a G of --preset "
                             f"{self.preset.name} ({str(e).splitlines()[0]})")
        self.G.to(self.device)
        self.opt["G"] = torch.optim.Adam(self.G.parameters(), lr=self.args.lr, betas=(0.9, 0.999))
        self.sched["G"] = torch.optim.lr_scheduler.StepLR(self.opt["G"], self.args.lr_halve_every, 0.5)
        self.g_initialised_from = digest
        self._say(f"G initialised from {path}")

    def reset_schedule(self):
        for n in ("F", "DF"):
            for g in self.opt[n].param_groups:
                g["lr"] = g["initial_lr"] = self.args.lr
            self.sched[n] = torch.optim.lr_scheduler.StepLR(self.opt[n], self.args.lr_halve_every, 0.5)
        self._say(f"F and D_F learning rate reset to {self.args.lr}, halved every {self.args.lr_halve_every} steps")

    def export(self):
        a = self.args
        dest = Path(a.export) if a.export else self.out / "export"
        steps = dict(self.done)
        cfg = {"name": a.name, "version": a.model_version or __version__, "preset": self.preset.name, "scale": a.scale,
               "preset_sizes": self.preset.to_dict(), "steps": steps, "seed": a.seed,
               "loss_weights": dict(self.weights.__dict__, adv_f=self.adv_f, lam_real=self.lam_real), "cycle_norm": a.cycle_norm,
               "joint_g_mix": a.joint_g_mix, "joint_g_rate": a.joint_g_rate, "lr": a.lr, "fill": a.fill, "g_mix": a.g_mix, "warmup_f": a.warmup_f,
               "batch": self.batch, "patch": self.patch, "lr_halve_every": a.lr_halve_every, "cosine_minutes": a.cosine_minutes,
               "device": str(self.device), "torch": torch.__version__,
               "pipeline": a.pipeline, "protocol_mix": a.protocol_mix, "sharp_mix": a.sharp_mix, "context_edges": "mirror",
               "phi": "imagenet" if self.imagenet else "trained on MRI (degradation regression pretext)",
               "simulated_lq": self.lq_pool is None,
               "train_sources": data.describe(self.hq_sources),
               "train_wall_s": round(self.wall_s(), 1), "validation": self.history[-1:] }
        self.F.cpu()
        self.G.cpu()
        dest.mkdir(parents=True, exist_ok=True)
        torch.save(self.F.state_dict(), str(dest / "f_state.pt"))   # weights alone: re-export with another torch
        try:
            path = export.export(self.F, self.G if self.done["g"] > 0 or self.g_initialised_from else None, dest, cfg)   # an untrained G is no degrader
        except Exception as e:      # e.g. a PyTorch without TorchScript: keep what a re-export needs
            self._say(f"TorchScript export failed ({e!r}): f_state.pt and config.json written for hlhgan.export")
            export.write_config(self.F, dest, cfg, False)
            return dest / "f_state.pt"
        self._say(f"exported {path}")
        return path

    def _say(self, msg):
        line = time.strftime("%H:%M:%S ") + msg
        print(line, file=sys.stderr, flush=True)
        self.log.write(line + "\n")
        self.log.flush()


def _kernel_widths(k):
    """(B, s, s) kernels -> (B,) mean standard deviation of the two marginals, in pixels."""
    r = (k.shape[-1] - 1) / 2.0
    ax = torch.arange(k.shape[-1], dtype=torch.float32, device=k.device) - r
    var = (k.sum(1) * ax ** 2).sum(-1) + (k.sum(2) * ax ** 2).sum(-1)
    return torch.sqrt(var / 2)


VAL_PROTOCOLS = ("SR-B", "SR-N-B")


class _ValVolume:
    """A validation volume: up to n axial slices with at least 30% foreground, evenly spaced, and
    per protocol the whole volume degraded slice by slice (independent noise per slice), from which
    each chosen slice's input stack of k neighbours is taken (mirrored at the edges)."""

    def __init__(self, src, scale, context, n):
        vol, pick = data.pick_axial(torch.from_numpy(data.load_normalised(src)), n, 4 * scale)
        z = vol.shape[0]
        self.name = Path(str(src)).name.split(".")[0]
        self.hq = vol[pick][:, None]
        self.inputs = {}
        r = context // 2
        for name in VAL_PROTOCOLS:
            lq, _ = deg.protocol(vol[:, None], scale, name, seed=7)
            stacks = [torch.cat([lq[data._mirror(i + d, z)] for d in range(-r, r + 1)]) for i in pick]
            self.inputs[name] = torch.stack(stacks)
        self.scale = scale

    def psnr(self, net, name, device):
        """Mean over slices of the foreground PSNR (HQ > 0.05) of net and of bicubic."""
        lq = self.inputs[name]
        c = lq.shape[1] // 2
        with torch.no_grad():
            out = torch.cat([net(lq[i:i + 4].to(device), torch.zeros_like(lq[i:i + 4, :1]).to(device)).cpu()
                             for i in range(0, len(lq), 4)]).clamp(0, 1)
        bic = Fn.interpolate(lq[:, c:c + 1], scale_factor=float(self.scale), mode="bicubic",
                             align_corners=False).clamp(0, 1)
        fg = self.hq > 0.05
        return (_mean([data.psnr(o[f], h[f]) for o, h, f in zip(out, self.hq, fg)]),
                _mean([data.psnr(b[f], h[f]) for b, h, f in zip(bic, self.hq, fg)]))


def _mean(xs):
    return float(sum(xs) / max(1, len(xs)))


def _check_finite(loss, nets):
    grads = [p.grad for net in nets for p in net.parameters() if p.grad is not None]
    ok = torch.isfinite(loss)
    if grads:
        ok = ok & torch.stack([torch.isfinite(g).all() for g in grads]).all()
    if bool(ok):     # one device synchronisation per update, not one per parameter
        return
    if not torch.isfinite(loss):
        raise FloatingPointError(f"loss is {loss.item()}")
    for net in nets:
        for n, p in net.named_parameters():
            if p.grad is not None and not torch.isfinite(p.grad).all():
                raise FloatingPointError(f"non-finite gradient in {n}")


def main(argv=None):
    args = parse_args(argv)
    t = Trainer(args)
    t._t_start = time.time()
    if args.resume:
        t.restore()
        if args.restart_f:
            t.restart_f()
        elif args.reset_schedule:
            t.reset_schedule()
    elif (Path(args.out) / "checkpoint.pt").exists():
        raise SystemExit(f"{args.out} already holds a checkpoint: pass --resume to go on, or choose another --out")
    if (args.init_f or args.init_g) and args.export_only:
        flag = "--init-f" if args.init_f else "--init-g"
        raise SystemExit(f"{flag} with --export-only would export another model's network under this run's name: "
                         "re-export a model folder with python3 -m hlhgan.export instead")
    if args.init_f:
        t.init_f(args.init_f)
    if args.init_g:
        t.init_g(args.init_g)
    t.load_data()
    if args.export_only:
        if not args.resume:
            raise SystemExit("--export-only needs --resume (it exports the checkpoint)")
        t.export()
        return
    t.run()


if __name__ == "__main__":
    main()
