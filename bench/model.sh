#!/usr/bin/env bash
# Model speed: milliseconds per 256x256 output slice for x2 and x4 with the paper preset (untrained) and for the
# shipped models (models/sri-default-x2, models/sri-default-x4), through DJL (libtorch 2.7.1) and through Debian's
# Python PyTorch, on the same TorchScript files, in one run.
# Usage: ./sri-node bench model
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=$(mktemp -d /tmp/sri-bench-model.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
CLI_CP=${CLI_CP:?"run it as ./sri-node bench <name>: the launcher builds and sets the tools' class path"}
(cd models && /usr/bin/python3 -m hlhgan.reference --out "$WORK/x2" --preset paper --scale 2 --shape 1 128 128 \
  && /usr/bin/python3 -m hlhgan.reference --out "$WORK/x4" --preset paper --scale 4 --shape 1 64 64)
DIRS=("$WORK/x2" "$WORK/x4")
# the shipped models: their files, plus the input shape and FLOP count that bench-model reads (parity.json)
for m in models/sri-default-x2 models/sri-default-x4; do
  [ -f "$m/config.json" ] || { echo "$m: no config.json, not benchmarked" >&2; continue; }
  d="$WORK/$(basename "$m")"
  mkdir -p "$d" && cp "$m/config.json" "$m/model.pt" "$d/"
  (cd models && /usr/bin/python3 - "../$m" "$d" <<'PY'
import json, sys, torch
from hlhgan import export, reference
f, cfg = export.build_f(sys.argv[1])
n = 256 // cfg["scale"]
lq, mask = torch.rand(1, 1, n, n), torch.zeros(1, 1, n, n)
json.dump({"n": 1, "h": n, "w": n, "scale": cfg["scale"], "gflop_per_input": reference.conv_gflop(f, lq, mask)},
          open(sys.argv[2] + "/parity.json", "w"))
PY
  ) && DIRS+=("$d")
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%FT%TZ)"
java -Dai.djl.offline=true -cp "$CLI_CP" org.srinode.cli.Main bench-model "${DIRS[@]}" 2>/dev/null | grep '^{' | tee "$WORK/djl.jsonl"
for d in "${DIRS[@]}"; do
  n=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['h'])" "$d/parity.json")
  for t in 1 2; do
    (cd models && /usr/bin/python3 -m hlhgan.benchpy --model "$d" --shape 1 "$n" "$n" --threads $t) \
      | sed "s|^{|{\"what\":\"python\",\"model\":\"$d\",|"
  done
done | tee "$WORK/py.jsonl"
/usr/bin/python3 - "$WORK" <<'PY'
import json, sys, pathlib
w = pathlib.Path(sys.argv[1])
djl = [json.loads(l) for l in (w / "djl.jsonl").read_text().splitlines()]
py = [json.loads(l) for l in (w / "py.jsonl").read_text().splitlines()]
ceiling = next(d["gflops"] for d in djl if d["what"] == "conv-ceiling")
print()
print("| model | scale | input -> output | GFLOP | DJL ms | DJL GFLOP/s | of conv ceiling (%.0f GFLOP/s) | DJL first call ms | Python 1 thread ms | Python 2 threads ms | DJL / best Python |" % ceiling)
print("|---|---|---|---|---|---|---|---|---|---|---|")
for d in djl:
    if d["what"] != "djl":
        continue
    p = {r["threads"]: r["median_ms"] for r in py if r["model"] == d["model"]}
    best = min(p.values())
    n = int(d["input"].split("x")[0])
    cfg = json.loads((pathlib.Path(d["model"]) / "config.json").read_text())
    name = (f"untrained {cfg.get('preset', '?')} preset" if str(cfg.get("name", "")).startswith("reference")
            else f"{cfg.get('name')} {cfg.get('version', '')} ({cfg.get('preset', '?')})")
    print(f"| {name} | x{d['scale']} | {d['input']} -> {n*d['scale']}x{n*d['scale']} | {d['gflop']:.2f} | {d['median_ms']:.1f} | {d['gflops']:.0f} | "
          f"{d['of_ceiling']:.2f} | {d['first_call_ms']:.0f} | {p.get(1, float('nan')):.1f} | {p.get(2, float('nan')):.1f} | {d['median_ms']/best:.2f} |")
PY
