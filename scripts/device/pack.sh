#!/usr/bin/env bash
# Packs what a run on the lent GPU machine needs into .devpack/ (git-ignored via .git/info/exclude):
# the node binary, a pruned node_modules (Dawn's linux-x64 build, vitest, tfjs; no onnxruntime, no browsers),
# the built CLI, and the Vulkan loader .debs. The device tool carries it; scripts/device/run.sh unpacks it there.
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qx '/.devpack/' .git/info/exclude 2>/dev/null || echo '/.devpack/' >> "$(git rev-parse --git-common-dir)/info/exclude"
# node and node_modules change rarely: kept from an earlier pack unless --fresh
[ "${1:-}" = "--fresh" ] && rm -rf .devpack
mkdir -p .devpack/gl /tmp/amd64/partial
npx vite build --config vite.cli.config.ts >/dev/null && npx vite build --config vite.bench.config.ts >/dev/null
rm -rf .devpack/dist && cp -r dist .devpack/dist
[ -f .devpack/node.xz ] || xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > .devpack/node.xz
[ -f .devpack/node_modules.tar.xz ] || tar -C . -cf - \
  --exclude='node_modules/onnxruntime-node' --exclude='node_modules/onnxruntime-web' \
  --exclude='node_modules/typescript' --exclude='node_modules/playwright-core' \
  --exclude='node_modules/webgpu/dist/darwin-*' --exclude='node_modules/webgpu/dist/win32-*' \
  --exclude='node_modules/webgpu/dist/linux-arm64' --exclude='node_modules/.cache' \
  --exclude='*.map' \
  node_modules | xz -T2 -6 > .devpack/node_modules.tar.xz
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
if ! ls .devpack/gl/*.deb >/dev/null 2>&1; then
  apt-get $o update -qq >/dev/null
  (cd .devpack/gl && apt-get $o download -qq libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null 2>&1)
fi
# ONNX's conformance cases live beside the checkout (../shared), which does not travel
rm -rf .devpack/onnx-node-tests && cp -r ../shared/onnx-node-tests .devpack/onnx-node-tests
du -sh .devpack/*
