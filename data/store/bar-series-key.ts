import { parseInstrument, parseTimeframe } from '../../engine/domain/index.js';
import type { SeriesKey } from '../../engine/ports/index.js';

/** Validates user-given instrument id and timeframe (messages name the flag) into a series key. */
export function parseSeriesKey(instrument: string, timeframe: string, flags = { instrument: '--instrument', timeframe: '--timeframe' }): SeriesKey {
  return { instrument: parseInstrument(instrument, flags.instrument).id, timeframe: parseTimeframe(timeframe, flags.timeframe) };
}
