/**
 * Quality figures computed on the host from sample values: mode coverage on
 * 2D mixtures (as in Srivastava et al. 2017, VEEGAN, and Metz et al. 2017),
 * sample diversity, and the Frechet distance between Gaussian fits of
 * feature sets (Heusel et al. 2017).
 */

export interface ModeCoverage {
  /** Modes with at least `minShare` of the samples within 3 std. */
  covered: number;
  total: number;
  /** Fraction of samples within 3 std of some mode. */
  highQuality: number;
  /** Samples per mode (high-quality ones only). */
  perMode: number[];
}

/**
 * A sample is high quality when it lies within 3 std of a mode center; a mode
 * is covered when it holds at least `minShare` of the samples (default 1/4 of
 * its fair share, 1/(4 modes)).
 */
export function modeCoverage(
  points: Float32Array,
  centers: [number, number][],
  std: number,
  minShare?: number,
): ModeCoverage {
  const n = points.length / 2;
  const perMode = new Array<number>(centers.length).fill(0);
  const r2 = (3 * Math.max(std, 1e-6)) ** 2;
  let hq = 0;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i] as number;
    const y = points[2 * i + 1] as number;
    let best = -1;
    let bestD = Infinity;
    centers.forEach(([cx, cy], k) => {
      const d = (x - cx) ** 2 + (y - cy) ** 2;
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    });
    if (bestD <= r2) {
      hq++;
      perMode[best] = (perMode[best] as number) + 1;
    }
  }
  const threshold = (minShare ?? 1 / (4 * centers.length)) * n;
  return {
    covered: perMode.filter((c) => c >= Math.max(1, threshold)).length,
    total: centers.length,
    highQuality: n === 0 ? 0 : hq / n,
    perMode,
  };
}

/** Mean pairwise Euclidean distance between the rows of a [n, d] matrix. */
export function meanPairwiseDistance(values: Float32Array, n: number): number {
  const d = values.length / n;
  let acc = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += ((values[i * d + k] as number) - (values[j * d + k] as number)) ** 2;
      acc += Math.sqrt(s);
      pairs++;
    }
  return pairs === 0 ? 0 : acc / pairs;
}

/** Mean and covariance of the rows of a [n, d] matrix (float64). */
export function gaussianFit(values: Float32Array, n: number): { mean: Float64Array; cov: Float64Array; d: number } {
  const d = values.length / n;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k]! += (values[i * d + k] as number) / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) {
      const va = (values[i * d + a] as number) - (mean[a] as number);
      for (let b = a; b < d; b++)
        cov[a * d + b]! += (va * ((values[i * d + b] as number) - (mean[b] as number))) / Math.max(1, n - 1);
    }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a] as number;
  return { mean, cov, d };
}

/** Symmetric eigen-decomposition by Jacobi rotations (small d). Returns eigenvalues and column eigenvectors. */
export function symmetricEigen(a: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += (m[p * d + q] as number) ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++)
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = ((m[q * d + q] as number) - (m[p * d + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const mkp = m[k * d + p] as number;
          const mkq = m[k * d + q] as number;
          m[k * d + p] = c * mkp - s * mkq;
          m[k * d + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < d; k++) {
          const mpk = m[p * d + k] as number;
          const mqk = m[q * d + k] as number;
          m[p * d + k] = c * mpk - s * mqk;
          m[q * d + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p] as number;
          const vkq = v[k * d + q] as number;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = m[i * d + i] as number;
  return { values, vectors: v };
}

/** Symmetric PSD square root. */
function sqrtPsd(a: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, d);
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++)
        s +=
          (vectors[i * d + k] as number) * Math.sqrt(Math.max(0, values[k] as number)) * (vectors[j * d + k] as number);
      out[i * d + j] = s;
    }
  return out;
}

function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k] as number;
      for (let j = 0; j < d; j++) out[i * d + j]! += aik * (b[k * d + j] as number);
    }
  return out;
}

/**
 * Frechet distance between N(m1, C1) and N(m2, C2):
 * ||m1 - m2||^2 + tr(C1 + C2 - 2 (C1^1/2 C2 C1^1/2)^1/2), computed with the
 * symmetric form so that every square root is of a PSD matrix.
 */
