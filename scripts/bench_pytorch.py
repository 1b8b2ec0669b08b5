#!/usr/bin/env python3
"""The PyTorch side of `scripts/bench_compare.sh`: the same models, batch, patch, optimizer and
thread count as `denoise bench`, timed the same way (warm-up, repeats, medians), written as JSON in
the same format.

Models (gray, 3x3 convolutions, padding 1, ReLU; Kaiming-normal weights; zero biases):
  tiny        5 layers x 32, no batch norm
  dncnn-plain 17 layers x 64, no batch norm
  dncnn       17 layers x 64, batch norm after the 15 hidden convolutions (which have no bias)
Residual learning: output = input - net(input). Training step: forward, MSE, backward, Adam
(lr 1e-4, eps 1e-8) on one fixed batch. Inference: one 1x1xSxS image in eval mode, no grad.

On a GPU (`--device cuda`) the tensors and the model live there and every timed interval ends
with `torch.cuda.synchronize()` (kernels run asynchronously); --threads then only sets the host's
thread count. Without CUDA, `--device cuda` exits with status 2 and says so.

Usage: bench_pytorch.py [--models tiny,dncnn-plain,dncnn] [--batch 16] [--patch 40] [--threads 2]
                        [--warmup 3] [--repeats 5] [--infer-size 256] [--device cpu|cuda]
                        [--json FILE]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn


def dncnn(depth, width, batch_norm, channels=1):
    layers = [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(inplace=True)]
    for _ in range(depth - 2):
        layers.append(nn.Conv2d(width, width, 3, padding=1, bias=not batch_norm))
        if batch_norm:
            layers.append(nn.BatchNorm2d(width, eps=1e-5, momentum=0.1))
        layers.append(nn.ReLU(inplace=True))
    layers.append(nn.Conv2d(width, channels, 3, padding=1))
    for m in layers:
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return nn.Sequential(*layers)


class Residual(nn.Module):
    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        return x - self.body(x)


MODELS = {
    "tiny": (5, 32, False),
    "dncnn-plain": (17, 64, False),
    "dncnn": (17, 64, True),
}


def sync(device):
    """Waits for the device's queued kernels (a no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train_rate(name, args, steps):
    torch.manual_seed(0)
    dev = args.torch_device
    net = Residual(dncnn(*MODELS[name])).to(dev).train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-4, eps=1e-8)
    x = (torch.randn(args.batch, 1, args.patch, args.patch) * 0.2 + 0.5).to(dev)
    y = (torch.randn(args.batch, 1, args.patch, args.patch) * 0.2 + 0.5).to(dev)
    loss_fn = nn.MSELoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(args.warmup):
        step().item()
    rates = []
    for _ in range(args.repeats):
        sync(dev)
        t = time.perf_counter()
        for _ in range(steps):
            loss = step()
        loss.item()
        sync(dev)
        rates.append(steps * args.batch / (time.perf_counter() - t))
    return rates


def infer_rate(name, args, runs):
    torch.manual_seed(0)
    dev = args.torch_device
    net = Residual(dncnn(*MODELS[name])).to(dev).eval()
    x = (torch.randn(1, 1, args.infer_size, args.infer_size) * 0.2 + 0.5).to(dev)
    with torch.inference_mode():
        for _ in range(args.warmup):
            net(x)
        rates = []
        for _ in range(args.repeats):
            sync(dev)
            t = time.perf_counter()
            for _ in range(runs):
                net(x)
            sync(dev)
            rates.append(runs * args.infer_size**2 / 1e6 / (time.perf_counter() - t))
    return rates


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="tiny,dncnn-plain,dncnn")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--patch", type=int, default=40)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--train-steps", type=int)
    p.add_argument("--infer-size", type=int, default=256)
    p.add_argument("--infer-runs", type=int)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--json")
    args = p.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("bench_pytorch: --device cuda, but this PyTorch sees no CUDA device "
              f"(torch {torch.__version__}, built with CUDA {torch.version.cuda})", file=sys.stderr)
        sys.exit(2)
    args.torch_device = torch.device(args.device)
    if args.device == "cuda":
        device_name = f"PyTorch {torch.__version__} CUDA on {torch.cuda.get_device_name(0)}"
    else:
        # The vector code ATen runs (ATEN_CPU_CAPABILITY=avx2 narrows it) and oneDNN's ceiling
        # for convolutions (ONEDNN_MAX_CPU_ISA=AVX2), so a table says which code path it timed.
        onednn = os.environ.get("ONEDNN_MAX_CPU_ISA", "all")
        device_name = (f"PyTorch {torch.__version__} CPU, {args.threads} threads, ATen "
                       f"{torch.backends.cpu.get_cpu_capability()}, oneDNN max ISA {onednn}")
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    results = []
    for name in args.models.split(","):
        if name not in MODELS:
            sys.exit(f"bench_pytorch: unknown model {name!r}; use {', '.join(MODELS)}")
        heavy = name != "tiny"
        steps = args.train_steps or (3 if heavy else 20)
        runs = args.infer_runs or (2 if heavy else 10)
        tr = train_rate(name, args, steps)
        inf = infer_rate(name, args, runs)
        print(f"  {name:<12} train {statistics.median(tr):9.3f} patches/s   "
              f"infer {statistics.median(inf):7.3f} MP/s", file=sys.stderr)
        results.append({
            "model": name,
            "backend": "pytorch",
            "device": device_name,
            "train-steps": steps,
            "infer-runs": runs,
            "train-patches-per-s": {"median": statistics.median(tr), "all": tr},
            "infer-mp-per-s": {"median": statistics.median(inf), "all": inf},
        })
    report = {
        "tool": "pytorch",
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "settings": {"batch": args.batch, "patch": args.patch, "channels": 1,
                     "warmup": args.warmup, "repeats": args.repeats,
                     "infer-size": args.infer_size},
        "results": results,
    }
    text = json.dumps(report, indent=2)
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            f.write(text)
        os.replace(args.json + ".tmp", args.json)
    else:
        print(text)


if __name__ == "__main__":
    main()
