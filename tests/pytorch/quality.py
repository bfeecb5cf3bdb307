"""Driver for tests/pytorch/quality.test.ts (not part of ganvas' runtime).

Imports an exported train.py as a module and prints as JSON, for the tensors the test wrote (safetensors):
- `classify`: the torch classifier's features and class probabilities of x/digits ([N,28,28,1], NHWC);
- `figures`: the digit figures (FID, Inception score, precision, recall) of samples/SIZE ([500,S,S,1], NHWC)
  against the reference train.py builds from the MNIST file at that size.
Usage: python3 quality.py train.py tensors.safetensors CLASSIFIER_DIR MNIST_FILE
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
classifier = mod.load_tfjs_classifier(sys.argv[3])
images = mod.read_mnist_bin(sys.argv[4])[0]
out = {"classify": {}, "figures": {}}
with torch.no_grad():
    features, probs = classifier(data["x/digits"])
out["classify"] = {"features": features.flatten().tolist(), "probs": probs.flatten().tolist()}
for name, t in data.items():
    if name.startswith("samples/"):
        size = t.shape[1]
        quality = mod.DigitQuality(classifier, mod.digit_reference(images, size))
        out["figures"][name] = quality(mod.to_nchw(t))
print(json.dumps(out))
