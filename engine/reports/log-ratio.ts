/**
 * ln(b / a) for positive a and b. Near 1 (|z| < 1/64 with z = (b − a)/(b + a), i.e. moves under ~3 %) it is
 * 2·atanh(z) by its series, six terms (truncation below 1e-22 relative): a few multiplications instead of a
 * library logarithm, and more accurate than Math.log(b / a), which rounds the ratio first. Otherwise Math.log.
 */
export function logRatio(b: number, a: number): number {
  const z = (b - a) / (b + a);
  if (z > -0.015625 && z < 0.015625) {
    const z2 = z * z;
    return 2 * z * (1 + z2 * (1 / 3 + z2 * (1 / 5 + z2 * (1 / 7 + z2 * (1 / 9 + z2 / 11)))));
  }
  return Math.log(b / a);
}
