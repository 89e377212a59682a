/**
 * zod, through one module: `npm run build` replaces the compiled file with a single-file bundle
 * (bin/build-bundles.mjs), which loads much faster than zod's ~100 ESM files — CLI start-up counts.
 * Only the schema builders Candlekeep uses are exported, so the bundle leaves the rest of zod out
 * (half the size, half the load time). Add a builder here when a schema needs one.
 */
import { array, boolean, enum as enumOf, literal, number, object, record, string, union, unknown } from 'zod';
import type * as zod from 'zod';

export const z = { array, boolean, enum: enumOf, literal, number, object, record, string, union, unknown };

// The types that go with the builders (`z.infer<typeof Schema>` and friends).
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace z {
  type infer<T> = zod.infer<T>;
  type input<T> = zod.input<T>;
  type output<T> = zod.output<T>;
  type ZodType = zod.ZodType;
  type ZodDefault<T extends zod.core.SomeType> = zod.ZodDefault<T>;
  type ZodNullable<T extends zod.core.SomeType> = zod.ZodNullable<T>;
  type ZodNumber = zod.ZodNumber;
}
