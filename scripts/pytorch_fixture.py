#!/usr/bin/env python3
"""PyTorch fixtures for `denoise import` / `denoise export` (KAIR's DnCNN state dicts).

Pinned: torch==2.15.0 numpy==2.2.6 pypng==0.20220715.0 (pip install -r scripts/pytorch_fixture.requirements.txt).

  python3 scripts/pytorch_fixture.py write DIR
      Writes the fixtures of crates/trainer/tests/pytorch.rs into DIR (committed under
      crates/trainer/tests/fixtures/pytorch): two small random-weight KAIR DnCNNs saved as KAIR
      saves them (`torch.save(model.state_dict(), path)`), a BasicSR-style nested copy, their
      outputs on a fixed input, and the key names and shapes of the full-size DnCNNs.
  python3 scripts/pytorch_fixture.py check EXPORTED.pth NAME DIR
      Loads a file written by `denoise export` into KAIR's DnCNN with
      `load_state_dict(strict=True)` and prints the relative difference of its output to the
      fixture NAME's (plain or bn) output in DIR. Exit 1 above 1e-5.
  python3 scripts/pytorch_fixture.py compare EXPORTED.pth INPUT.png OURS.png
      Runs any file written by `denoise export` (its DnCNN shape read from the keys) in KAIR's
      DnCNN on INPUT.png and prints the largest difference to OURS.png, what
      `denoise denoise --checkpoint RUN INPUT.png -o OURS.png --sixteen-bit` wrote, in 16-bit
      levels. Exit 1 above 1.5 levels (both sides round to 16 bits). Needs pypng.

`DnCNN` below is KAIR's models/network_dncnn.py with basicblock's `conv` and `sequential`
inlined (https://github.com/cszn/KAIR, MIT): the same modules in the same order, so the same
`model.{i}.…` names.
"""
import json
import sys
from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn as nn

TOLERANCE = 1e-5


def kair_conv(cin, cout, mode):
    layers = []
    for t in mode:
        if t == "C":
            layers.append(nn.Conv2d(cin, cout, kernel_size=3, stride=1, padding=1, bias=True))
        elif t == "B":
            layers.append(nn.BatchNorm2d(cout, momentum=0.9, eps=1e-04, affine=True))
        elif t == "R":
            layers.append(nn.ReLU(inplace=True))
    return layers


class DnCNN(nn.Module):
    """KAIR's DnCNN: conv+ReLU, nb−2 × conv(+BN)+ReLU, conv; output x − model(x)."""

    def __init__(self, in_nc=1, out_nc=1, nc=64, nb=17, act_mode="BR"):
        super().__init__()
        layers = kair_conv(in_nc, nc, "C" + act_mode[-1])
        for _ in range(nb - 2):
            layers += kair_conv(nc, nc, "C" + act_mode)
        layers += kair_conv(nc, out_nc, "C")
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return x - self.model(x)


# name: (channels, width, layers, act_mode)
FIXTURES = {"plain": (1, 16, 5, "R"), "bn": (3, 16, 5, "BR")}
FULL_SIZE = {"dncnn-plain-gray": (1, 64, 17, "R"), "dncnn-bn-gray": (1, 64, 17, "BR"),
             "dncnn-bn-rgb": (3, 64, 17, "BR")}
HEIGHT, WIDTH = 20, 24  # not square: a transposed image would not fit


def make(name, seed):
    channels, width, layers, act = FIXTURES[name]
    torch.manual_seed(seed)
    model = DnCNN(channels, channels, width, layers, act)
    with torch.no_grad():
        for p in model.parameters():  # biases and BN affine away from their 0 / 1 defaults
            if p.dim() == 1:
                p.uniform_(-0.2, 0.2)
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.running_mean.uniform_(-0.3, 0.3)
                # some variances below 9e-5 = 1e-4 − 1e-5: an export that shifted the variance
                # for another epsilon instead of scaling γ would go negative there
                m.running_var.uniform_(0.5, 2.0)
                m.running_var[:2] = torch.tensor([2e-5, 5e-5])
                m.num_batches_tracked.fill_(7)
    model.eval()
    x = torch.rand(1, channels, HEIGHT, WIDTH, generator=torch.Generator().manual_seed(seed + 100))
    with torch.no_grad():
        y = model(x)
    return model, x, y


