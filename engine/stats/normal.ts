/**
 * Standard normal distribution functions in double precision.
 * cdf: via erfc (W. J. Cody's rational approximations, relative error ~1e-14).
 * inverse cdf: P. J. Acklam's approximation refined by one Halley step on cdf (≈ full double precision).
 */

const SQRT1_2 = Math.SQRT1_2;

/** Complementary error function (Cody, 1969), for real x. */
export function erfc(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 0.5) {
    r = 1 - erfSmall(x);
    return r;
  }
  if (ax < 4) {
    const p = [3.004592610201616005e2, 4.519189537118729422e2, 3.393208167343436870e2, 1.529892850469404039e2,
      4.316222722205673530e1, 7.211758250883093659, 5.641955174789739711e-1, -1.368648573827167067e-7];
    const q = [3.004592609569832933e2, 7.909509253278980272e2, 9.313540948506096211e2, 6.389802644656311665e2,
      2.775854447439876434e2, 7.700015293522947295e1, 1.278272731962942351e1, 1.0];
    let num = p[7]!, den = q[7]!;
    for (let i = 6; i >= 0; i--) { num = num * ax + p[i]!; den = den * ax + q[i]!; }
    r = Math.exp(-ax * ax) * (num / den);
  } else {
    const p = [-2.99610707703542174e-3, -4.94730910623250734e-2, -2.26956593539686930e-1, -2.78661308609647788e-1,
      -2.23192459734184686e-2];
    const q = [1.06209230528467918e-2, 1.91308926107829841e-1, 1.05167510706793207, 1.98733201817135256, 1.0];
    const z = 1 / (ax * ax);
    let num = p[4]!, den = q[4]!;
    for (let i = 3; i >= 0; i--) { num = num * z + p[i]!; den = den * z + q[i]!; }
    r = (Math.exp(-ax * ax) / ax) * (1 / Math.sqrt(Math.PI) + z * (num / den));
  }
  return x < 0 ? 2 - r : r;
}

function erfSmall(x: number): number {
  const p = [3.16112374387056560, 1.13864154151050156e2, 3.77485237685302021e2, 3.20937758913846947e3, 1.85777706184603153e-1];
  const q = [2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3, 2.84423683343917062e3];
  const z = x * x;
  let num = p[4]! * z, den = z;
  for (let i = 0; i < 3; i++) { num = (num + p[i]!) * z; den = (den + q[i]!) * z; }
  return (x * (num + p[3]!)) / (den + q[3]!);
}

/** Φ(x), the standard normal cumulative distribution function. */
export function normCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  return 0.5 * erfc(-x * SQRT1_2);
}

export function normPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** Φ⁻¹(p) for 0 < p < 1 (±Infinity at 0 and 1). */
export function normInv(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const plow = 0.02425;
  let x: number;
  if (p < plow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - plow) {
    const q = p - 0.5, r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  // One Halley refinement step.
  const e = normCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}
