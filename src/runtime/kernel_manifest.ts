// Template instances: every kernel made from a `shaders/<family>/<stem>.tmpl.wgsl` template, by literal name, with
// the parameters its template is expanded with (see shaders.ts for the syntax). A kernel name is always greppable:
// either a plain file shaders/<name>.wgsl or a key here. The name says the tile shape / flavour.

export type TemplateParams = Record<string, string | number>;
export interface TemplateInstance {
  template: string;
  params: TemplateParams;
}

export const TEMPLATE_INSTANCES: Record<string, TemplateInstance> = {
  // 1×1 conv GEMM, ROWS × 8 tile in named registers; QUAD shares weight loads across a quad (subgroups)
  'conv/pointwise_forward_unrolled4x8': { template: 'conv/pointwise_forward_unrolled', params: { ROWS: 4, QUAD: 0 } },
  'conv/pointwise_forward_unrolled8x8': { template: 'conv/pointwise_forward_unrolled', params: { ROWS: 8, QUAD: 0 } },
  'conv/pointwise_forward_quad4x8': { template: 'conv/pointwise_forward_unrolled', params: { ROWS: 4, QUAD: 1 } },
};
