# Summary of the interleaved end-to-end runs in this folder: per model, img/s and process CPU seconds per run,
# pair ratios (new / base) and medians; per-node medians of the profiled step for the nodes this round changed.
import glob, json, re, statistics as st
here = __file__.rsplit('/', 1)[0]
for m in ['cnn_tiny', 'cnn_small']:
    runs = {}
    for b in ['base', 'new']:
        for f in sorted(glob.glob(f'{here}/{m}-{b}-*.json')):
            r = int(re.search(r'-(\d+)\.json$', f).group(1))
            try:
                d = json.load(open(f))
            except Exception:
                continue
            t = open(f.replace('.json', '.time')).read()
            u, s = map(float, re.search(r'cpu_s=([\d.]+)\+([\d.]+)', t).groups())
            nodes = {n['name']: n['ms'] for n in d['profile']['nodes']}
            runs[(b, r)] = (d['images_per_s'], u + s, nodes)
    pairs = sorted(r for (b, r) in runs if b == 'base' and ('new', r) in runs)
    if not pairs:
        continue
    print(f'{m}: {len(pairs)} pairs')
    for r in pairs:
        (bi, bc, _), (ni, nc, _) = runs[('base', r)], runs[('new', r)]
        print(f'  pair {r}: img/s {bi} -> {ni} ({ni / bi:.2f}x), process CPU s {bc:.2f} -> {nc:.2f} ({nc / bc:.2f}x)')
    ri = [runs[('new', r)][0] / runs[('base', r)][0] for r in pairs]
    rc = [runs[('new', r)][1] / runs[('base', r)][1] for r in pairs]
    print(f'  median img/s base {st.median(runs[("base", r)][0] for r in pairs)} new {st.median(runs[("new", r)][0] for r in pairs)}; '
          f'median pair ratio img/s {st.median(ri):.2f}x, CPU s {st.median(rc):.2f}x')
    for node in ["conv2.dw_part", "conv2", "conv2.dx", "conv1.bn.backward", "fc1.dw_gemm"]:
        b = [runs[('base', r)][2].get(node, 0) for r in pairs]
        n = [runs[('new', r)][2].get(node, 0) for r in pairs]
        print(f'  node {node}: base ms {[round(x) for x in b]} new ms {[round(x) for x in n]}')
