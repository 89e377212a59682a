import path from 'node:path';
import { homePaths } from '../../config/index.js';
import type { Clock } from '../ports/index.js';
import { loadMasterKey } from '../signing/secret-box.js';
import { openSecurityStore } from '../../data/store/security-store.js';
import { openPaperBook } from '../../data/store/security-paper-book.js';
import type { GatewayConfig } from './config.js';
import { Gateway } from './server.js';
import { PaperOrderIntake, type Venue } from './paper-intake.js';
import type { OrderIntake } from '../ports/index.js';

export const systemClock: Clock = { now: () => Date.now() };

export type RunningGateway = {
  readonly gateway: Gateway;
  readonly intake: OrderIntake;
  readonly url: string;
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
};

/**
 * Composition root of `candlekeep serve`: master key → security store → order intake → gateway → listen.
 * The intake defaults to the paper book (`<home>/paper-book.db`); a live broker passes its own `intake`.
 */
export async function startGateway(o: {
  home: string;
  config: GatewayConfig;
  env: NodeJS.ProcessEnv;
  host?: string;
  port?: number;
  clock?: Clock;
  log?: (msg: string) => void;
  intake?: OrderIntake;
  venue?: Venue;
}): Promise<RunningGateway> {
  const paths = homePaths(o.home);
  const clock = o.clock ?? systemClock;
  const log = o.log ?? (() => {});
  const box = loadMasterKey({
    env: o.env, keyFile: paths.masterKeyFile, create: true,
    onCreate: (f) => log(`created a new master key in "${f}" (mode 0600); keep it safe — API key secrets cannot be recovered without it`),
  });
  const store = openSecurityStore(paths.securityDb);
  let intake = o.intake;
  let gateway: Gateway;
  try {
    intake ??= new PaperOrderIntake({ book: openPaperBook(path.join(o.home, 'paper-book.db')), clock, venue: o.venue, cash: o.config.paper.cash, currency: o.config.paper.currency });
    gateway = new Gateway({ store, box, clock, intake, config: o.config, log });
  } catch (e) {
    store.close();
    await intake?.close();
    throw e;
  }
  const addr = await gateway.listen(o.port ?? o.config.port, o.host ?? o.config.host);
  const ownIntake = o.intake === undefined;
  return {
    gateway, intake, ...addr,
    close: async () => {
      await gateway.close();
      if (ownIntake) await intake.close();
      store.close();
    },
  };
}
