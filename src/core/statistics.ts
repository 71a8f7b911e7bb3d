/** Small statistics shared by the field study, campaign reports and the replay comparison (pure). */

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/**
 * The Wilson score interval of a proportion `count / total` (95% by default): unlike the normal
 * approximation it stays inside [0, 1] and behaves for small samples and shares near 0 or 1, which is the
 * common case for a few hundred incidents split over many codes. Returns [0, 0] for total 0.
 */
export function wilsonInterval(count: number, total: number, z = Z95): [number, number] {
  if (total <= 0) return [0, 0];
  const p = count / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** How far two distributions over the same classes are apart. */
export interface Distance {
  /** Total variation distance: half the sum of absolute share differences (0 = identical, 1 = disjoint). */
  totalVariation: number;
  /** Pearson chi-square of the 2 x k table (campaign vs reference counts), classes empty on both sides left out. */
  chiSquare: number;
  degreesOfFreedom: number;
  pValue: number;
  /** Smallest expected cell count; below 5 the chi-square approximation is rough. */
  minExpected: number;
}

/** Total variation distance and a chi-square test of homogeneity between two count vectors (pure). */
export function distributionDistance(a: number[], b: number[]): Distance {
  const na = a.reduce((x, y) => x + y, 0);
  const nb = b.reduce((x, y) => x + y, 0);
  const totalVariation = na > 0 && nb > 0 ? a.reduce((s, x, i) => s + Math.abs(x / na - b[i] / nb), 0) / 2 : Number.NaN;
  let chiSquare = 0;
  let minExpected = Number.POSITIVE_INFINITY;
  let classes = 0;
  const n = na + nb;
  a.forEach((x, i) => {
    const column = x + b[i];
    if (column === 0) return;
    classes++;
    for (const [observed, rowTotal] of [[x, na], [b[i], nb]] as const) {
      const expected = (rowTotal * column) / n;
      minExpected = Math.min(minExpected, expected);
      if (expected > 0) chiSquare += (observed - expected) ** 2 / expected;
    }
  });
  const degreesOfFreedom = Math.max(0, classes - 1);
  const pValue = degreesOfFreedom > 0 && na > 0 && nb > 0 ? chiSquareSurvival(chiSquare, degreesOfFreedom) : Number.NaN;
  return { totalVariation, chiSquare, degreesOfFreedom, pValue, minExpected: Number.isFinite(minExpected) ? minExpected : 0 };
}

/** P(X >= x) for a chi-square variable with `k` degrees of freedom: the upper regularized gamma Q(k/2, x/2). */
export function chiSquareSurvival(x: number, k: number): number {
  if (x <= 0) return 1;
  return upperRegularizedGamma(k / 2, x / 2);
}

// Numerical Recipes' gammq: a series below a+1, a continued fraction (modified Lentz) above.
function upperRegularizedGamma(a: number, x: number): number {
  const lnFactor = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnFactor));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(lnFactor) * h);
}

// Lanczos approximation (g = 7, n = 9).
function logGamma(z: number): number {
  const g = [0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406, 12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const zz = z - 1;
  let x = g[0];
  for (let i = 1; i < 9; i++) x += g[i] / (zz + i);
  const t = zz + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (zz + 0.5) * Math.log(t) - t + Math.log(x);
}
