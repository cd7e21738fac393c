#!/usr/bin/env python3
"""Seeded generator of small random quantized ONNX models, for the
differential test (differential.py --models-dir).

    gen_random_models.py --seed S --count N --out DIR

writes DIR/gNNNN.onnx and, next to each, its inputs DIR/gNNNN.<input>.npy.
The same seed gives byte-identical files (numpy's default_rng; every float
that decides a scale is rounded to 4 significant digits first, so BLAS
summation order cannot change a byte).

Models are built with onnx.helper, mostly in QDQ form as the PyTorch and
ONNX Runtime quantizers export them (QuantizeLinear/DequantizeLinear around
float Conv, Gemm, MatMul, Add, MaxPool, AveragePool, GlobalAveragePool,
Concat, Relu, Clip, Flatten), some in QOperator form (QLinearConv,
QLinearMatMul, with MaxPool and Flatten on the integer codes). They vary:

- activations uint8 or int8 (asymmetric, or symmetric int8); weights int8
  or uint8, per-tensor or per-output-channel scales and zero points (zero
  or not), full-range, 4-bit-range or ternary values;
- conv kernels 1x1 to 5x5 (also non-square), strides 1-3, pads (also
  asymmetric, and auto_pad), dilations 1-2, groups (also depthwise and
  channel multipliers), biases as int32 (PyTorch/ORT) or float, or none;
- Gemm (transB 0/1, alpha), MatMul on 2-D and 3-D activations;
- residual Adds (+ Relu), Concats of differently scaled tensors, max and
  average pools (pads, count_include_pad, ceil_mode), global average pool;
- a dynamic batch dimension on some models (inputs of batch 2 or 3), a
  second graph input, integer (not dequantized) or several outputs,
  Q->Cast->DQ chains (PyTorch), parameters as initializers or Constant nodes.

Scales are calibrated on the model's own input by a float64 numpy run of
the dequantized graph (then jittered, so some tensors saturate).
"""
import argparse
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


def round_sig(x, digits=4):
    if x == 0 or not math.isfinite(x):
        return x
    return float(f"{x:.{digits - 1}e}")


# ----------------------------------------------------------------------------
# float64 reference ops (calibration only; they need not be bit-exact)

def conv2d(x, w, b, strides, pads, dilations, group):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    pt, pl, pb, pr = pads
    sh, sw = strides
    dh, dw = dilations
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    oh = (h + pt + pb - ((kh - 1) * dh + 1)) // sh + 1
    ow = (wd + pl + pr - ((kw - 1) * dw + 1)) // sw + 1
    cols = np.empty((n, c, kh, kw, oh, ow))
    for ky in range(kh):
        for kx in range(kw):
            ys, xs = ky * dh, kx * dw
            cols[:, :, ky, kx] = xp[:, :, ys:ys + sh * (oh - 1) + 1:sh, xs:xs + sw * (ow - 1) + 1:sw]
    out = np.empty((n, m, oh, ow))
    mg = m // group
    for g in range(group):
        xc = cols[:, g * cg:(g + 1) * cg].reshape(n, cg * kh * kw, oh * ow)
        wg = w[g * mg:(g + 1) * mg].reshape(mg, cg * kh * kw)
        out[:, g * mg:(g + 1) * mg] = np.einsum("mk,nkp->nmp", wg, xc).reshape(n, mg, oh, ow)
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def pool_out(size, k, s, p0, p1, d, ceil):
    span = size + p0 + p1 - ((k - 1) * d + 1)
    return (-(-span // s) if ceil else span // s) + 1


def pool2d(x, kind, kernel, strides, pads, dilations=(1, 1), ceil=False,
           count_include_pad=0):
    n, c, h, w = x.shape
    kh, kw = kernel
    sh, sw = strides
    dh, dw = dilations
    pt, pl, pb, pr = pads
    oh = pool_out(h, kh, sh, pt, pb, dh, ceil)
    ow = pool_out(w, kw, sw, pl, pr, dw, ceil)
    # Pad generously on the bottom/right for ceil_mode windows.
    eb = max(0, (oh - 1) * sh + (kh - 1) * dh + 1 - (h + pt + pb))
    er = max(0, (ow - 1) * sw + (kw - 1) * dw + 1 - (w + pl + pr))
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb + eb), (pl, pr + er)), constant_values=fill)
    inside = np.pad(np.ones((h, w)), ((pt, pb + eb), (pl, pr + er)))
    padded = np.pad(np.ones((h + pt + pb, w + pl + pr)), ((0, eb), (0, er)))
    out = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            ys = slice(i * sh, i * sh + (kh - 1) * dh + 1, dh)
            xs = slice(j * sw, j * sw + (kw - 1) * dw + 1, dw)
            win = xp[:, :, ys, xs]
            if kind == "max":
                out[:, :, i, j] = win.max(axis=(2, 3))
            else:
                count = (padded if count_include_pad else inside)[ys, xs].sum()
                out[:, :, i, j] = win.sum(axis=(2, 3)) / max(count, 1)
    return out


