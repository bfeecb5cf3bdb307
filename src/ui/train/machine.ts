/**
 * The training panel's run as an explicit state machine: the only place a
 * run's status changes. Pure (no React, no DOM), so it is tested on its own.
 *
 *   idle ──start──> starting ──ready──> running <──resume── paused
 *                      │  └──readyPaused (from a checkpoint)──> paused
 *                      └──fail──> failed        running ──pause──> paused
 *   running|paused ──stop──> stopping ──halted (the step in flight ended)──> stopped
 *   running|paused|stopping ──halted (a stop condition: divergence)──> stopped
 *   stopped|failed|paused ──start──> starting (a new run, or resumed from a checkpoint)
 */
export const RUN_STATUSES = ['idle', 'starting', 'running', 'paused', 'stopping', 'stopped', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export type RunEvent = 'start' | 'ready' | 'readyPaused' | 'pause' | 'resume' | 'stop' | 'halted' | 'fail';

const TRANSITIONS: Record<RunStatus, Partial<Record<RunEvent, RunStatus>>> = {
  idle: { start: 'starting' },
  starting: { ready: 'running', readyPaused: 'paused', fail: 'failed' },
  running: { pause: 'paused', stop: 'stopping', halted: 'stopped', fail: 'failed' },
  paused: { resume: 'running', stop: 'stopping', halted: 'stopped', fail: 'failed', start: 'starting' },
  stopping: { halted: 'stopped', fail: 'failed' },
  stopped: { start: 'starting' },
  failed: { start: 'starting' },
};

export class IllegalTransition extends Error {
  constructor(
    readonly from: RunStatus,
    readonly event: RunEvent,
  ) {
    super(`A run that is ${from} cannot take '${event}'.`);
  }
}

/** Whether `event` is legal in `status`. */
export function can(status: RunStatus, event: RunEvent): boolean {
  return TRANSITIONS[status][event] !== undefined;
}

/** The status after `event`; throws IllegalTransition when the event is not legal there. */
export function transition(status: RunStatus, event: RunEvent): RunStatus {
  const to = TRANSITIONS[status][event];
  if (!to) throw new IllegalTransition(status, event);
  return to;
}

/** A run that holds an engine whose state can be read (downloads, checkpoints): it has trained and is not stepping. */
export function isSettled(status: RunStatus): boolean {
  return status === 'paused' || status === 'stopped' || status === 'failed';
}