def relative(a, b):
    """max |a − b| over max |b|, on the predicted noise (input − output), not the output."""
    return float((a - b).abs().max() / b.abs().max())


def write(out):
    out.mkdir(parents=True, exist_ok=True)
    for seed, name in enumerate(FIXTURES):
        model, x, y = make(name, seed)
        torch.save(model.state_dict(), out / f"kair_{name}.pth")
        torch.save(OrderedDict(input=x, output=y, noise=x - y), out / f"kair_{name}_io.pth")
    # BasicSR saves {"params": state_dict}; DataParallel prefixes "module."
    model, _, _ = make("plain", 0)
    nested = OrderedDict((f"module.{k}", v) for k, v in model.state_dict().items())
    torch.save({"params": nested}, out / "basicsr_plain.pth")
    keys = {}
    for name, (c, w, n, act) in FULL_SIZE.items():
        sd = DnCNN(c, c, w, n, act).state_dict()
        keys[name] = [[k, list(v.shape), str(v.dtype).removeprefix("torch.")] for k, v in sd.items()]
    text = ",\n".join(f" {json.dumps(n)}: [\n" + ",\n".join(f"  {json.dumps(e)}" for e in es) + "\n ]"
                      for n, es in keys.items())
    (out / "kair_keys.json").write_text("{\n" + text + "\n}\n")
    print(f"wrote {out} (torch {torch.__version__})")


def check(exported, name, fixtures):
    channels, width, layers, act = FIXTURES[name]
    model = DnCNN(channels, channels, width, layers, act)
    state = torch.load(exported, weights_only=True)
    model.load_state_dict(state, strict=True)
    model.eval()
    io = torch.load(fixtures / f"kair_{name}_io.pth", weights_only=True)
    with torch.no_grad():
        y = model(io["input"])
    err = relative(io["input"] - y, io["noise"])
    print(f"{exported}: load_state_dict(strict=True) OK; relative difference of the predicted "
          f"noise to the fixture's: {err:.3e} (torch {torch.__version__})")
    return 0 if err <= TOLERANCE else 1


def shape_of(state):
    """(channels, width, layers, act_mode) of a KAIR DnCNN state dict."""
    convs = sorted(int(k.split(".")[1]) for k, v in state.items()
                   if k.endswith(".weight") and v.dim() == 4)
    first = state[f"model.{convs[0]}.weight"]
    bn = any(k.endswith("running_var") for k in state)
    return first.shape[1], first.shape[0], len(convs), "BR" if bn else "R"


def read_png(path):
    """An image in [0, 1] as 1×C×H×W float32: 8- or 16-bit, gray or RGB (pypng: pillow reads
    16-bit RGB as 8-bit)."""
    import numpy as np
    import png
    width, height, rows, info = png.Reader(filename=str(path)).asDirect()
    planes = info["planes"]
    a = np.vstack([np.asarray(r, dtype=np.float32) for r in rows]).reshape(height, width, planes)
    a = a[:, :, :3] if planes == 4 else a[:, :, :1] if planes == 2 else a  # alpha dropped
    a = a / float(2 ** info["bitdepth"] - 1)
    return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))[None]


def compare(exported, image, ours):
    state = torch.load(exported, weights_only=True)
    channels, width, layers, act = shape_of(state)
    model = DnCNN(channels, channels, width, layers, act)
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        y = model(read_png(image)).clamp(0, 1)
    levels = float((torch.round(y * 65535) - read_png(ours) * 65535).abs().max())
    print(f"{exported}: DnCNN(in_nc={channels}, out_nc={channels}, nc={width}, nb={layers}, "
          f"act_mode='{act}') loaded with strict=True; on {image} the largest difference to "
          f"{ours} is {levels:.0f} of 65535 (torch {torch.__version__})")
    return 0 if levels <= 1.5 else 1


def main(argv):
    if len(argv) == 2 and argv[0] == "write":
        write(Path(argv[1]))
        return 0
    if len(argv) == 4 and argv[0] == "check":
        return check(Path(argv[1]), argv[2], Path(argv[3]))
    if len(argv) == 4 and argv[0] == "compare":
        return compare(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
