/**
 * Issue 17.4 in the PyTorch export: quality figures and early stopping in
 * train.py. The export decides here what the project can be judged on (as
 * the trainer does, session.ts earlyStopRun: `auto` is FID for single-channel
 * digit models trained on the bundled MNIST, modeScore for 2D mixtures; a
 * figure the project cannot give is refused with the reason), and prints the
 * settings lines and the driver section that runs the rule; the figures
 * themselves (the digit classifier in torch, FID, the Inception score
 * analogue, precision/recall, the rule) are in the runtime's "quality figures
 * and early stopping" section (pytorch-runtime.py).
 */
import type { TrainingPlan } from '../compile/plan.js';
import type { ProjectAnalysis } from '../shapes/project.js';
import { exportQuality } from './common.js';
import { pyLit } from './python.js';

/** train.py's settings lines for the quality figures and early stopping (EARLY_STOPPING, DIGITS). */
export function qualitySettingsLines(a: ProjectAnalysis, plan: TrainingPlan, gModel: string): string[] {
  const { digits: size, early } = exportQuality(a, plan, gModel);
  return [
    '# Early stopping on a quality figure (settings.earlyStopping; metric resolved) or None; the digit figures need',
    '# --classifier DIR (the bundled digit classifier). DIGITS: the size of the generated digits when the project has',
    '# them (the real reference is resized to it, then both go to the classifier at 28x28).',
    `EARLY_STOPPING = ${pyLit(early ?? null)}`,
    `DIGITS = ${size !== undefined ? pyLit({ size }) : 'None'}`,
  ];
}

/** Module-level names the quality section defines (model classes must not take them). */
export const QUALITY_NAMES = [
  'EARLY_STOPPING',
  'DIGITS',
  'Evaluations',
  'EarlyStopper',
  'DigitQuality',
  'TfjsClassifier',
  'QUALITY_METRICS',
  'DIGIT_METRICS',
  'CLASSIFIER_FEATURES',
  'DIGITS_REAL',
  'DIGIT_SAMPLES',
  'DIGIT_SEED',
  'PR_NEIGHBOURS',
];

