#!/usr/bin/env bash
# Builds wasm/webjax-relaxed-threads.wasm: the threaded core with relaxed SIMD (FMA) for
# the engines that have it (Chromium >= 114, Deno). Needs CMake and clang >= 19 with its
# wasm-ld (Debian 12: apt-get install clang-19 lld-19), no Emscripten: Emscripten 3.1.6's
# clang 14 emits pre-standard relaxed opcodes that engines reject, and its binaryen cannot
# read clang 19's. Optimised by the npm package binaryen (node_modules/.bin/wasm-opt).
# Without clang it keeps the committed file.
set -euo pipefail
cd "$(dirname "$0")/.."

out=wasm/webjax-relaxed-threads.wasm
cxx=
for v in 19 20 21 22; do
  if command -v "clang++-$v" >/dev/null && command -v "clang-$v" >/dev/null && command -v "wasm-ld-$v" >/dev/null; then
    cxx=clang++-$v cc=clang-$v ar=llvm-ar-$v
    break
  fi
done
if [[ -z $cxx ]]; then
  echo "$out: clang >= 19 with wasm-ld not found, NOT rebuilding: keeping the committed file" \
       "(apt-get install clang-19 lld-19 to rebuild it)"
  exit 0
fi
command -v "$ar" >/dev/null || ar=llvm-ar

# A wasm32 target with no OS and no libc; CMake's compiler checks must not link.
cmake -S . -B wasm-build/relaxed -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_SYSTEM_NAME=Generic -DCMAKE_SYSTEM_PROCESSOR=wasm32 \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_AR="$(command -v "$ar")" \
  -DCMAKE_C_COMPILER_TARGET=wasm32 -DCMAKE_CXX_COMPILER_TARGET=wasm32 \
  -DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY -UWASM_OPT >/dev/null
cmake --build wasm-build/relaxed
mkdir -p wasm
cp wasm-build/relaxed/webjax-relaxed-threads.wasm wasm/
echo "$out: $(wc -c <"$out") bytes ($cxx)"
