import { UserError, type Timeframe } from '../../engine/domain/index.js';
import type { BarStore, UpsertResult } from '../../engine/ports/index.js';
import { checkResample, resampleBars } from './resample-bars.js';

export type ResampleReport = UpsertResult & {
  readonly instrument: string;
  readonly from: Timeframe;
  readonly to: Timeframe;
  readonly sourceBars: number;
  readonly bars: number;
  readonly partial: number;
  readonly droppedPartial: number;
  readonly droppedEdges: number;
  readonly synthetic: boolean;
};

/** Builds the `to` series of an instrument from its stored `from` series (source `resample:<from>`). */
export function resampleSeries(
  store: Pick<BarStore, 'read' | 'info' | 'upsert'>,
  instrument: string,
  from: Timeframe,
  to: Timeframe,
  opts: { completeOnly?: boolean } = {},
): ResampleReport {
  checkResample(from, to);
  const info = store.info({ instrument, timeframe: from });
  if (!info) throw new UserError(`no ${from} bars stored for ${instrument}; import or fetch them first (see data list)`);
  const src = store.read({ instrument, timeframe: from });
  const r = resampleBars(src, from, to, opts);
  if (r.bars.length === 0) {
    throw new UserError(`${instrument} ${from}: ${src.length} bars do not fill one whole ${to} bucket; nothing was written`);
  }
  const up = store.upsert({ instrument, timeframe: to }, r.bars, { source: `resample:${from}`, synthetic: info.synthetic });
  return {
    instrument,
    from,
    to,
    sourceBars: src.length,
    bars: r.bars.length,
    partial: r.partial,
    droppedPartial: r.droppedPartial,
    droppedEdges: r.droppedEdges,
    synthetic: info.synthetic,
    ...up,
  };
}
