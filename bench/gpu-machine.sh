#!/usr/bin/env bash
# WebGPU numbers on a machine with a GPU, in at most five minutes: matmul 4096x4096 in GFLOP/s,
# the fused chain tanh(2x+1)*x - exp(-x) in GB/s and the 784-256-10 MLP SGD step in ms, for
# webjax's webgpu backend with jax-js (and TensorFlow.js) beside it on the same adapter.
#
#   bash bench/gpu-machine.sh            # from a checkout; needs Node >= 20 and npm
#
# It brings its own Deno (the `deno` npm package, a devDependency): the machine needs neither
# Deno nor Chromium, only a GPU driver with Vulkan (Linux), Metal (macOS) or D3D12 (Windows).
# It refuses a software adapter (llvmpipe, SwiftShader): those numbers are not the hardware's.
# Output: the tables on stdout and every row in bench-gpu.json.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null || { echo "gpu-machine: Node >= 20 and npm are needed (https://nodejs.org)"; exit 1; }
if [ ! -x node_modules/.bin/deno ]; then
  echo "gpu-machine: installing the dev dependencies (npm ci), Deno included"
  npm ci --no-audit --no-fund
fi
if [ ! -f dist/webjax.mjs ]; then
  # The wasm binaries are committed (wasm/): building needs tsc and rollup only, no Emscripten.
  echo "gpu-machine: building dist/webjax.mjs"
  npm run --silent build:ts
  npm run --silent build:bundle
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/xdg-runtime-$(id -u)}"
mkdir -p -m 700 "$XDG_RUNTIME_DIR"

cat <<'NOTE'
gpu-machine: if no adapter is found, the GPU's Vulkan driver is missing (Linux: the vendor's
driver with libvulkan1; NVIDIA's ships its Vulkan ICD, AMD and Intel use mesa-vulkan-drivers).
NOTE
status=0
timeout 290 node_modules/.bin/deno run -A bench/run.mjs matmul elementwise mlp --backend=webgpu --require-hardware \
  --matmul=4096 --json=bench-gpu.json "$@" || status=$?
if [ "$status" = 124 ]; then echo "gpu-machine: stopped after the 5-minute budget (290 s)"; fi
exit "$status"
