/** The sample pictures of every run (the latest, or one scrubbed back to), and the scrubber through them. */
import { useEffect, useRef } from 'react';
import type { Rgba } from '../../core/train/index.js';
import { phaseAtStep, samplesCaption } from './progress.js';
import { shownPictures, type TrainSnapshot, type TrainStore } from './store.js';

function Picture({ pic, testId }: { pic: Rgba | undefined; testId: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c || !pic) return;
    c.width = pic.width;
    c.height = pic.height;
    c.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(pic.data), pic.width, pic.height), 0, 0);
    c.dataset.version = String(Number(c.dataset.version ?? 0) + 1);
  }, [pic]);
  return <canvas ref={ref} className="gv-samples" data-testid={testId} width={300} height={300} />;
}

/** What the colours of a 2D picture mean (core/train/images.ts scatter2d, session.ts shadeDecisionSurface). */
function Legend2d() {
  const dot = (rgb: string) => <span className="gv-legend-dot" style={{ background: rgb }} aria-hidden="true" />;
  return (
    <p className="gv-legend" data-testid="samples-legend">
      {dot('rgb(59, 130, 246)')} real {dot('rgb(249, 115, 22)')} generated {dot('rgb(255, 243, 215)')} D says real{' '}
      {dot('rgb(215, 243, 255)')} D says fake
    </p>
  );
}

/**
 * With progressive growing, what a picture shows: the resolution in use at the step it was taken (G's output there
 * is the low-resolution image upsampled by nearest neighbour), or the fade in progress.
 */
function grownCaption(snap: TrainSnapshot, run: number): string | undefined {
  const s = snap.runs[run]?.progressive;
  const step = snap.gallery[snap.scrub ?? snap.gallery.length - 1]?.step;
  if (!s || step === undefined || snap.batchSize === undefined) return undefined;
  return samplesCaption(s, phaseAtStep(s, step, snap.batchSize));
}

export function SamplePictures({ snap }: { snap: TrainSnapshot }) {
  const shown = shownPictures(snap);
  const points2d = snap.runs.some((r) => r.quality.some((q) => q.modesTotal !== undefined));
  return (
    <>
      {points2d && <Legend2d />}
      {shown.pictures.map((p, i) => {
        const grown = grownCaption(snap, i);
        return (
          <figure key={i}>
            <Picture pic={p} testId={`samples-${i}`} />
            <figcaption>
              {(i === 0 && shown.source) ||
                `${snap.runs[i]?.label ?? ''} ${shown.step !== undefined ? `(step ${shown.step})` : '(latest)'}`}
              {grown && (
                <span className="gv-samples-res" data-testid={`samples-res-${i}`}>
                  {grown}
                </span>
              )}
            </figcaption>
          </figure>
        );
      })}
    </>
  );
}

export function Scrubber({ snap, store }: { snap: TrainSnapshot; store: TrainStore }) {
  const last = snap.gallery.length - 1;
  if (last < 1) return null;
  return (
    <label className="gv-scrubber">
      samples at{' '}
      <input
        type="range"
        min={0}
        max={last}
        value={snap.scrub ?? last}
        onChange={(e) => store.setScrub(Number(e.target.value))}
        aria-label="Sample history"
      />{' '}
      step {snap.gallery[snap.scrub ?? last]?.step}
    </label>
  );
}
