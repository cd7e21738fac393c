#!/usr/bin/python3
"""Generate the small quantized (QDQ) ONNX test models used by ohm's tests.

Run from anywhere with Debian's interpreter (it sees python3-torch,
python3-onnx and python3-numpy; a pyenv `python3` does not):

    /usr/bin/python3 test/models/gen_models.py

Outputs (written next to this script):
    fmnist_cnn_qdq.onnx          Fashion-MNIST CNN, trained, PTQ int8, QDQ
    fmnist_cnn_input_{0..3}.npy  first 4 test images, float32 [1,1,28,28] in [0,1]
    fmnist_cnn_batch8.npy        first 8 test images, float32 [8,1,28,28]
    tiny_resnet_qdq.onnx         residual/depthwise/concat/GAP toy net, QDQ
    tiny_resnet_input_{0..3}.npy seeded N(0,1) inputs, float32 [1,3,16,16]

Route: PyTorch eager-mode post-training static quantization
(torch.ao.quantization QuantStub/DeQuantStub, fuse_modules, prepare,
calibrate, convert), then torch.onnx.export(opset 13), which lowers the
quantized ops to QuantizeLinear/DequantizeLinear around float ops.

Everything is seeded and runs single-threaded with deterministic algorithms,
so re-running reproduces byte-identical .onnx and .npy files.
"""

import copy
import gzip
import os
import random
import sys
import time
from collections import Counter

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.ao.quantization as tq
import onnx
from onnx import numpy_helper

SEED = 20240607
OUT_DIR = os.path.dirname(os.path.abspath(__file__))
FMNIST_DIR = "/usr/share/datasets/fashion-mnist"  # Debian dataset-fashion-mnist
OPSET = 13

# The Debian torch build has no FBGEMM ('fbgemm' is not in
# torch.backends.quantized.supported_engines), so the quantized kernels run
# on oneDNN.  The 'onednn' default qconfig is the 'fbgemm' one (per-channel
# symmetric int8 weights via PerChannelMinMaxObserver, uint8 affine
# activations via HistogramObserver) except that it does not use
# reduce_range (7-bit activations), which only exists to dodge an FBGEMM
# int16 overflow; full 8-bit activations are what ONNX Runtime and the
# crossbar want.
ENGINE = "onednn"


def set_determinism(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.use_deterministic_algorithms(True)


# --------------------------------------------------------------------------
# Exporter workarounds for torch 1.13.
#
# 1. aten::pad has no symbolic that accepts a quantized tensor.  Register one
#    in the style of the built-in quantized symbolics: DequantizeLinear ->
#    Pad -> QuantizeLinear with the input's scale/zero point.  The pads are
#    emitted as one int64 Constant (ONNX order [x1_begin, x2_begin, ...,
#    x1_end, x2_end, ...]) instead of the Concat/Reshape/Slice/Transpose/Cast
#    chain the built-in float symbolic builds (which the exporter cannot
#    constant-fold because it uses a Slice with step -1).
#
# 2. quantized::linear_relu (the fused Linear+ReLU) cannot be exported: there
#    is no symbolic, and the exporter's weight-unpacking pass does not unpack
#    its packed params either, so a custom symbolic cannot get at the weights.
#    See swap_linear_relu_for_export().
# --------------------------------------------------------------------------
def register_export_symbolics():
    from torch.onnx import symbolic_helper

    @symbolic_helper.quantized_args(True, False, False, False)
    @symbolic_helper.parse_args("v", "is", "s", "none")
    def quantized_pad(g, inp, pad, mode, value):
        if mode != "constant":
            raise RuntimeError("only constant padding is supported here")
        rank = symbolic_helper._get_tensor_rank(inp)
        assert rank is not None and len(pad) % 2 == 0
        begins = [0] * rank
        ends = [0] * rank
        # torch order: (last_begin, last_end, second_last_begin, ...)
        for i in range(len(pad) // 2):
            begins[rank - 1 - i] = pad[2 * i]
            ends[rank - 1 - i] = pad[2 * i + 1]
        pads = g.op("Constant", value_t=torch.tensor(begins + ends, dtype=torch.int64))
        return g.op("Pad", inp, pads, mode_s="constant")

    torch.onnx.register_custom_op_symbolic("aten::pad", quantized_pad, OPSET)


def swap_linear_relu_for_export(qmodel):
    """Replace each quantized LinearReLU by a plain quantized Linear that
    shares its packed weights and has the same output scale/zero point.

    The fused module's output observer saw only non-negative values, so its
    uint8 zero point is 0, and then quantized::linear's saturation to
    [0, 255] *is* the ReLU: the swap is bit-exact (checked by the caller on
    the whole test set).  In ONNX this shows up as DequantizeLinear -> Gemm ->
    QuantizeLinear(zero_point 0) with no Relu node.
    """
    import torch.nn.intrinsic.quantized as nniq
    import torch.nn.quantized as nnq
    m = copy.deepcopy(qmodel)
    for name, mod in list(m.named_modules()):
        if isinstance(mod, nniq.LinearReLU):
            assert mod.zero_point == 0, "LinearReLU output zero point must be 0"
            lin = nnq.Linear(mod.in_features, mod.out_features, dtype=torch.qint8)
            lin.set_weight_bias(mod.weight(), mod.bias())
            lin.scale = mod.scale
            lin.zero_point = mod.zero_point
            parent = m
            *path, leaf = name.split(".")
            for p in path:
                parent = getattr(parent, p)
            setattr(parent, leaf, lin)
    return m


# --------------------------------------------------------------------------
# Fashion-MNIST
# --------------------------------------------------------------------------
def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    assert magic >> 8 == 0x08, "expected unsigned byte IDX data"
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def load_fmnist(split):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(FMNIST_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(FMNIST_DIR, f"{prefix}-labels-idx1-ubyte.gz"))
    # Scale to [0, 1]; no mean/std normalisation (the model sees x/255).
    x = (x.astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28)
    return torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))


class FmnistCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)    # 8x28x28
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)                  # 8x14x14
        self.conv2 = nn.Conv2d(8, 16, 3)              # 16x12x12
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)                  # 16x6x6
        self.flatten = nn.Flatten()                   # 576
        self.fc1 = nn.Linear(16 * 6 * 6, 32)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(32, 10)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        x = self.flatten(x)
        x = self.relu3(self.fc1(x))
        x = self.fc2(x)
        return self.dequant(x)

    fuse_list = [["conv1", "relu1"], ["conv2", "relu2"], ["fc1", "relu3"]]


@torch.no_grad()
def accuracy(model, x, y, bs=1000):
    model.eval()
    correct = 0
    for i in range(0, len(x), bs):
        correct += (model(x[i:i + bs]).argmax(1) == y[i:i + bs]).sum().item()
    return correct / len(x)


def train_fmnist(model, x, y, epochs=2, bs=32, lr=1e-3):
    gen = torch.Generator().manual_seed(SEED + 1)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), bs):
            idx = perm[i:i + bs]
            opt.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        print(f"  epoch {ep + 1}: train loss {total / len(x):.4f}", flush=True)


def quantize_ptq(float_model, calib_batches):
    m = copy.deepcopy(float_model).eval()
    tq.fuse_modules(m, m.fuse_list, inplace=True)
    m.qconfig = tq.get_default_qconfig(ENGINE)
    tq.prepare(m, inplace=True)
    with torch.no_grad():
        for xb in calib_batches:
            m(xb)
    tq.convert(m, inplace=True)
    return m


# --------------------------------------------------------------------------
# Tiny residual net (pattern coverage, not accuracy)
# --------------------------------------------------------------------------
class TinyResNet(nn.Module):
    """[N,3,16,16] -> 10 logits.

    stem   conv3x3 3->8 pad1 + ReLU                          8x16x16
    block  dw conv3x3 (groups=8) + ReLU -> pw conv1x1 8->8;
           Add(stem, block) + ReLU  (residual add_relu)      8x16x16
    down   zero pad (top 0, left 0, bottom 1, right 1) ->
           conv3x3 stride 2 pad 0 8->8 + ReLU (TF 'SAME')    8x8x8
    pool   maxpool 2x2 of the residual output                8x8x8
    cat    Concat(down, pool) along channels                 16x8x8
    gap    AdaptiveAvgPool2d(1) -> flatten                   16
    fc     Linear 16->10
    """

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.stem_relu = nn.ReLU()
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.dw_relu = nn.ReLU()
        self.pw = nn.Conv2d(8, 8, 1)
        self.add = nn.quantized.FloatFunctional()
        self.down = nn.Conv2d(8, 8, 3, stride=2, padding=0)
        self.down_relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.cat = nn.quantized.FloatFunctional()
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16, 10)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        x = self.stem_relu(self.stem(x))
        y = self.pw(self.dw_relu(self.dw(x)))
        x = self.add.add_relu(x, y)
        a = self.down_relu(self.down(F.pad(x, (0, 1, 0, 1))))
        b = self.pool(x)
        x = self.cat.cat([a, b], dim=1)
        x = self.flatten(self.gap(x))
        x = self.fc(x)
        return self.dequant(x)

    fuse_list = [["stem", "stem_relu"], ["dw", "dw_relu"], ["down", "down_relu"]]


# --------------------------------------------------------------------------
# Export and inspection
# --------------------------------------------------------------------------
def export_onnx(qmodel, example, path):
    qmodel.eval()
    torch.onnx.export(
        qmodel, example, path,
        opset_version=OPSET,
        input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
        do_constant_folding=True,
    )
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    return model