/** The driver's quality section: evaluations every N steps on rank 0, best/, the rule's state beside checkpoints. */
export const QUALITY_DRIVER = String.raw`# ---------------------------------------------------------------- quality figures and early stopping (issue 17.4)
class Evaluations:
    """Early stopping (settings.earlyStopping, as ganvas train does it): every N steps rank 0 computes the figures of
    the generator with its sample weights (EMA when on), applies the rule, logs an "evaluation" line and keeps each
    new best in OUT/best/ (checkpoint.safetensors, generator.safetensors, generator.pt, best.json); every process
    learns whether to stop. Digit figures are on DIGIT_SAMPLES (500) samples from train.py's own stream seeded
    DIGIT_SEED (777): the same count and seed in every run, but not ganvas' own draws, so the same generator gives
    ganvas' figures only on the same samples. 2D mixtures: the sample pictures' 1,000 points (seed 12345). The
    evaluations draw nothing from the training streams: a run trains the same with or without them."""

    def __init__(self, run, args, chief, world):
        self.run, self.args, self.chief, self.world = run, args, chief, world
        es = EARLY_STOPPING
        self.every = es["every"]
        self.stopper = EarlyStopper(es["metric"], es["patience"], es["minDelta"], es["stop"])
        self.label = QUALITY_METRICS[es["metric"]][0]
        self.best, self.stopped, self.digits = None, None, None
        if es["metric"] in DIGIT_METRICS:
            if not os.path.isfile(os.path.join(args.classifier, "model.json")):
                raise DataError(f"early stopping on {self.label} needs the digit classifier: no {os.path.join(args.classifier, 'model.json')}; run from the ganvas repository (public/models/mnist-classifier) or pass --classifier DIR")
            if chief:
                self.digits = DigitQuality(load_tfjs_classifier(args.classifier), digit_reference(read_mnist_bin(args.mnist)[0], DIGITS["size"]))
        if args.resume:
            self.restore(args.resume)

    def figures(self):
        run = self.run
        q = {"step": run.step}
        with torch.random.fork_rng(devices=[run.device] if run.device.type == "cuda" else []):
            if MIXTURE is not None:
                points = run.samples()
                if points.dim() == 2 and points.shape[1] == 2:
                    q.update(quality(points, DATASETS[MIXTURE]))
            if self.digits is not None:
                with run.sample_weights(), torch.no_grad():
                    x = sample_batch(DIGIT_SAMPLES, Sources(DIGIT_SEED, run.device, 0, 1, run.src.datasets))
                q.update(self.digits(x.float().cpu()))
        return q

    def after_step(self, emit):
        """At every N-th step: the evaluation (rank 0) and the decision (all). The reason when the run stops."""
        if self.run.step % self.every != 0:
            return None
        stop = None
        if self.chief:
            q = self.figures()
            ev = self.stopper.observe(self.run.step, quality_value(q, self.stopper.metric))
            finite = lambda v: v if math.isfinite(v) else None  # JSON has no NaN (ganvas writes null)
            emit({"type": "evaluation", **ev, "value": finite(ev["value"]), "best": {**ev["best"], "value": finite(ev["best"]["value"])}, "quality": q})
            if ev["improved"]:
                self.save_best(ev, q)
            b = ev["best"]
            log(f"step {ev['step']}: {self.label} {fmt_figure(ev['value'])}" + (" (new best, saved to best/)" if ev["improved"] else f"; best {fmt_figure(b['value'])} at step {fmt_figure(b['step'])}"))
            stop = ev.get("stop")
        if self.world > 1:
            flag = torch.tensor([1.0 if stop else 0.0], device=self.run.device)
            dist.broadcast(flag, 0)
            if flag.item() and stop is None:
                stop = "stopped early (rank 0's evaluation)"
        self.stopped = stop
        return stop

    def save_best(self, ev, q):
        d = os.path.join(self.args.out, "best")
        os.makedirs(d, exist_ok=True)
        self.run.save(os.path.join(d, "checkpoint.safetensors"))
        save_generator(self.run, d)
        self.best = {"step": ev["step"], "metric": ev["metric"], "value": ev["value"], "quality": q}
        with open(os.path.join(d, "best.json.tmp"), "w", encoding="utf-8") as f:
            json.dump(self.best, f, indent=2)
        os.replace(os.path.join(d, "best.json.tmp"), os.path.join(d, "best.json"))

    def save_state(self, checkpoint):
        """The rule's state at the checkpoint's step, beside it (CHECKPOINT.early-stop.json): --resume carries on."""
        with open(checkpoint + ".early-stop.json.tmp", "w", encoding="utf-8") as f:
            json.dump({"step": self.run.step, "state": self.stopper.state, "best": self.best, "every": self.every}, f)
        os.replace(checkpoint + ".early-stop.json.tmp", checkpoint + ".early-stop.json")

    def restore(self, checkpoint):
        try:
            with open(checkpoint + ".early-stop.json", encoding="utf-8") as f:
                j = json.load(f)
        except (OSError, ValueError):
            return  # none, or unreadable: the rule starts afresh
        if isinstance(j, dict) and j.get("step") == self.run.step and isinstance(j.get("state"), dict):
            self.stopper.restore(j["state"])
            self.best = j.get("best") if isinstance(j.get("best"), dict) else None

    def finish(self):
        """Logs which step was best and why the run stopped; what result.json says of it."""
        s = self.stopper.state
        best = self.best or ({**s["best"], "metric": s["metric"]} if "best" in s else None)
        said = f"best {self.label} {fmt_figure(best['value'])} at step {fmt_figure(best['step'])}, in {os.path.join(self.args.out, 'best')}" if best else "no evaluation"
        log(f"done: {self.run.step} steps ({self.stopped})" if self.stopped else f"done: {self.run.step} steps; {said}")
        state = {**s, "every": self.every, **({"stopped": self.stopped} if self.stopped else {})}
        return {**({"reason": self.stopped} if self.stopped else {}), "earlyStopping": state, "best": {**best, "dir": "best"} if best else None}`;
