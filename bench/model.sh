#!/usr/bin/env bash
# Model speed: milliseconds per 256x256 output slice for x2 and x4 with the paper preset, through DJL
# (libtorch 2.7.1) and through Debian's Python PyTorch, on the same TorchScript files, in one run.
# Usage: ./sri-node bench model
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=$(mktemp -d /tmp/sri-bench-model.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
CLI_CP=${CLI_CP:?"run it as ./sri-node bench <name>: the launcher builds and sets the tools' class path"}
(cd models && /usr/bin/python3 -m hlhgan.reference --out "$WORK/x2" --preset paper --scale 2 --shape 1 128 128 \
  && /usr/bin/python3 -m hlhgan.reference --out "$WORK/x4" --preset paper --scale 4 --shape 1 64 64)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%FT%TZ)"
java -Dai.djl.offline=true -cp "$CLI_CP" org.srinode.cli.Main bench-model "$WORK/x2" "$WORK/x4" 2>/dev/null | grep '^{' | tee "$WORK/djl.jsonl"
for s in 2 4; do
  shape=$([ $s = 2 ] && echo "1 128 128" || echo "1 64 64")
  for t in 1 2; do
    (cd models && /usr/bin/python3 -m hlhgan.benchpy --model "$WORK/x$s" --shape $shape --threads $t) \
      | sed "s/^{/{\"what\":\"python\",\"scale\":$s,/"
  done
done | tee "$WORK/py.jsonl"
/usr/bin/python3 - "$WORK" <<'PY'
import json, sys, pathlib
w = pathlib.Path(sys.argv[1])
djl = [json.loads(l) for l in (w / "djl.jsonl").read_text().splitlines()]
py = [json.loads(l) for l in (w / "py.jsonl").read_text().splitlines()]
ceiling = next(d["gflops"] for d in djl if d["what"] == "conv-ceiling")
print()
print("| scale | input -> output | GFLOP | DJL ms | DJL GFLOP/s | of conv ceiling (%.0f GFLOP/s) | DJL first call ms | Python 1 thread ms | Python 2 threads ms | DJL / best Python |" % ceiling)
print("|---|---|---|---|---|---|---|---|---|---|")
for d in djl:
    if d["what"] != "djl":
        continue
    p = {r["threads"]: r["median_ms"] for r in py if r["scale"] == d["scale"]}
    best = min(p.values())
    n = int(d["input"].split("x")[0])
    print(f"| x{d['scale']} | {d['input']} -> {n*d['scale']}x{n*d['scale']} | {d['gflop']:.2f} | {d['median_ms']:.1f} | {d['gflops']:.0f} | "
          f"{d['of_ceiling']:.2f} | {d['first_call_ms']:.0f} | {p.get(1, float('nan')):.1f} | {p.get(2, float('nan')):.1f} | {d['median_ms']/best:.2f} |")
PY