export function frechetDistance(
  a: { mean: Float64Array; cov: Float64Array; d: number },
  b: { mean: Float64Array; cov: Float64Array },
): number {
  const d = a.d;
  let dm = 0;
  for (let i = 0; i < d; i++) dm += ((a.mean[i] as number) - (b.mean[i] as number)) ** 2;
  const s1 = sqrtPsd(a.cov, d);
  const inner = matmul(matmul(s1, b.cov, d), s1, d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < i; j++) {
      const avg = ((inner[i * d + j] as number) + (inner[j * d + i] as number)) / 2;
      inner[i * d + j] = avg;
      inner[j * d + i] = avg;
    }
  const covmean = sqrtPsd(inner, d);
  let tr = 0;
  for (let i = 0; i < d; i++)
    tr += (a.cov[i * d + i] as number) + (b.cov[i * d + i] as number) - 2 * (covmean[i * d + i] as number);
  return dm + tr;
}

/**
 * The Inception score (Salimans et al. 2016) of class probabilities [n, classes]
 * (row-major): exp(E_x KL(p(y|x) || p(y))), p(y) the mean of the rows. With
 * ganvas' digit classifier in place of Inception, it is the figure MNIST GAN
 * papers report: 1 when every sample gets the same prediction, the number of
 * classes when each is classified with confidence and the classes are equally
 * frequent. Terms with p(y|x) = 0 count 0 (x log x -> 0).
 */
export function inceptionScore(probs: Float32Array | Float64Array, n: number): number {
  const c = probs.length / n;
  const marginal = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) marginal[j]! += (probs[i * c + j] as number) / n;
  let kl = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < c; j++) {
      const p = probs[i * c + j] as number;
      if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[j] as number));
    }
  return Math.exp(kl / n);
}

/** Squared Euclidean distances between the rows of a [n, d] and a [m, d] matrix, as [n, m]. */
function squaredDistances(a: Float32Array, n: number, b: Float32Array, m: number, d: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const x = (a[i * d + k] as number) - (b[j * d + k] as number);
        s += x * x;
      }
      out[i * m + j] = s;
    }
  return out;
}

/** Each row's squared distance to its k-th nearest other row (the radius of its k-NN ball). */
function kthNeighbourRadii(x: Float32Array, n: number, d: number, k: number): Float64Array {
  const dist = squaredDistances(x, n, x, n, d);
  const radii = new Float64Array(n);
  const row = new Float64Array(n - 1);
  for (let i = 0; i < n; i++) {
    let w = 0;
    for (let j = 0; j < n; j++) if (j !== i) row[w++] = dist[i * n + j] as number;
    row.sort();
    radii[i] = row[Math.min(k, n - 1) - 1] as number;
  }
  return radii;
}

/** The share of `query` rows inside some k-NN ball of the `support` rows (their radii given). */
function insideManifold(
  query: Float32Array,
  nq: number,
  support: Float32Array,
  ns: number,
  radii: Float64Array,
  d: number,
): number {
  const dist = squaredDistances(query, nq, support, ns, d);
  let inside = 0;
  for (let i = 0; i < nq; i++)
    for (let j = 0; j < ns; j++)
      if ((dist[i * ns + j] as number) <= (radii[j] as number)) {
        inside++;
        break;
      }
  return nq === 0 ? 0 : inside / nq;
}

/**
 * Improved precision and recall (Kynkäänniemi et al. 2019) of generated
 * features against real ones (row-major [n, d] and [m, d]): each set's
 * manifold is the union of balls around its points reaching their k-th
 * nearest neighbour in the set (k = 3 as in the paper's figures); precision
 * is the share of generated points inside the real manifold, recall the share
 * of real points inside the generated one.
 */
export function precisionRecall(
  fake: Float32Array,
  nFake: number,
  real: Float32Array,
  nReal: number,
  k = 3,
): { precision: number; recall: number } {
  const d = real.length / nReal;
  return {
    precision: insideManifold(fake, nFake, real, nReal, kthNeighbourRadii(real, nReal, d, k), d),
    recall: insideManifold(real, nReal, fake, nFake, kthNeighbourRadii(fake, nFake, d, k), d),
  };
}
