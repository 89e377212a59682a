/** CSV in and out of the bar store: fast streaming import with per-row validation, exact export. */
export { importCsv, type ImportCsvOptions, type ImportReport, type ImportTarget } from './import-csv.js';
export { exportCsv, CSV_HEADER, type ExportReport } from './export-csv.js';
export { readCsvBars, parseIsoUtc, type CsvReadOptions, type CsvReadStats, type TimestampUnit } from './csv-bar-reader.js';
export { detectLayout, detectDelimiter, type CsvLayout } from './csv-format.js';
