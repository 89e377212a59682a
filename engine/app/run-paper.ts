import { LiveSession, type LiveSessionOptions } from './run-live.js';

/** paper = live feed + simulated broker + wall clock. */
export function runPaper(o: LiveSessionOptions): Promise<LiveSession> {
  return LiveSession.open('paper', o);
}
