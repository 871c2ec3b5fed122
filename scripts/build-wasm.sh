#!/usr/bin/env bash
# Builds the kernel core (core-cpp/, bindings/) into wasm/webjax-simd-threads.wasm and
# wasm/webjax-simd.wasm (needs Emscripten (emcmake) and CMake), then
# wasm/webjax-relaxed-threads.wasm with scripts/build-relaxed.sh (needs clang >= 19;
# without it the committed file stays).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's Emscripten runs its JS optimizer with the system acorn.
export NODE_PATH="${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs"
emcmake cmake -S . -B wasm-build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build wasm-build
mkdir -p wasm
for v in simd-threads simd; do
  cp "wasm-build/webjax-$v.wasm" wasm/
  echo "wasm/webjax-$v.wasm: $(wc -c <"wasm/webjax-$v.wasm") bytes"
done
bash scripts/build-relaxed.sh
