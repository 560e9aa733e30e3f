// The configurations of each zoo family that have a published ImageNet top-1 (published_accuracy.json):
// MobileNetV1 α × ρ, MobileNetV2 width × resolution, EfficientNet-B0…B7 (the released width/depth/resolution),
// ShuffleNet v1 g × scale. Each becomes a ModelSpec for buildModel.

import type { ModelSpec } from '../models/zoo.js';
import { SlimError } from '../runtime/errors.js';
import published from './published_accuracy.json';

export const SCALE_FAMILIES = ['mobilenet_v1', 'mobilenet_v2', 'efficientnet', 'shufflenet'] as const;
export type ScaleFamily = (typeof SCALE_FAMILIES)[number];

export interface PublishedAccuracy {
  top1: number;
  /** key into `sources` */
  source: string;
  citation: string;
}

export interface ScaleConfig {
  family: ScaleFamily;
  label: string;
  spec: ModelSpec;
  /** the resolution the published figure was measured at (spec.res may be scaled down for a slow adapter) */
  publishedRes: number;
  accuracy: PublishedAccuracy;
}

interface Entry {
  family: string;
  top1: number;
  source: string;
  alpha?: number;
  res: number;
  b?: number;
  width?: number;
  depth?: number;
  scale?: number;
  groups?: number;
}

export const ACCURACY_SOURCES: Record<string, string> = published.sources;

function labelOf(e: Entry): string {
  switch (e.family) {
    case 'mobilenet_v1':
    case 'mobilenet_v2':
      return `${e.family} ${e.alpha}-${e.res}`;
    case 'efficientnet':
      return `efficientnet-b${e.b}`;
    default:
      return `shufflenet ${e.scale}x g=${e.groups}`;
  }
}

function specOf(e: Entry, batch: number): ModelSpec {
  switch (e.family) {
    case 'mobilenet_v1':
    case 'mobilenet_v2':
      return { model: e.family, alpha: e.alpha, res: e.res, batch };
    case 'efficientnet':
      return { model: 'efficientnet', phi: e.b, width: e.width, depth: e.depth, res: e.res, batch };
    default:
      return { model: 'shufflenet', groups: e.groups, scale: e.scale, res: e.res, batch };
  }
}

/**
 * Every published configuration of `family`. `resScale` < 1 shrinks each input resolution (to a multiple of 8,
 * at least `minRes`) so a slow adapter can measure the whole grid; the accuracy stays the one published at the
 * original resolution, so such a run ranks latencies only.
 */
export function familyConfigs(family: string, opts: { batch?: number; resScale?: number; minRes?: number } = {}): ScaleConfig[] {
  if (!(SCALE_FAMILIES as readonly string[]).includes(family)) {
    throw new SlimError(`unknown family '${family}' (known: ${SCALE_FAMILIES.join(', ')})`);
  }
  const scale = opts.resScale ?? 1;
  if (!(scale > 0 && scale <= 1)) throw new SlimError(`res scale must be in (0, 1], got ${scale}`);
  const minRes = opts.minRes ?? 32;
  return (published.entries as Entry[])
    .filter((e) => e.family === family)
    .map((e) => {
      const spec = specOf(e, opts.batch ?? 1);
      if (scale !== 1) spec.res = Math.max(minRes, Math.round((e.res * scale) / 8) * 8);
      return {
        family: family as ScaleFamily,
        label: labelOf(e) + (spec.res !== e.res ? ` @${spec.res}` : ''),
        spec,
        publishedRes: e.res,
        accuracy: { top1: e.top1, source: e.source, citation: ACCURACY_SOURCES[e.source] },
      };
    });
}