# ----------------------------------------------------------------------------

class QTensor:
    """A quantized tensor of the graph: its integer tensor's name, its
    quantization and the calibration values (dequantized codes)."""

    def __init__(self, name, scale, zp, dtype, value):
        self.name = name
        self.scale = scale      # np.float32
        self.zp = zp            # int
        self.dtype = dtype      # np.uint8 / np.int8
        self.value = value      # float64, dequantized
        self.dq_name = None     # a shared DequantizeLinear output (ORT style)

    @property
    def shape(self):
        return self.value.shape


def onnx_type(dtype):
    return {np.uint8: TensorProto.UINT8, np.int8: TensorProto.INT8,
            np.int32: TensorProto.INT32, np.float32: TensorProto.FLOAT}[dtype]


def qrange(dtype):
    return (0, 255) if dtype == np.uint8 else (-128, 127)


def quantize_np(value, scale, zp, dtype):
    lo, hi = qrange(dtype)
    return np.clip(np.rint(value / np.float64(scale)) + zp, lo, hi)


class Builder:
    def __init__(self, rng, name):
        self.rng = rng
        self.name = name
        self.nodes = []
        self.inits = []
        self.inputs = []
        self.outputs = []
        self.counter = 0
        self.use_constants = rng.random() < 0.35      # PyTorch: Constant nodes
        self.pytorch_cast = rng.random() < 0.3         # Q -> Cast -> DQ
        self.shared_dq = rng.random() < 0.5            # ORT: one DQ per tensor
        self.act_dtype = np.uint8 if rng.random() < 0.6 else np.int8
        self.symmetric_act = self.act_dtype == np.int8 and rng.random() < 0.3
        self.features = set()
        self.layers = []  # (groups, rows K, columns N) of every crossbar layer

    # -- names and parameters ------------------------------------------------
    def fresh(self, hint):
        self.counter += 1
        return f"{hint}_{self.counter}"

    def const(self, array, hint):
        name = self.fresh(hint)
        tensor = numpy_helper.from_array(np.asarray(array), name)
        if self.use_constants:
            self.nodes.append(helper.make_node("Constant", [], [name], value=tensor,
                                               name=name + "_const"))
        else:
            self.inits.append(tensor)
        return name

    def node(self, op, inputs, hint, **attrs):
        out = self.fresh(hint)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out + "_" + op, **attrs))
        return out

    def choose_qparams(self, value, dtype=None, nonneg=False):
        """Scale and zero point covering `value` (jittered: some saturate)."""
        rng = self.rng
        dtype = dtype or self.act_dtype
        lo = min(float(value.min()), 0.0)
        hi = max(float(value.max()), 0.0)
        if nonneg:
            lo = 0.0
        lo, hi = round_sig(lo), round_sig(hi)
        if hi - lo < 1e-6:
            hi = lo + 1.0
        jitter = rng.uniform(0.75, 1.1)
        qlo, qhi = qrange(dtype)
        if dtype == np.int8 and self.symmetric_act and not nonneg:
            scale = max(abs(lo), abs(hi)) / 127.0 * jitter
            zp = 0
        else:
            scale = (hi - lo) / 255.0 * jitter
            zp = int(np.clip(round(qlo - lo / scale), qlo, qhi))
        scale = np.float32(round_sig(scale) * rng.uniform(0.995, 1.005))
        return scale, zp

    def quantize(self, fname, value, dtype=None, nonneg=False, params=None):
        """QuantizeLinear of float tensor `fname` (calibration `value`)."""
        dtype = dtype or self.act_dtype
        scale, zp = params or self.choose_qparams(value, dtype, nonneg)
        s = self.const(np.float32(scale), "scale")
        z = self.const(np.array(zp, dtype=dtype), "zp")
        q = self.node("QuantizeLinear", [fname, s, z], "q")
        if self.pytorch_cast:
            q = self.node("Cast", [q], "cast", to=onnx_type(dtype))
        codes = quantize_np(value, scale, zp, dtype)
        return QTensor(q, np.float32(scale), zp, dtype, (codes - zp) * np.float64(scale))

    def dequantize(self, t):
        if self.shared_dq and t.dq_name:
            return t.dq_name
        s = self.const(np.float32(t.scale), "scale")
        z = self.const(np.array(t.zp, dtype=t.dtype), "zp")
        out = self.node("DequantizeLinear", [t.name, s, z], "dq")
        if self.shared_dq:
            t.dq_name = out
        return out

    def weights(self, shape, axis):
        """int8 or uint8 weights, per-tensor or per-channel (along `axis`) scales and
        zero points; returns (codes, scales, zps, per_channel)."""
        rng = self.rng
        fan_in = int(np.prod(shape)) // shape[axis]
        kind = rng.choice(["full", "full", "full", "narrow", "ternary"], p=[.3, .3, .2, .12, .08])
        if kind == "ternary":
            w = rng.integers(-1, 2, size=shape)
            self.features.add("ternary-weights")
        elif kind == "narrow":
            w = rng.integers(-8, 8, size=shape)
            self.features.add("4bit-weights")
        else:
            w = np.clip(np.rint(rng.normal(0, rng.uniform(20, 70), size=shape)), -128, 127)
            if rng.random() < 0.3:
                w.flat[rng.integers(w.size)] = -128
        per_channel = rng.random() < 0.7
        nch = shape[axis] if per_channel else 1
        base = 1.0 / (math.sqrt(fan_in) * float(np.abs(w).mean() + 1))
        scales = np.array([np.float32(round_sig(base * rng.uniform(0.5, 2.0)))
                           for _ in range(nch)], dtype=np.float32)
        zshape = [-1 if i == axis else 1 for i in range(len(shape))]
        r = rng.random()
        if r < 0.15 and kind == "full":
            # Asymmetric int8 weights (ORT's non-symmetric mode).
            zps = rng.integers(-20, 21, size=nch).astype(np.int8)
            w = np.clip(w + zps.reshape(zshape if per_channel else [1] * len(shape)), -128, 127)
            self.features.add("weight-zp")
        elif r < 0.3:
            # uint8 weights (ORT's QUInt8 weight type): zero points around
            # 128, or 0 (all-positive weights, magnitudes up to 255).
            if rng.random() < 0.2:
                zps = np.zeros(nch, dtype=np.uint8)
                w = np.abs(w) * (2 if kind == "full" else 1)
            else:
                zps = rng.integers(100, 157, size=nch).astype(np.uint8)
                w = w + zps.reshape(zshape if per_channel else [1] * len(shape)).astype(np.int64)
            self.features.add("uint8-weights")
            return np.clip(w, 0, 255).astype(np.uint8), scales, zps, per_channel
        else:
            zps = np.zeros(nch, dtype=np.int8)
        if per_channel:
            self.features.add("per-channel")
        return w.astype(np.int8), scales, zps, per_channel

    def dq_weight(self, w, scales, zps, per_channel, axis):
        wn = self.const(w, "w")
        if per_channel:
            s = self.const(scales, "w_scale")
            z = self.const(zps, "w_zp")
            return self.node("DequantizeLinear", [wn, s, z], "w_dq", axis=axis)
        s = self.const(np.float32(scales[0]), "w_scale")
        z = self.const(zps[:1].reshape(()), "w_zp")
        return self.node("DequantizeLinear", [wn, s, z], "w_dq")

    def float_weight(self, w, scales, zps, axis):
        shape = [1] * w.ndim
        shape[axis] = -1
        s = scales.reshape(shape) if scales.size > 1 else scales[0]
        z = zps.reshape(shape) if zps.size > 1 else zps[0]
        return (w.astype(np.float64) - z) * np.float64(1) * s.astype(np.float64)

    def bias(self, x, scales, nout, out_std):
        """A bias for an op with input x and weight scales: int32 DQ (scale
        s_x * s_w), a float initializer, or none. Returns (name, value)."""
        rng = self.rng
        r = rng.random()
        if r < 0.2:
            return None, None
        b = rng.normal(0, max(out_std, 1e-3) * 0.5, size=nout)
        sw = np.broadcast_to(scales, (nout,)).astype(np.float32)
        if r < 0.85:
            bscale = (np.float32(x.scale) * sw).astype(np.float32)
            codes = np.rint(b / bscale.astype(np.float64)).astype(np.int32)
            if rng.random() < 0.5:
                codes = np.trunc(b / bscale.astype(np.float64)).astype(np.int32)
            bn = self.const(codes, "b")
            sn = self.const(bscale, "b_scale")
            if self.use_constants and rng.random() < 0.5:
                # PyTorch: zero point as Cast(ConstantOfShape).
                shape = self.const(np.array([nout], dtype=np.int64), "b_zp_shape")
                cz = self.node("ConstantOfShape", [shape], "b_zp0",
                               value=numpy_helper.from_array(np.array([0], dtype=np.int32)))
                zn = self.node("Cast", [cz], "b_zp", to=TensorProto.INT32)
            else:
                zn = self.const(np.zeros(nout, dtype=np.int32), "b_zp")
            out = self.node("DequantizeLinear", [bn, sn, zn], "b_dq", axis=0)
            return out, codes.astype(np.float64) * bscale.astype(np.float64)
        self.features.add("float-bias")
        b = b.astype(np.float32)
        return self.const(b, "b"), b.astype(np.float64)

    # -- layers (QDQ form) ---------------------------------------------------
    def activation(self, fname, value):
        """Optional Relu / Clip after an op; returns (name, value, nonneg)."""
        r = self.rng.random()
        if r < 0.45:
            self.features.add("relu")
            return self.node("Relu", [fname], "relu"), np.maximum(value, 0), True
        if r < 0.52:
            hi = float(np.float32(round_sig(max(float(value.max()) * 0.6, 0.1))))
            self.features.add("clip")
            lo_n = self.const(np.float32(0), "clip_lo")
            hi_n = self.const(np.float32(hi), "clip_hi")
            return (self.node("Clip", [fname, lo_n, hi_n], "clip"),
                    np.clip(value, 0, hi), True)
        return fname, value, False

    def conv_params(self, x, depthwise=False, keep_shape=False):
        rng = self.rng
        n, c, h, w = x.shape
        for _ in range(100):
            if depthwise:
                group = c
                cout = c * int(rng.choice([1, 1, 2]))
            else:
                group = 1
                if c > 1 and rng.random() < 0.2:
                    divisors = [g for g in range(2, c + 1) if c % g == 0]
                    group = int(rng.choice(divisors))
                cout = int(rng.integers(1, 17))
                if group > 1:
                    cout = group * int(rng.integers(1, max(2, 16 // group) + 1))
            if keep_shape:
                k = int(rng.choice([1, 3]))
                kernel, strides, dil = (k, k), (1, 1), (1, 1)
                pads = (k // 2,) * 4
                cout = c if not depthwise else c
            else:
                kh = int(rng.choice([1, 2, 3, 3, 3, 5]))
                kw = kh if rng.random() < 0.8 else int(rng.choice([1, 2, 3]))
                kernel = (kh, kw)
                strides = (int(rng.choice([1, 1, 1, 2, 3])),) * 2
                if rng.random() < 0.15:
                    strides = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
                dil = (1, 1) if rng.random() < 0.8 else (int(rng.integers(1, 3)),) * 2
                if rng.random() < 0.5:
                    pads = tuple(int(rng.integers(0, (kernel[i % 2] - 1) * dil[i % 2] + 1))
                                 for i in range(4))
                else:
                    pads = ((kh - 1) * dil[0] // 2, (kw - 1) * dil[1] // 2) * 2
            oh = (h + pads[0] + pads[2] - ((kernel[0] - 1) * dil[0] + 1)) // strides[0] + 1
            ow = (w + pads[1] + pads[3] - ((kernel[1] - 1) * dil[1] + 1)) // strides[1] + 1
            if oh >= 1 and ow >= 1:
                return cout, group, kernel, strides, pads, dil
        return c, 1, (1, 1), (1, 1), (0, 0, 0, 0), (1, 1)

    def conv(self, x, depthwise=False, keep_shape=False, qoperator=False):
        rng = self.rng
        cout, group, kernel, strides, pads, dil = self.conv_params(x, depthwise, keep_shape)
        cg = x.shape[1] // group
        self.layers.append((group, cg * kernel[0] * kernel[1], cout // group))
        w, ws, wzp, per_channel = self.weights((cout, cg) + kernel, 0)
        wf = self.float_weight(w, ws, wzp, 0)
        pre = conv2d(x.value, wf, None, strides, [pads[0], pads[1], pads[2], pads[3]], dil, group)
        onnx_pads = [pads[0], pads[1], pads[2], pads[3]]
        attrs = dict(kernel_shape=list(kernel), strides=list(strides), dilations=list(dil),
                     group=group)
        auto = None
        if not qoperator and not keep_shape and rng.random() < 0.1 and strides == (1, 1) \
                and dil == (1, 1):
            auto = str(rng.choice(["SAME_UPPER", "SAME_LOWER", "VALID"]))
            if auto == "VALID" and (kernel[0] > x.shape[2] or kernel[1] > x.shape[3]):
                auto = "SAME_UPPER"
            if auto == "VALID":
                onnx_pads = [0, 0, 0, 0]
            else:
                ph, pw = kernel[0] - 1, kernel[1] - 1
                big = auto == "SAME_UPPER"
                onnx_pads = [ph // 2 if big else ph - ph // 2, pw // 2 if big else pw - pw // 2,
                             ph - ph // 2 if big else ph // 2, pw - pw // 2 if big else pw // 2]
            pre = conv2d(x.value, wf, None, strides, onnx_pads, dil, group)
            attrs["auto_pad"] = auto
            self.features.add("auto_pad")
        else:
            attrs["pads"] = onnx_pads
        if pads[0] != pads[2] or pads[1] != pads[3] or onnx_pads[0] != onnx_pads[2]:
            self.features.add("asymmetric-pads")
        if group > 1:
            self.features.add("depthwise" if group == x.shape[1] else "grouped")
        if strides != (1, 1):
            self.features.add("strides")
        if dil != (1, 1):
            self.features.add("dilations")
        if qoperator:
            return self.qlinear_conv(x, w, ws, wzp, per_channel, attrs, pre)
        bname, bval = self.bias(x, ws, cout, float(pre.std()))
        if bval is not None:
            pre = pre + bval.reshape(1, -1, 1, 1)
        inputs = [self.dequantize(x), self.dq_weight(w, ws, wzp, per_channel, 0)]
        if bname:
            inputs.append(bname)
        y = self.node("Conv", inputs, "conv", **attrs)
        self.features.add("conv")
        y, value, nonneg = self.activation(y, pre)
        return self.quantize(y, value, nonneg=nonneg)

    def qlinear_conv(self, x, w, ws, wzp, per_channel, attrs, pre):
        rng = self.rng
        cout = w.shape[0]
        inputs = [x.name, self.const(np.float32(x.scale), "x_scale"),
                  self.const(np.array(x.zp, dtype=x.dtype), "x_zp"), self.const(w, "w"),
                  self.const(ws if per_channel else np.float32(ws[0]), "w_scale"),
                  self.const(wzp if per_channel else wzp[:1].reshape(()), "w_zp")]
        # Bias: int32 in units of x_scale * w_scale.
        bcodes = None
        if rng.random() < 0.8:
            bscale = (np.float32(x.scale) * np.broadcast_to(ws, (cout,))).astype(np.float64)
            bcodes = np.rint(rng.normal(0, pre.std() * 0.5 + 1e-3, cout) / bscale).astype(np.int32)
            pre = pre + (bcodes * bscale).reshape(1, -1, 1, 1)
        relu = rng.random() < 0.3
        value = np.maximum(pre, 0) if relu else pre
        scale, zp = self.choose_qparams(value, nonneg=relu)
        inputs += [self.const(np.float32(scale), "y_scale"),
                   self.const(np.array(zp, dtype=self.act_dtype), "y_zp")]
        if bcodes is not None:
            inputs.append(self.const(bcodes, "b"))
        y = self.node("QLinearConv", inputs, "qconv", **attrs)
        self.features.add("QLinearConv")
        codes = quantize_np(value, scale, zp, self.act_dtype)
        return QTensor(y, np.float32(scale), zp, self.act_dtype, (codes - zp) * np.float64(scale))

    def linear(self, x, qoperator=False):
        """Gemm (2-D input) or MatMul (2-D or 3-D input) with a constant weight."""
        rng = self.rng
        k = x.shape[-1]
        nout = int(rng.choice([int(rng.integers(1, 33)), int(rng.integers(1, 33)),
                               int(rng.integers(33, 200))]))
        use_gemm = x.value.ndim == 2 and not qoperator and rng.random() < 0.6
        trans_b = use_gemm and rng.random() < 0.7
        self.layers.append((1, k, nout))
        wshape = (nout, k) if trans_b else (k, nout)
        axis = 0 if trans_b else 1
        w, ws, wzp, per_channel = self.weights(wshape, axis)
        wf = self.float_weight(w, ws, wzp, axis)
        wmat = wf.T if trans_b else wf
        pre = x.value @ wmat
        if qoperator:
            return self.qlinear_matmul(x, w, ws, wzp, per_channel, pre)
        if use_gemm:
            alpha = 1.0 if rng.random() < 0.85 else float(np.float32(rng.choice([0.5, 2.0, 0.75])))
            pre = pre * alpha
            bname, bval = self.bias(x, ws * np.float32(alpha) if alpha != 1.0 else ws,
                                    nout, float(pre.std()))
            inputs = [self.dequantize(x), self.dq_weight(w, ws, wzp, per_channel, axis)]
            attrs = {"transB": 1} if trans_b else {}
            if alpha != 1.0:
                attrs["alpha"] = alpha
                self.features.add("gemm-alpha")
            if bname:
                inputs.append(bname)
                pre = pre + bval
            y = self.node("Gemm", inputs, "gemm", **attrs)
            self.features.add("gemm")
        else:
            y = self.node("MatMul", [self.dequantize(x),
                                     self.dq_weight(w, ws, wzp, per_channel, axis)], "matmul")
            self.features.add("matmul" if x.value.ndim == 2 else "matmul-3d")
            bname, bval = self.bias(x, ws, nout, float(pre.std()))
            if bname:
                y = self.node("Add", [y, bname], "bias_add")
                pre = pre + bval
        y, value, nonneg = self.activation(y, pre)
        return self.quantize(y, value, nonneg=nonneg)

    def qlinear_matmul(self, x, w, ws, wzp, per_channel, pre):
        # ONNX 1.12 QLinearMatMul: per-tensor or per-column b scale/zp.
        inputs = [x.name, self.const(np.float32(x.scale), "a_scale"),
                  self.const(np.array(x.zp, dtype=x.dtype), "a_zp"), self.const(w, "b"),
                  self.const(ws if per_channel else np.float32(ws[0]), "b_scale"),
                  self.const(wzp if per_channel else wzp[:1].reshape(()), "b_zp")]
        scale, zp = self.choose_qparams(pre)
        inputs += [self.const(np.float32(scale), "y_scale"),
                   self.const(np.array(zp, dtype=self.act_dtype), "y_zp")]
        y = self.node("QLinearMatMul", inputs, "qmatmul")
        self.features.add("QLinearMatMul")
        codes = quantize_np(pre, scale, zp, self.act_dtype)
        return QTensor(y, np.float32(scale), zp, self.act_dtype, (codes - zp) * np.float64(scale))

    def same_params(self, x, fname, value):
        """Q with the input's own scale and zero point (pass-through ops)."""
        return self.quantize(fname, value, dtype=x.dtype, params=(x.scale, x.zp))

    def maxpool(self, x, on_codes=False):
        rng = self.rng
        n, c, h, w = x.shape
        k = int(rng.choice([2, 2, 3]))
        k = min(k, h, w) if min(h, w) >= 1 else 1
        kernel = (k, k)
        s = int(rng.choice([1, 2, 2]))
        pads = (0, 0, 0, 0)
        if rng.random() < 0.3 and k > 1:
            pads = tuple(int(rng.integers(0, k // 2 + 1)) for _ in range(4))
            self.features.add("pool-pads")
        ceil = rng.random() < 0.15
        dil = (1, 1)
        if rng.random() < 0.1 and min(h, w) >= 2 * k:
            dil = (2, 2)
            self.features.add("pool-dilations")
        if pool_out(h, k, s, pads[0], pads[2], dil[0], ceil) < 1 or \
                pool_out(w, k, s, pads[1], pads[3], dil[1], ceil) < 1:
            kernel, s, pads, ceil, dil = (1, 1), 1, (0, 0, 0, 0), False, (1, 1)
        attrs = dict(kernel_shape=list(kernel), strides=[s, s], pads=list(pads))
        if ceil:
            attrs["ceil_mode"] = 1
            self.features.add("ceil_mode")
        if dil != (1, 1):
            attrs["dilations"] = list(dil)
        value = pool2d(x.value, "max", kernel, (s, s), pads, dil, ceil)
        self.features.add("maxpool")
        if on_codes:
            # QOperator form: MaxPool directly on the integer codes.
            y = self.node("MaxPool", [x.name], "maxpool", **attrs)
            return QTensor(y, x.scale, x.zp, x.dtype, value)
        y = self.node("MaxPool", [self.dequantize(x)], "maxpool", **attrs)
        return self.same_params(x, y, value)

    def avgpool(self, x):
        rng = self.rng
        n, c, h, w = x.shape
        k = int(min(rng.choice([2, 3]), h, w))
        s = int(rng.choice([1, 2]))
        pads = (0, 0, 0, 0)
        include = 0
        if rng.random() < 0.35 and k > 1:
            pads = tuple(int(rng.integers(0, k // 2 + 1)) for _ in range(4))
            include = int(rng.random() < 0.5)
            self.features.add("pool-pads")
        ceil = rng.random() < 0.1
        if pool_out(h, k, s, pads[0], pads[2], 1, ceil) < 1 or \
                pool_out(w, k, s, pads[1], pads[3], 1, ceil) < 1:
            k, s, pads, ceil = 1, 1, (0, 0, 0, 0), False
        attrs = dict(kernel_shape=[k, k], strides=[s, s], pads=list(pads))
        if include:
            attrs["count_include_pad"] = 1
        if ceil:
            attrs["ceil_mode"] = 1
            self.features.add("ceil_mode")
        value = pool2d(x.value, "avg", (k, k), (s, s), pads, (1, 1), ceil, include)
        y = self.node("AveragePool", [self.dequantize(x)], "avgpool", **attrs)
        self.features.add("avgpool")
        if rng.random() < 0.5:
            return self.same_params(x, y, value)
        return self.quantize(y, value)

    def global_avgpool(self, x):
        value = x.value.mean(axis=(2, 3), keepdims=True)
        y = self.node("GlobalAveragePool", [self.dequantize(x)], "gap")
        self.features.add("globalavgpool")
        if self.rng.random() < 0.5:
            return self.same_params(x, y, value)
        return self.quantize(y, value)

    def relu(self, x):
        y = self.node("Relu", [self.dequantize(x)], "relu")
        self.features.add("relu-standalone")
        value = np.maximum(x.value, 0)
        if self.rng.random() < 0.5:
            return self.same_params(x, y, value)
        return self.quantize(y, value, nonneg=True)

    def add(self, a, b):
        y = self.node("Add", [self.dequantize(a), self.dequantize(b)], "add")
        value = a.value + b.value
        self.features.add("add")
        if self.rng.random() < 0.5:
            y = self.node("Relu", [y], "relu")
            value = np.maximum(value, 0)
            return self.quantize(y, value, nonneg=True)
        return self.quantize(y, value)

    def concat(self, parts):
        y = self.node("Concat", [self.dequantize(p) for p in parts], "concat", axis=1)
        self.features.add("concat")
        return self.quantize(y, np.concatenate([p.value for p in parts], axis=1))

    def flatten(self, x, on_codes=False):
        n = x.shape[0]
        value = x.value.reshape(n, -1)
        self.features.add("flatten")
        if on_codes:
            y = self.node("Flatten", [x.name], "flatten", axis=1)
            return QTensor(y, x.scale, x.zp, x.dtype, value)
        y = self.node("Flatten", [self.dequantize(x)], "flatten", axis=1)
        return self.same_params(x, y, value)

    # -- model ---------------------------------------------------------------
    def graph_input(self, name, shape, dynamic_batch, value):
        dims = list(shape)
        if dynamic_batch:
            dims[0] = "N"
        self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, dims))
        return name

    def finish_output(self, t, dynamic_batch, dequantized=True):
        dims = list(t.shape)
        if dynamic_batch:
            dims[0] = "N"
        if dequantized:
            s = self.const(np.float32(t.scale), "scale")
            z = self.const(np.array(t.zp, dtype=t.dtype), "zp")
            out = f"out{len(self.outputs)}"
            self.nodes.append(helper.make_node("DequantizeLinear", [t.name, s, z], [out],
                                               name=out + "_dq"))
            self.outputs.append(helper.make_tensor_value_info(out, TensorProto.FLOAT, dims))
        else:
            out = f"out{len(self.outputs)}"
            self.nodes.append(helper.make_node("Identity", [t.name], [out], name=out + "_id"))
            self.outputs.append(helper.make_tensor_value_info(out, onnx_type(t.dtype), dims))
            self.features.add("integer-output")

    def arrays(self, rows, cols, per_tile):
        """About how many arrays the model needs on a rows x cols target
        (every group of a grouped conv is its own tile)."""
        return per_tile * sum(g * -(-k // rows) * -(-n // cols) for g, k, n in self.layers)

    def model(self):
        graph = helper.make_graph(self.nodes, self.name, self.inputs, self.outputs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="ohm gen_random_models.py")
        model.ir_version = 7
        return model


def build_cnn(b, rng, qoperator):
    """Conv trunk with pools, residuals and concats; optional linear head."""
    batch = int(rng.choice([1, 1, 1, 2, 3]))
    dynamic = batch > 1 or rng.random() < 0.2
    c = int(rng.choice([1, 2, 3, 4, 8]))
    h = int(rng.integers(5, 15))
    w = h if rng.random() < 0.7 else int(rng.integers(5, 15))
    image_like = rng.random() < 0.4
    x = (rng.random((batch, c, h, w)) if image_like else rng.standard_normal((batch, c, h, w)))
    x = x.astype(np.float32)
    inputs = {"input": x}
    name = b.graph_input("input", x.shape, dynamic, x)
    t = b.quantize(name, x.astype(np.float64), nonneg=image_like)
    second = None
    if not qoperator and rng.random() < 0.1:
        x2 = rng.standard_normal((batch, c, h, w)).astype(np.float32)
        inputs["input2"] = x2
        n2 = b.graph_input("input2", x2.shape, dynamic, x2)
        second = b.quantize(n2, x2.astype(np.float64))
        b.features.add("two-inputs")
    extra_outputs = []
    layers = int(rng.integers(1, 5))
    for _ in range(layers):
        r = rng.random()
        if second is not None and t.shape == second.shape:
            t = b.add(t, second) if rng.random() < 0.5 else b.concat([t, second])
            second = None
            continue
        if qoperator:
            if r < 0.7:
                t = b.conv(t, depthwise=rng.random() < 0.2, qoperator=True)
            elif min(t.shape[2:]) >= 2:
                t = b.maxpool(t, on_codes=True)
            continue
        if r < 0.35:
            t = b.conv(t)
        elif r < 0.45:
            t = b.conv(t, depthwise=True)
        elif r < 0.58:
            # Residual block: conv(s) keeping the shape, then Add.
            branch = b.conv(t, keep_shape=True, depthwise=rng.random() < 0.3)
            if rng.random() < 0.4:
                branch = b.conv(branch, keep_shape=True)
            t = b.add(t, branch) if rng.random() < 0.5 else b.add(branch, t)
        elif r < 0.68:
            # Concat of branches of the same spatial size.
            parts = [t, b.conv(t, keep_shape=True)]
            if rng.random() < 0.4:
                parts.append(b.relu(t) if rng.random() < 0.5 else
                             b.conv(t, keep_shape=True, depthwise=True))
            rng.shuffle(parts)
            t = b.concat(parts)
        elif r < 0.8 and min(t.shape[2:]) >= 2:
            t = b.maxpool(t)
        elif r < 0.9 and min(t.shape[2:]) >= 2:
            t = b.avgpool(t)
        else:
            t = b.relu(t)
        if rng.random() < 0.08:
            extra_outputs.append(t)
    head = rng.random()
    if head < 0.45:
        if not qoperator and rng.random() < 0.5:
            t = b.global_avgpool(t)
        t = b.flatten(t, on_codes=qoperator)
        t = b.linear(t, qoperator=qoperator)
        if rng.random() < 0.3:
            t = b.linear(t, qoperator=qoperator)
    elif head < 0.6 and not qoperator:
        t = b.global_avgpool(t)
    return t, inputs, dynamic, extra_outputs


def build_mlp(b, rng, qoperator):
    batch = int(rng.choice([1, 1, 2, 4]))
    dynamic = batch > 1 or rng.random() < 0.2
    three_d = not qoperator and rng.random() < 0.2
    f = int(rng.choice([int(rng.integers(1, 40)), int(rng.integers(40, 300))]))
    shape = (batch, int(rng.integers(2, 6)), f) if three_d else (batch, f)
    x = rng.standard_normal(shape).astype(np.float32)
    name = b.graph_input("input", x.shape, dynamic, x)
    t = b.quantize(name, x.astype(np.float64))
    for _ in range(int(rng.integers(1, 4))):
        if three_d:
            t = b.linear(t)  # MatMul on 3-D
        else:
            t = b.linear(t, qoperator=qoperator)
        if not qoperator and rng.random() < 0.15:
            t = b.relu(t)
    return t, {"input": x}, dynamic, []


# Array budgets: wei2020-nvcim has 256 arrays of 256 x 256 1-bit cells (2
# signs x 8 slices per tile), default 512 of 128 x 128 2-bit cells.
BUDGETS = [(256, 256, 16, 240), (128, 128, 8, 480)]


def generate(index, rng, out_dir):
    name = f"g{index:04d}"
    # Draw until the model fits every target's arrays (deterministic: the
    # same generator state gives the same draws).
    for _ in range(50):
        b = Builder(rng, name)
        qoperator = rng.random() < 0.2
        if qoperator:
            b.pytorch_cast = False
        kind = "cnn" if rng.random() < 0.75 else "mlp"
        t, inputs, dynamic, extra = (build_cnn if kind == "cnn" else build_mlp)(b, rng, qoperator)
        if all(b.arrays(r, c, per) <= most for r, c, per, most in BUDGETS):
            break
    else:
        raise RuntimeError(f"{name}: no model within the array budget")
    for e in extra:
        b.finish_output(e, dynamic)
        b.features.add("several-outputs")
    b.finish_output(t, dynamic, dequantized=rng.random() < 0.85)
    model = b.model()
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    for out in inferred.graph.output:
        declared = [d.dim_value or d.dim_param for d in out.type.tensor_type.shape.dim]
        assert all(isinstance(d, str) or d > 0 for d in declared), (name, declared)
    path = os.path.join(out_dir, name + ".onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    for input_name, value in inputs.items():
        np.save(os.path.join(out_dir, f"{name}.{input_name}.npy"), value)
    form = "qoperator" if qoperator else "qdq"
    return name, f"{form} {kind} {b.act_dtype.__name__}-activations", sorted(b.features)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for file in os.listdir(args.out):
        if file.startswith("g") and (file.endswith(".onnx") or file.endswith(".npy")):
            os.remove(os.path.join(args.out, file))
    seeds = np.random.SeedSequence(args.seed).spawn(args.count)
    totals = {}
    for index in range(args.count):
        rng = np.random.default_rng(seeds[index])
        name, kind, features = generate(index, rng, args.out)
        for feature in features + kind.split():
            totals[feature] = totals.get(feature, 0) + 1
        if args.verbose:
            print(f"{name}: {kind}: {' '.join(features)}")
    print(f"gen_random_models: {args.count} models in {args.out} (seed {args.seed}); models with: "
          + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
