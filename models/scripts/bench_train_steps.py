"""Training throughput of stage F on this machine: steps per second of `Trainer._step_f` (data,
degradation, forward, backward, update) and seconds per step of the data part alone.

    cd models && OMP_NUM_THREADS=1 python3 scripts/bench_train_steps.py --code . --pipeline tensor

--code points at the folder holding the `hlhgan` package to time (an older checkout: "before").
Prints one JSON line (wall-clock and process CPU time per step: on a shared machine the CPU time is
the steadier figure)."""
import argparse
import inspect
import json
import sys
import tempfile
import time

D = "../../shared/data/mri"
TRAIN = [f"{D}/github-CBICA-CCL_NMF_Prediction-IXI-T1-2mm", f"{D}/debian-mricron-data-colin27/ch2.nii.gz",
         f"{D}/derived-philips-elition-T1-from-dcm_qa_philips_enh/ADNI_Sag3D_MPRAGE_1301.nii.gz",
         f"{D}/github-niivue-demo-images/MR_Gd.nii.gz",
         f"{D}/debian-insighttoolkit5-examples-brainweb/KmeansTest_T1UCharRaw.nii.gz"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--code", default=".")
    p.add_argument("--pipeline", default=None, help="tensor or legacy (omit for code without the option)")
    p.add_argument("--preset", default="small")
    p.add_argument("--batch", type=int, default=12)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--device", default="cpu")
    p.add_argument("--extra", nargs=argparse.REMAINDER, default=[], help="more hlhgan.train arguments")
    a = p.parse_args()
    sys.path.insert(0, a.code)
    from hlhgan import train
    argv = ["--hq", *TRAIN, "--exclude", "IXI014", "IXI033", "--out", tempfile.mkdtemp(), "--preset", a.preset,
            "--batch", str(a.batch), "--threads", "1", "--device", a.device, "--steps-phi", "0", "--steps-g", "0",
            "--steps-f", "1000000", "--warmup-f", "1000000", "--adv", "0", "--delta", "0", "--beta", "0",
            "--g-mix", "0", "--fill", "harmonic", "--steps-joint", "0"]
    if a.pipeline:
        argv += ["--pipeline", a.pipeline]
    t = train.Trainer(train.parse_args(argv + a.extra))
    t._t_start = time.time()
    t.load_data()
    new_api = "stacks" in inspect.signature(t._batch).parameters
    batch = (lambda: t._batch(stacks=True, cond=False)) if new_api else t._batch
    sync = (lambda: __import__("torch").cuda.synchronize()) if a.device == "cuda" else (lambda: None)
    for _ in range(a.warmup):
        t._step_f()
    sync()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(a.steps):
        t._step_f()
    sync()
    step_s = (time.perf_counter() - t0) / a.steps
    step_cpu_s = (time.process_time() - c0) / a.steps     # less sensitive to other jobs on a shared machine
    t0 = time.perf_counter()
    for _ in range(a.steps):
        batch()
    sync()
    data_s = (time.perf_counter() - t0) / a.steps
    print(json.dumps({"code": a.code, "pipeline": a.pipeline or "legacy (only path)", "preset": a.preset,
                      "batch": a.batch, "device": a.device, "steps_per_s": round(1 / step_s, 3),
                      "s_per_step": round(step_s, 4), "cpu_s_per_step": round(step_cpu_s, 4),
                      "data_s_per_step": round(data_s, 4)}))


if __name__ == "__main__":
    main()
