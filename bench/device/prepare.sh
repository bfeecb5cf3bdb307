#!/usr/bin/env bash
# Builds .dev/carry (ignored; under the 64 MiB a device call carries): what bench/device/run.sh needs on a bare
# machine with a GPU and no network. node.xz is Node itself; pack.tar.xz holds the two bundles (bench/gpu-train.ts,
# the ganvas CLI), tfjs' WASM binaries, Dawn for Node, the digits, and the PyTorch export (train.py) of every
# template. Staged in .dev/stage. Run from anywhere; about two minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=.dev/stage
rm -rf .dev
mkdir -p "$D/bench/device" "$D/src/cli" "$D/wasm" "$D/node_modules/webgpu/dist/linux-x64" "$D/py"
# The bundles are ESM; their CommonJS parts want require, and tfjs-backend-wasm looks for its .wasm files beside
# __dirname: it points at wasm/. Each bundle sits two folders down, as its entry does, so the CLI's ROOT (two up
# from src/cli/assets.ts) is the unpacked folder, with public/generated/mnist.bin in it; the CLI's is named
# ganvas.js, which its entry check (src/cli/main.ts) knows.
banner="import { createRequire as __ganvasRequire } from 'node:module'; const require = __ganvasRequire(import.meta.url); const __dirname = new globalThis.URL('../../wasm', import.meta.url).pathname; const __filename = __dirname + '/bundle.js';"
bundle() {
  npx esbuild "$1" --bundle --platform=node --format=esm --target=node20 --log-level=warning --ignore-annotations --main-fields=module,main \
    --external:webgpu --external:@contentauth/c2pa-wasm --outfile="$2" --banner:js="$banner"
}
bundle bench/gpu-train.ts "$D/bench/device/gpu-train.mjs"
bundle src/cli/main.ts "$D/src/cli/ganvas.js"
bundle bench/device/webgpu-probe.ts "$D/bench/device/webgpu-probe.mjs"
cp package.json "$D/"
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$D/wasm/"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$D/node_modules/webgpu/"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$D/node_modules/webgpu/dist/linux-x64/"
npx tsx bench/device/export-pytorch.ts "$D/py"
test -f public/generated/mnist.bin || npx ganvas data
mkdir -p "$D/public/generated" .dev/carry
cp public/generated/mnist.bin "$D/public/generated/"
xz -T2 -6 -c "$(command -v node)" > .dev/carry/node.xz
tar -C "$D" -cJf .dev/carry/pack.tar.xz .
du -sh .dev/carry/*
