#!/usr/bin/env bash
# The device tool sends the working tree (tracked and untracked-not-ignored files) plus carried paths, 64 MiB at most.
# The pack (.devpack, ~59 MiB: node, Dawn, tfjs, the CLI, Fashion-MNIST) leaves no room for the tracked results,
# models and tests (~20 MiB), which a GPU run does not read. So, before a `run`:
#   bash scripts/device/tree.sh out    # moves docs/results, models, test and docs/*.png to $STASH; prints the size
# and after it (always, also when the call failed):
#   bash scripts/device/tree.sh back   # moves them back; `git status` is clean again
set -euo pipefail
cd "$(dirname "$0")/../.."
STASH=${STASH:-/tmp/slimgpu-tree-stash}
case "${1:-}" in
  out)
    [ -e "$STASH" ] && { echo "tree.sh: $STASH exists: run 'tree.sh back' first" >&2; exit 1; }
    mkdir -p "$STASH/docs"
    mv docs/results "$STASH/docs/" && mv models test "$STASH/"
    for f in docs/*.png; do mv "$f" "$STASH/docs/"; done
    # du of what is left (the moved files are still listed by git ls-files: du skips them, and fails, hence || true)
    tree=$( ( (git ls-files -z; git ls-files -z --others --exclude-standard) | xargs -0 du -cb 2>/dev/null || true) | tail -1 | cut -f1)
    pack=$( (du -sb .devpack 2>/dev/null || echo 0) | cut -f1)
    echo "working tree $((tree / 1048576)) MiB + .devpack $((pack / 1048576)) MiB = $(((tree + pack) / 1048576)) MiB (limit 64)"
    ;;
  back)
    [ -d "$STASH" ] || { echo "tree.sh: nothing stashed in $STASH" >&2; exit 1; }
    mv "$STASH/docs/results" docs/ && mv "$STASH/models" "$STASH/test" .
    for f in "$STASH"/docs/*.png; do mv "$f" docs/; done
    rmdir "$STASH/docs" "$STASH"
    git status --short | head
    ;;
  *) echo "usage: bash scripts/device/tree.sh out|back" >&2; exit 2 ;;
esac
