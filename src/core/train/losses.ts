/**
 * Adversarial losses, gradient penalties, reconstruction and classifier
 * losses, written as in their papers. Discriminator outputs are logits.
 * Each function returns a scalar; callers run them inside the optimizer's
 * gradient tape.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AdversarialKind, PenaltyKind } from '../nodes/training.js';

export interface AdversarialTerms {
  d: tf.Scalar;
  g: tf.Scalar;
}

/** Binary cross-entropy of a logit against a target t, elementwise: t*softplus(-x) + (1-t)*softplus(x). */
function bceWithLogits(logits: tf.Tensor, target: number): tf.Tensor {
  const pos = tf.softplus(tf.neg(logits));
  if (target === 1) return pos;
  return tf.add(tf.mul(pos, target), tf.mul(tf.softplus(logits), 1 - target));
}

/**
 * D's and G's losses for one adversarial kind, from D's logits on real and
 * on fake samples. `smoothing` is one-sided label smoothing (real target 1-s).
 *
 * - minimax (Goodfellow et al. 2014, eq. 1): L_D = -E log s(d_r) - E log(1 - s(d_f)), L_G = E log(1 - s(d_f))
 * - non-saturating (same paper, sec. 3): L_G = -E log s(d_f)
 * - lsgan (Mao et al. 2017, eq. 2 with a=0, b=1, c=1): L_D = 1/2 E (d_r - 1)^2 + 1/2 E d_f^2, L_G = 1/2 E (d_f - 1)^2
 * - hinge (Lim & Ye 2017): L_D = E max(0, 1 - d_r) + E max(0, 1 + d_f), L_G = -E d_f
 * - wgan (Arjovsky et al. 2017): L_D = E d_f - E d_r, L_G = -E d_f
 *
 * `drift` > 0 adds ProGAN's drift penalty to L_D (Karras et al. 2018, sec. A.1):
 * drift * E d_r^2 (the paper's epsilon_drift = 0.001), whatever the kind.
 */
export function adversarialLoss(
  kind: AdversarialKind,
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  smoothing = 0,
  drift = 0,
): AdversarialTerms {
  if (!drift) return adversarialTerms(kind, realLogits, fakeLogits, smoothing);
  return tf.tidy(() => {
    const t = adversarialTerms(kind, realLogits, fakeLogits, smoothing);
    return { d: tf.add(t.d, tf.mul(drift, tf.mean(tf.square(realLogits)))) as tf.Scalar, g: t.g };
  });
}

function adversarialTerms(
  kind: AdversarialKind,
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  smoothing: number,
): AdversarialTerms {
  return tf.tidy(() => {
    const t = 1 - smoothing;
    switch (kind) {
      case 'minimax':
      case 'non-saturating': {
        const d = tf.add(tf.mean(bceWithLogits(realLogits, t)), tf.mean(tf.softplus(fakeLogits))) as tf.Scalar;
        return { d, g: generatorLoss(kind, fakeLogits) };
      }
      case 'lsgan': {
        const d = tf.mul(
          0.5,
          tf.add(tf.mean(tf.square(tf.sub(realLogits, t))), tf.mean(tf.square(fakeLogits))),
        ) as tf.Scalar;
        return { d, g: generatorLoss(kind, fakeLogits) };
      }
      case 'hinge': {
        const d = tf.add(tf.mean(tf.relu(tf.sub(1, realLogits))), tf.mean(tf.relu(tf.add(1, fakeLogits)))) as tf.Scalar;
        return { d, g: generatorLoss(kind, fakeLogits) };
      }
      case 'wgan': {
        const d = tf.sub(tf.mean(fakeLogits), tf.mean(realLogits)) as tf.Scalar;
        return { d, g: generatorLoss(kind, fakeLogits) };
      }
    }
  });
}

/**
 * The generator's term alone: it reads only D's logits on fake samples, in
 * every kind here, so a G update need not run D on real data.
 */
export function generatorLoss(kind: AdversarialKind, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    switch (kind) {
      case 'minimax':
        // log(1 - s(x)) = -softplus(x)
        return tf.neg(tf.mean(tf.softplus(fakeLogits))) as tf.Scalar;
      case 'non-saturating':
        // -log s(x) = softplus(-x)
        return tf.mean(tf.softplus(tf.neg(fakeLogits))) as tf.Scalar;
      case 'lsgan':
        return tf.mul(0.5, tf.mean(tf.square(tf.sub(fakeLogits, 1)))) as tf.Scalar;
      case 'hinge':
      case 'wgan':
        return tf.neg(tf.mean(fakeLogits)) as tf.Scalar;
    }
  });
}