def describe(model, path):
    g = model.graph
    print(f"== {os.path.basename(path)}: {os.path.getsize(path)} bytes, "
          f"ir_version {model.ir_version}, opset "
          f"{[(o.domain or 'ai.onnx', o.version) for o in model.opset_import]}")

    def dims(vi):
        return [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]

    for vi in g.input:
        print(f"   input  {vi.name} {dims(vi)}")
    for vi in g.output:
        print(f"   output {vi.name} {dims(vi)}")
    print(f"   initializers: {len(g.initializer)}")
    counts = Counter(n.op_type for n in g.node)
    print("   op types: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    consts = {}
    for n in g.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    consts[n.output[0]] = numpy_helper.to_array(a.t)
    for n in g.node:
        if n.op_type in ("Constant",):
            continue
        extra = ""
        if n.op_type in ("QuantizeLinear", "DequantizeLinear"):
            parts = []
            for name in n.input:
                a = consts.get(name)
                parts.append("act" if a is None else f"{a.dtype}{list(a.shape)}")
            ax = [a.i for a in n.attribute if a.name == "axis"]
            extra = " (" + ", ".join(parts) + ")" + (f" axis={ax[0]}" if ax else "")
        elif n.attribute:
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
            extra = " " + str({k: (v.decode() if isinstance(v, bytes) else v)
                               for k, v in attrs.items()})
        print(f"   {n.op_type}{extra}")
    return counts


def save_npy(name, arr):
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    np.save(os.path.join(OUT_DIR, name), arr)


def main():
    t0 = time.time()
    set_determinism(SEED)
    if ENGINE not in torch.backends.quantized.supported_engines:
        sys.exit(f"quantized engine {ENGINE} not available: "
                 f"{torch.backends.quantized.supported_engines}")
    torch.backends.quantized.engine = ENGINE
    register_export_symbolics()
    print(f"torch {torch.__version__}, onnx {onnx.__version__}, numpy {np.__version__}, "
          f"engine {ENGINE}, seed {SEED}")

    # ---- Fashion-MNIST CNN ------------------------------------------------
    xtr, ytr = load_fmnist("train")
    xte, yte = load_fmnist("test")
    torch.manual_seed(SEED)
    model = FmnistCNN()
    print("training fmnist_cnn (2 epochs, Adam 1e-3, batch 32)")
    train_fmnist(model, xtr, ytr)
    float_acc = accuracy(model, xte, yte)
    print(f"  float test accuracy: {float_acc:.4f}")

    calib_idx = torch.randperm(len(xtr), generator=torch.Generator().manual_seed(SEED + 2))[:1000]
    calib = [xtr[calib_idx[i:i + 100]] for i in range(0, 1000, 100)]
    qmodel = quantize_ptq(model, calib)
    q_acc = accuracy(qmodel, xte, yte)
    print(f"  quantized (PyTorch {ENGINE}) test accuracy: {q_acc:.4f}")

    emodel = swap_linear_relu_for_export(qmodel)
    with torch.no_grad():
        for i in range(0, len(xte), 1000):
            assert torch.equal(emodel(xte[i:i + 1000]), qmodel(xte[i:i + 1000])), \
                "Linear+ReLU swap changed the quantized model's outputs"
    print("  Linear+ReLU -> Linear(zero point 0) swap: bit-exact on all 10000 test images")
    path = os.path.join(OUT_DIR, "fmnist_cnn_qdq.onnx")
    onnx_model = export_onnx(emodel, xte[:1].clone(), path)
    describe(onnx_model, path)
    for i in range(4):
        save_npy(f"fmnist_cnn_input_{i}.npy", xte[i:i + 1].numpy())
    save_npy("fmnist_cnn_batch8.npy", xte[:8].numpy())
    with torch.no_grad():
        print("  labels of test[0:8]:", yte[:8].tolist(),
              " quantized predictions:", qmodel(xte[:8]).argmax(1).tolist())

    # ---- Tiny residual net -----------------------------------------------
    torch.manual_seed(SEED + 3)
    tiny = TinyResNet().eval()
    rng = np.random.default_rng(SEED + 4)
    calib = [torch.from_numpy(rng.standard_normal((32, 3, 16, 16), dtype=np.float32))
             for _ in range(8)]
    qtiny = quantize_ptq(tiny, calib)
    path = os.path.join(OUT_DIR, "tiny_resnet_qdq.onnx")
    rng = np.random.default_rng(SEED + 5)
    inputs = [rng.standard_normal((1, 3, 16, 16), dtype=np.float32) for _ in range(4)]
    onnx_model = export_onnx(qtiny, torch.from_numpy(inputs[0]), path)
    describe(onnx_model, path)
    for i, x in enumerate(inputs):
        save_npy(f"tiny_resnet_input_{i}.npy", x)
    with torch.no_grad():
        for i, x in enumerate(inputs):
            print(f"  tiny_resnet input {i}: float {tiny(torch.from_numpy(x)).numpy().round(3).tolist()}")
            print(f"                        quant {qtiny(torch.from_numpy(x)).numpy().round(3).tolist()}")

    print(f"done in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
