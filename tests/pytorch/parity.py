"""Parity driver for tests/pytorch/parity.test.ts (not part of ganvas' runtime).

Imports an exported train.py as a module, loads the TensorFlow.js weights the
test wrote (safetensors, tfjs names and layout), and prints as JSON:
- each model's forward outputs on the test's inputs (NHWC, eval and train mode);
- each player's loss terms, total and gradient norm for one update on the
  test's fixed batch, noise, labels and penalty draws (no optimizer step);
- with a Progressive node, the phase the script's apply_progress set for the
  test's image count (FadeIn alphas and the reals' lod follow it).
Usage: python3 parity.py train.py tensors.safetensors config.json
"""
import importlib.util
import json
import sys

import torch

spec = importlib.util.spec_from_file_location("exported", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
torch.set_num_threads(1)
data = mod.load_safetensors(sys.argv[2])
with open(sys.argv[3], encoding="utf-8") as f:
    cfg = json.load(f)
device = torch.device("cpu")
mod.MODELS.update(mod.build_models(0, device))
mod.TRAINED.update(mod.MODELS)
for name, m in mod.MODELS.items():
    prefix = f"w/{name}/"
    mod.load_tfjs_weights(m, {k[len(prefix):]: v for k, v in data.items() if k.startswith(prefix)}, mod.TFJS_NAMES[name])
out = {"forward": {}, "players": {}}
if cfg.get("images") is not None:  # progressive growing: the phase (FadeIn alphas, the reals' lod) at that many images
    out["phase"] = mod.apply_progress(cfg["images"])


def arg(t):
    return t.long() if t.dtype == torch.int32 else mod.to_nchw(t)


for name, m in mod.MODELS.items():
    k = 0
    args = []
    while f"in/{name}/{k}" in data:
        args.append(arg(data[f"in/{name}/{k}"]))
        k += 1
    if not args:
        continue
    res = {}
    for mode in cfg["modes"][name]:
        m.train(mode == "train")
        with torch.no_grad():
            y = m(*args)
        ys = y if isinstance(y, tuple) else (y,)
        res[mode] = [mod.to_nhwc(t).flatten().tolist() for t in ys]
    out["forward"][name] = res


class Fixed(mod.Sources):
    """The test's batch, noise, labels and penalty draws instead of the seeded streams."""

    def __init__(self, player):
        super().__init__(0, device)
        self.player = player
        self.draws = 0

    def dataset(self, node, n):
        prefix = f"src/{node}/"
        return {k[len(prefix):]: arg(v) for k, v in data.items() if k.startswith(prefix)}

    def noise(self, node, n, dim, distribution):
        return data[f"src/{node}/out"]

    def labels(self, node, n, classes):
        return data[f"src/{node}/out"].long()

    def rand(self, shape):
        t = arg(data[f"rand/{self.player}/{self.draws}"])
        self.draws += 1
        assert tuple(t.shape) == tuple(shape), (tuple(t.shape), tuple(shape))
        return t


for player, fn in (("D", mod.d_terms), ("G", mod.g_terms)):
    other = mod.player_models("G" if player == "D" else "D")
    for m in mod.MODELS.values():
        m.train()
    mod.set_requires_grad(other, False)
    record = {}
    terms = fn(cfg["batch"], Fixed(player), record)
    total = sum(terms.values())
    params = mod.model_params(mod.player_models(player))
    grads = torch.autograd.grad(total, params, allow_unused=True)
    gnorm = torch.sqrt(sum(g.square().sum() for g in grads if g is not None))
    by_name = {}
    ids = {id(p): i for i, p in enumerate(params)}
    for name in mod.player_models(player):
        for tname, fname, layout in mod.TFJS_NAMES[name]:
            p = dict(mod.MODELS[name].named_parameters()).get(tname)
            if p is not None and id(p) in ids and grads[ids[id(p)]] is not None:
                by_name[fname] = float(grads[ids[id(p)]].norm())
    mod.set_requires_grad(other, True)
    out["players"][player] = {"terms": {k: float(v) for k, v in terms.items()}, "total": float(total), "gradNorm": float(gnorm), "byName": by_name}

json.dump(out, sys.stdout)
