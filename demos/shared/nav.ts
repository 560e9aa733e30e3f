// The links between the demo pages, at the top of each.
export function nav(): void {
  const n = document.createElement('nav');
  n.innerHTML = [
    '<a href="/">slimgpu demos</a>',
    '<a href="/demos/classify/">classify</a>',
    '<a href="/demos/train/">train live</a>',
    '<a href="/demos/compress/">compression explorer</a>',
    '<a href="/demos/bench/">device benchmark</a>',
  ].join('');
  document.body.prepend(n);
}
