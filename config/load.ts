import fs from 'node:fs';
import { ConfigSchema, type Config } from './schema.js';
import { UserError } from '../engine/domain/index.js';
import { homePaths } from './home.js';

/**
 * Loads the config: defaults < file (explicit --config, else <home>/config.json when present) < env
 * (CANDLEKEEP_LOG_LEVEL) < overrides (from flags). Errors name the file and the field.
 */
export function loadConfig(opts: { home: string; file?: string; overrides?: Record<string, unknown>; env?: NodeJS.ProcessEnv }): Config {
  const env = opts.env ?? process.env;
  const file = opts.file ?? homePaths(opts.home).configFile;
  let raw: Record<string, unknown> = {};
  if (opts.file || fs.existsSync(file)) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read config file "${file}": ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new UserError(`config file "${file}" is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`config file "${file}" must hold a JSON object`);
  }
  const merged = deepMerge(raw, {});
  if (env.CANDLEKEEP_LOG_LEVEL) merged.log = { ...(merged.log as object), level: env.CANDLEKEEP_LOG_LEVEL };
  const withOverrides = deepMerge(merged, opts.overrides ?? {});
  const parsed = ConfigSchema.safeParse(withOverrides);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`config "${file}": ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
