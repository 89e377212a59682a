/** The SQLite storage layer: better-sqlite3 lives only under data/store. */
export { openDatabase, migrate, dbError, type Db, type Migration, type OpenOptions } from './db.js';
export { SqliteBarStore, openBarStore, countGaps, CHUNK_BARS, type SeriesSummary } from './bar-store.js';
export { BarHasher, hashBars, BYTES_PER_BAR } from './bar-codec.js';
export { gridOffsetMs, isOnGrid, gridFloor } from './bar-grid.js';
export { parseSeriesKey } from './bar-series-key.js';
