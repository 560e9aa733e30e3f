#!/usr/bin/env bash
# A smaller pack for a GPU run without the test runner: node, only the packages the built CLI loads (Dawn,
# wgsl_reflect, protobufjs, tfjs), the CLI, the study runner, the Vulkan loader and Fashion-MNIST (xz, re-gzipped there).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/device/pack.sh >/dev/null
rm -rf .devpack/onnx-node-tests .devpack/node_modules.tar.xz .devpack/dist/assets
npx vite build --config vite.cli.config.ts >/dev/null && rm -rf .devpack/dist && mkdir -p .devpack/dist && cp dist/cli.mjs .devpack/dist/
rm -rf dist/assets && npx vite build --config vite.cli.config.ts >/dev/null && cp -r dist/assets .devpack/dist/ 2>/dev/null || true
npx vite build --config vite.bench.config.ts >/dev/null && cp -r dist/bench .devpack/dist/
npx vite build --config vite.study.config.ts >/dev/null && cp dist/study.mjs .devpack/dist/
[ -f .devpack/nm_slim.tar.xz ] || tar -C . -cf - --exclude='node_modules/webgpu/dist/darwin-*' --exclude='node_modules/webgpu/dist/win32-*' \
  --exclude='node_modules/webgpu/dist/linux-arm64' --exclude='*.map' --exclude='node_modules/@tensorflow/*/src' \
  --exclude='node_modules/@tensorflow/*/dist/*.min.js' --exclude='node_modules/@tensorflow/*/dist/*.es2017.js' \
  --exclude='node_modules/@tensorflow/*/dist/*.fesm.js' \
  node_modules/{webgpu,wgsl_reflect,protobufjs,@protobufjs,long,@tensorflow,seedrandom,node-fetch,whatwg-url,tr46,webidl-conversions} \
  | xz -T2 -6 > .devpack/nm_slim.tar.xz
mkdir -p .devpack/data
D=/usr/share/datasets/fashion-mnist
[ -f .devpack/data/train-images.xz ] || gunzip -c $D/train-images-idx3-ubyte.gz | xz -T2 -9 > .devpack/data/train-images.xz
cp $D/train-labels-idx1-ubyte.gz $D/t10k-images-idx3-ubyte.gz $D/t10k-labels-idx1-ubyte.gz .devpack/data/
du -sh .devpack/* .devpack
