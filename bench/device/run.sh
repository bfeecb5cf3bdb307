#!/usr/bin/env bash
# On a bare machine with an NVIDIA GPU and no network (the device tool's machine), from the repository root, with
# .dev/carry (bench/device/prepare.sh) and .gl (Vulkan loader and GL dispatch .debs) carried:
#
#   bash bench/device/run.sh OUTDIR [TORCH_DEVICE]
#
# Measures, on that machine, every shipped template as shipped:
#   1. `ganvas train --backend webgpu` itself, its output as a user sees it;
#   2. ganvas on WASM in Node (one thread; bench/gpu-train.ts), in the background all along: one core, no GPU;
#   3. meanwhile, one after the other on the GPU: the PyTorch export's train.py (TORCH_DEVICE, default cuda), fp32
#      and bf16 autocast; then ganvas on WebGPU in Node (Dawn, the CLI's --backend webgpu; bench/gpu-train.ts).
# STAGES picks some of cli,wasm,torch,webgpu,probe (default all; probe: bench/device/webgpu-probe.ts).
# A dry run elsewhere: ONLY=toy-ring,dcgan-mnist bash bench/device/run.sh /tmp/out cpu
# Writes OUTDIR/res.tgz (JSON, logs) and OUTDIR/log.txt. Every stage has a time limit; a stage that fails is
# logged and the next one runs.
set -u
OUT=${1:?usage: run.sh OUTDIR [TORCH_DEVICE]}
TORCH_DEVICE=${2:-cuda}
ROOT=$(pwd)
W=/tmp/ganvas-device
RES=$W/res
rm -rf "$W" .dev/x
mkdir -p "$RES" .dev/x "$W/bin"
exec > >(tee "$OUT/log.txt") 2>&1
stamp() { echo "== $(date -u +%H:%M:%S) $*"; }

stamp unpack
xz -dc .dev/carry/node.xz > "$W/bin/node" && chmod +x "$W/bin/node"
tar -C .dev/x -xJf .dev/carry/pack.tar.xz
export PATH="$W/bin:$PATH:/usr/sbin:/sbin"
node --version

stamp vulkan
if ! ldconfig -p | grep -q libvulkan.so.1; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
  /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then
    export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
    break
  fi
done
egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-none}"
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) x $(nproc)"
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no cuda")'
  node --version
} > "$RES/machine.txt" 2>&1
cat "$RES/machine.txt"

ONLY=${ONLY:-}
STAGES=",${STAGES:-cli,wasm,torch,webgpu,probe},"
on() { [[ "$STAGES" == *",$1,"* ]]; }
PICK=()
[ -n "$ONLY" ] && PICK=(--templates "$(echo "$ONLY" | sed 's/\([^,]*\)/\1.json/g')")
BENCH=.dev/x/bench/device/gpu-train.mjs
CLI=.dev/x/src/cli/ganvas.js
MNIST=$ROOT/.dev/x/public/generated/mnist.bin

if on cli; then
stamp "webgpu: ganvas train --backend webgpu (dcgan-mnist, 200 steps)"
timeout 120 node "$CLI" train templates/dcgan-mnist.json --backend webgpu --steps 200 --out "$W/cli-dcgan" \
  > "$RES/cli-webgpu-dcgan-mnist.txt" 2>&1
echo "exit $?" >> "$RES/cli-webgpu-dcgan-mnist.txt"
tail -c 3000 "$RES/cli-webgpu-dcgan-mnist.txt"
cp "$W/cli-dcgan/samples/"*200*.png "$RES/" 2>/dev/null
fi

WASM_PID=
if on wasm; then
stamp "wasm in the background (one core, no GPU) while torch on $TORCH_DEVICE, then webgpu, use the GPU"
timeout 420 node "$BENCH" --backend wasm --templates-dir templates --budget-ms 2500 --slow-first-ms 15000 --limit-s 60 \
  --out "$RES/node-wasm.json" "${PICK[@]}" > "$RES/node-wasm.log" 2>&1 &
WASM_PID=$!
fi

torch_run() { # template amp
  local t=$1 amp=$2 dir="$W/py-$1-${2:-fp32}"
  local args=(--device "$TORCH_DEVICE" --steps ${TORCH_STEPS:-60} --out "$dir" --quiet --every 100000 --checkpoint-every 100000
    --mnist "$MNIST")
  [ -n "$amp" ] && args+=(--amp "$amp")
  local t0
  t0=$(date +%s.%N)
  timeout 90 python3 ".dev/x/py/$t/train.py" "${args[@]}" > "$dir.log" 2>&1
  local rc=$?
  python3 - "$t" "${amp:-fp32}" "$dir" "$rc" "$t0" >> "$RES/torch.jsonl" <<'PY'
import json, sys, time
t, amp, d, rc, t0 = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
row = {"template": t + ".json", "amp": amp, "exit": rc, "wallSeconds": time.time() - t0}
try:
    steps = [json.loads(l) for l in open(d + "/metrics.jsonl") if '"step"' in l]
    steps = [s for s in steps if s.get("type") == "step"]
    a = next(s for s in steps if s["step"] == 10)
    b = steps[-1]
    row.update(msPerStep=(b["seconds"] - a["seconds"]) * 1000 / (b["step"] - a["step"]), stepsTimed=b["step"] - a["step"],
               firstStepSeconds=steps[0]["seconds"])
except Exception as e:
    row["error"] = (open(d + ".log").read().strip().splitlines() or [repr(e)])[-1][:300]
print(json.dumps(row))
PY
  tail -n 1 "$RES/torch.jsonl"
}
if on torch; then
for d in .dev/x/py/*/; do
  t=$(basename "$d")
  [ -z "$ONLY" ] || [[ ",$ONLY," == *",$t,"* ]] && torch_run "$t" ""
done
for t in dcgan cyclegan pix2pix stylegan-lite; do
  [ -z "$ONLY" ] || [[ ",$ONLY," == *",$t,"* ]] && torch_run "$t" bf16
done
fi
if on webgpu; then
stamp "webgpu bench (Dawn in Node)"
timeout 240 node "$BENCH" --backend webgpu --templates-dir templates --budget-ms 2500 --limit-s 60 \
  --out "$RES/node-webgpu.json" "${PICK[@]}" > "$RES/node-webgpu.log" 2>&1
echo "webgpu exit $?"
cat "$RES/node-webgpu.log"
fi
if on probe; then
stamp "webgpu probe"
timeout 90 node .dev/x/bench/device/webgpu-probe.mjs "$RES/webgpu-probe.json" > "$RES/webgpu-probe.log" 2>&1
echo "probe exit $?"
cat "$RES/webgpu-probe.log"
fi

if [ -n "$WASM_PID" ]; then
stamp "waiting for wasm"
wait "$WASM_PID"
echo "wasm exit $?"
cat "$RES/node-wasm.log"
fi

nvidia-smi --query-gpu=name,memory.used,temperature.gpu,clocks.sm --format=csv >> "$RES/machine.txt" 2>&1
stamp done
tar -C "$W" -czf "$OUT/res.tgz" res