/** A critic as a function of its sample input (other inputs, such as labels, fixed). */
export type Critic = (x: tf.Tensor) => tf.Tensor;

/** Per-sample squared L2 norm of D's input gradient at x: ||grad_x sum D(x)||^2, shape [B]. */
export function inputGradientSquaredNorm(critic: Critic, x: tf.Tensor): tf.Tensor1D {
  const g = tf.grad((xx: tf.Tensor) => tf.sum(critic(xx)))(x);
  const axes = Array.from({ length: g.rank - 1 }, (_, i) => i + 1);
  return tf.sum(tf.square(g), axes) as tf.Tensor1D;
}

/** Uniform [0,1) per sample, broadcastable over x. */
function perSampleUniform(x: tf.Tensor, seed?: number): tf.Tensor {
  return tf.randomUniform([x.shape[0] as number, ...new Array(x.rank - 1).fill(1)], 0, 1, 'float32', seed);
}

export interface PenaltyInputs {
  real?: tf.Tensor;
  fake?: tf.Tensor;
  /** Seed for the interpolation/perturbation noise (deterministic runs). */
  seed?: number;
}

/**
 * - wgan-gp (Gulrajani et al. 2017, eq. 3): lambda E[(||grad D(x_hat)|| - 1)^2], x_hat = e x_r + (1-e) x_f, e ~ U[0,1]
 * - r1 (Mescheder et al. 2018, eq. 9): gamma/2 E[||grad D(x_r)||^2]
 * - r2 (same paper): gamma/2 E[||grad D(x_f)||^2]
 * - dragan (Kodali et al. 2017): lambda E[(||grad D(x_hat)|| - 1)^2], x_hat = x_r + a (x_p - x_r),
 *   x_p = x_r + 0.5 std(x_r) u, u, a ~ U[0,1] (as in the authors' implementation)
 */
export function gradientPenalty(kind: PenaltyKind, weight: number, critic: Critic, inputs: PenaltyInputs): tf.Scalar {
  return tf.tidy(() => {
    const need = (t: tf.Tensor | undefined, what: string): tf.Tensor => {
      if (!t) throw new Error(`The ${kind} penalty needs ${what} samples.`);
      return t;
    };
    switch (kind) {
      case 'wgan-gp': {
        const real = need(inputs.real, 'real');
        const fake = need(inputs.fake, 'fake');
        const e = perSampleUniform(real, inputs.seed);
        const xHat = tf.add(tf.mul(e, real), tf.mul(tf.sub(1, e), fake));
        const norm = tf.sqrt(tf.add(inputGradientSquaredNorm(critic, xHat), 1e-12));
        return tf.mul(weight, tf.mean(tf.square(tf.sub(norm, 1)))) as tf.Scalar;
      }
      case 'r1':
        return tf.mul(weight / 2, tf.mean(inputGradientSquaredNorm(critic, need(inputs.real, 'real')))) as tf.Scalar;
      case 'r2':
        return tf.mul(weight / 2, tf.mean(inputGradientSquaredNorm(critic, need(inputs.fake, 'fake')))) as tf.Scalar;
      case 'dragan': {
        const real = need(inputs.real, 'real');
        const { variance } = tf.moments(real);
        const u = tf.randomUniform(real.shape, 0, 1, 'float32', inputs.seed);
        const xp = tf.add(real, tf.mul(tf.mul(0.5, tf.sqrt(variance)), u));
        const a = perSampleUniform(real, inputs.seed === undefined ? undefined : inputs.seed + 1);
        const xHat = tf.add(real, tf.mul(a, tf.sub(xp, real)));
        const norm = tf.sqrt(tf.add(inputGradientSquaredNorm(critic, xHat), 1e-12));
        return tf.mul(weight, tf.mean(tf.square(tf.sub(norm, 1)))) as tf.Scalar;
      }
    }
  });
}

/** weight * mean |a - b| (l1) or mean (a - b)^2 (l2). */
export function reconstructionLoss(norm: 'l1' | 'l2', weight: number, a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const d = tf.sub(a, b);
    return tf.mul(weight, tf.mean(norm === 'l1' ? tf.abs(d) : tf.square(d))) as tf.Scalar;
  });
}

/** weight * mean softmax cross-entropy of class logits [B,K] against int labels [B,1] (ACGAN). */
export function auxClassifierLoss(weight: number, logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1] as number;
    const onehot = tf.oneHot(tf.reshape(tf.cast(labels, 'int32'), [-1]) as tf.Tensor1D, k);
    const logp = tf.logSoftmax(logits as tf.Tensor2D);
    return tf.mul(weight, tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1)))) as tf.Scalar;
  });
}
