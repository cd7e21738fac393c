#!/usr/bin/python3
"""Generate the QDQ ONNX benchmark models (not committed: run this instead).

Run with Debian's interpreter (it sees python3-torch 1.13, python3-torchvision
0.14, python3-onnx 1.12 and python3-numpy; a pyenv `python3` does not):

    /usr/bin/python3 bench/make-models.py OUTDIR [--models resnet18_32,resnet50_224,mobilenetv2_224]

For each model NAME this writes
    OUTDIR/NAME.onnx        QDQ model, input 'input' [N,3,H,W] (N dynamic), output 'logits'
    OUTDIR/NAME.input.npy   a seeded N(0,1) float32 input batch
and prints the file size, node count and op type counts.

    name             architecture                      input        classes  batch
    resnet18_32      torchvision resnet18               3x32x32       10       64
    resnet50_224     torchvision resnet50               3x224x224   1000        4
    mobilenetv2_224  torchvision mobilenet_v2 (ReLU)    3x224x224   1000        4

resnet18_32 is the unmodified ImageNet architecture (7x7/2 stem, max pool)
on 32x32 inputs, so layer4 runs at 1x1; it has a 10-class head.

Route (the one test/models/gen_models.py takes, whose helpers are imported):
the quantizable variants in torchvision.models.quantization (QuantStub /
DeQuantStub, residual adds as FloatFunctional add / add_relu; MobileNetV2's
ReLU6 is replaced by ReLU there) built with quantize=False and random init,
then PyTorch eager-mode post-training static quantization on the 'onednn'
engine (per-channel symmetric int8 weights, uint8 affine activations):
fuse_model() folds BatchNorm into the convolutions, prepare, calibrate on
seeded N(0,1) batches, convert; then torch.onnx.export(opset 13), which lowers
the quantized ops to QuantizeLinear/DequantizeLinear around float ops.

Random init leaves BatchNorm as the identity (mean 0, var 1, weight 1, bias
0), which folds to nothing and lets the residual stages' activations grow.
So the BatchNorm affine parameters are drawn at random (weight U[0.5, 1.5],
bias N(0, 0.1)) and the running statistics are measured on seeded N(0,1)
batches in train mode (momentum None: a plain average over the batches):
every BatchNorm then normalizes what it really sees, and the folded weights
and biases are non-trivial.

Everything is seeded per model and runs single-threaded with deterministic
algorithms, so re-running reproduces byte-identical .onnx and .npy files
whatever subset of models is asked for.
"""

import argparse
import hashlib
import os
import sys
import time
from collections import Counter

import numpy as np
import torch
import torch.nn as nn
import torch.ao.quantization as tq
import torchvision
import torchvision.models.quantization as tvq
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "models"))
import gen_models as gm  # noqa: E402  (set_determinism, register_export_symbolics, export_onnx, ENGINE, OPSET)

# name: (builder, builder kwargs, input CHW, input batch written, BN/calibration batch size, seed offset)
MODELS = {
    "resnet18_32": (tvq.resnet18, {"num_classes": 10}, (3, 32, 32), 64, 32, 100),
    "resnet50_224": (tvq.resnet50, {}, (3, 224, 224), 4, 8, 200),
    "mobilenetv2_224": (tvq.mobilenet_v2, {}, (3, 224, 224), 4, 8, 300),
}
STAT_BATCHES = 4   # batches for the BatchNorm running statistics
CALIB_BATCHES = 4  # batches for the quantization observers


def randn(seed, shape):
    return torch.from_numpy(np.random.default_rng(seed).standard_normal(shape, dtype=np.float32))


@torch.no_grad()
def init_batchnorm(model, seed, batches):
    gen = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.bias.copy_(0.1 * torch.randn(m.num_features, generator=gen))
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the batches
    model.train()
    for xb in batches:
        model(xb)
    model.eval()


def quantize(model, calib):
    model.eval()
    model.fuse_model()
    model.qconfig = tq.get_default_qconfig(gm.ENGINE)
    for m in model.modules():
        # MobileNetV2's blocks without a residual still own an (unused)
        # FloatFunctional; an observer there would never see data.
        if getattr(m, "use_res_connect", True) is False and hasattr(m, "skip_add"):
            m.skip_add.qconfig = None
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for xb in calib:
            model(xb)
    tq.convert(model, inplace=True)
    return model


def summarize(path, model):
    g = model.graph

    def dims(vi):
        return [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]

    counts = Counter(n.op_type for n in g.node)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    print(f"   {os.path.basename(path)}: {os.path.getsize(path)} bytes, sha256 {digest}..., "
          f"{len(g.node)} nodes, {len(g.initializer)} initializers")
    print("   inputs " + ", ".join(f"{vi.name} {dims(vi)}" for vi in g.input)
          + "; outputs " + ", ".join(f"{vi.name} {dims(vi)}" for vi in g.output))
    print("   op types: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


def make(name, outdir):
    builder, kwargs, chw, n_input, bs, offset = MODELS[name]
    t0 = time.time()
    seed = gm.SEED + offset
    print(f"== {name}: {builder.__module__}.{builder.__name__}({kwargs}), input [N,{','.join(map(str, chw))}]",
          flush=True)
    torch.manual_seed(seed)
    model = builder(weights=None, quantize=False, **kwargs)
    init_batchnorm(model, seed + 1, [randn(seed + 2 + i, (bs, *chw)) for i in range(STAT_BATCHES)])
    x = randn(seed + 10, (n_input, *chw))
    with torch.no_grad():
        y_float = model(x)
    qmodel = quantize(model, [randn(seed + 20 + i, (bs, *chw)) for i in range(CALIB_BATCHES)])
    with torch.no_grad():
        y_quant = qmodel(x)
    agree = (y_float.argmax(1) == y_quant.argmax(1)).float().mean().item()
    rel = ((y_quant - y_float).norm() / y_float.norm()).item()
    print(f"   float logits std {y_float.std().item():.3f}; quantized vs float: "
          f"relative error {rel:.3f}, top-1 agreement {agree:.2f} on the {n_input} inputs")

    path = os.path.join(outdir, f"{name}.onnx")
    onnx_model = gm.export_onnx(qmodel, x[:1].clone(), path)  # onnx.checker full_check
    onnx.shape_inference.infer_shapes(onnx_model, check_type=True, strict_mode=True)
    np.save(os.path.join(outdir, f"{name}.input.npy"), np.ascontiguousarray(x.numpy(), dtype=np.float32))
    summarize(path, onnx_model)
    print(f"   {name}.input.npy: float32 {list(x.shape)}; checker and shape inference ok; "
          f"{time.time() - t0:.1f} s", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--models", default=",".join(MODELS),
                    help="comma-separated subset of " + ",".join(MODELS))
    args = ap.parse_args()
    names = [n for n in args.models.split(",") if n]
    unknown = [n for n in names if n not in MODELS]
    if unknown or not names:
        ap.error(f"unknown model(s) {','.join(unknown)}; choose from {','.join(MODELS)}")
    os.makedirs(args.outdir, exist_ok=True)

    gm.set_determinism(gm.SEED)
    if gm.ENGINE not in torch.backends.quantized.supported_engines:
        sys.exit(f"quantized engine {gm.ENGINE} not available: {torch.backends.quantized.supported_engines}")
    torch.backends.quantized.engine = gm.ENGINE
    gm.register_export_symbolics()
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, onnx {onnx.__version__}, "
          f"numpy {np.__version__}, engine {gm.ENGINE}, opset {gm.OPSET}")
    for name in names:
        make(name, args.outdir)


if __name__ == "__main__":
    main()
