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
