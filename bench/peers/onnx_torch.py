"""A small ONNX interpreter on torch.nn.functional, for the PyTorch peer.

Debian's torch has no ONNX importer, so the five bench networks are run node by
node. Only the ops those networks contain are implemented; anything else raises,
so a new network cannot be timed silently wrong. Weights are fp32 tensors with
requires_grad=False: only the input ever needs a gradient.
"""
import torch
import torch.nn.functional as F

import onnx_graph


def _pair_pads(pads):
    """ONNX pads [top, left, bottom, right] -> (symmetric (ph, pw)) or None if asymmetric."""
    t, l, b, r = pads
    return (t, l) if (t, l) == (b, r) else None


def _conv(x, w, b, a):
    pads = a.get("pads", [0, 0, 0, 0])
    sym = _pair_pads(pads)
    if sym is None:  # MobileNet's TF-style "SAME" stride-2 convs pad only bottom/right
        x = F.pad(x, (pads[1], pads[3], pads[0], pads[2]))
        sym = (0, 0)
    return F.conv2d(x, w, b, stride=a.get("strides", [1, 1]), padding=sym,
                    dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))


def _pool(x, a, fn, pad_value):
    pads = a.get("pads", [0, 0, 0, 0])
    sym = _pair_pads(pads)
    if sym is None:
        if fn is F.avg_pool2d:  # padding by hand would count the pads in the average
            raise NotImplementedError("AveragePool with asymmetric pads")
        x = F.pad(x, (pads[1], pads[3], pads[0], pads[2]), value=pad_value)
        sym = (0, 0)
    kw = dict(kernel_size=a["kernel_shape"], stride=a.get("strides", [1, 1]), padding=sym,
              ceil_mode=bool(a.get("ceil_mode", 0)))
    if fn is F.avg_pool2d:
        kw["count_include_pad"] = bool(a.get("count_include_pad", 0))
    return fn(x, **kw)


def _gemm(x, w, c, a):
    alpha, beta = a.get("alpha", 1.0), a.get("beta", 1.0)
    if a.get("transB", 0) and not a.get("transA", 0) and alpha == beta == 1 and (c is None or c.dim() == 1):
        return F.linear(x, w, c)  # the usual fully-connected layer: one fused addmm, as torch runs it
    y = (x.t() if a.get("transA", 0) else x) @ (w.t() if a.get("transB", 0) else w)
    y = y * alpha if alpha != 1 else y
    return y if c is None else y + c * beta


def _clip(x, lo, hi, a):
    lo = float(lo) if lo is not None else a.get("min", float("-inf"))
    hi = float(hi) if hi is not None else a.get("max", float("inf"))
    return torch.clamp(x, lo, hi)


def _flatten(x, axis):
    outer = 1
    for d in x.shape[:axis]:
        outer *= d
    return x.reshape(outer, -1)


def _reshape(x, shape):
    shape = [int(s) for s in shape]
    shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]  # ONNX 0 = keep dim
    return x.reshape(shape)


# op -> f(inputs (tensors or None), attrs). Inputs that are initializers arrive as tensors too.
OPS = {
    "Conv": lambda i, a: _conv(i[0], i[1], i[2] if len(i) > 2 else None, a),
    "Relu": lambda i, a: F.relu(i[0]),
    "Clip": lambda i, a: _clip(i[0], i[1] if len(i) > 1 else None, i[2] if len(i) > 2 else None, a),
    "MaxPool": lambda i, a: _pool(i[0], a, F.max_pool2d, float("-inf")),
    "AveragePool": lambda i, a: _pool(i[0], a, F.avg_pool2d, 0.0),
    "GlobalAveragePool": lambda i, a: i[0].mean(dim=(2, 3), keepdim=True),
    "Concat": lambda i, a: torch.cat(i, dim=a["axis"]),
    "Add": lambda i, a: i[0] + i[1],
    "Mul": lambda i, a: i[0] * i[1],
    "Flatten": lambda i, a: _flatten(i[0], a.get("axis", 1)),
    "Reshape": lambda i, a: _reshape(i[0], i[1].tolist()),
    "Gemm": lambda i, a: _gemm(i[0], i[1], i[2] if len(i) > 2 else None, a),
    "MatMul": lambda i, a: i[0] @ i[1],
    "Softmax": lambda i, a: F.softmax(i[0], dim=a.get("axis", 1)),
    "BatchNormalization": lambda i, a: F.batch_norm(i[0], i[3], i[4], i[1], i[2], training=False,
                                                    eps=a.get("epsilon", 1e-5)),
}


class OnnxTorch:
    """forward(x) -> logits [1, K] (before any final Softmax), x NCHW float32."""

    def __init__(self, path):
        g = onnx_graph.load(path)
        missing = sorted({n["op"] for n in g["nodes"]} - OPS.keys())
        if missing:
            raise NotImplementedError(f"{path}: ops not supported by onnx_torch: {missing}")
        self.input, self.input_shape, self.nodes, self.logits = g["input"], g["input_shape"], g["nodes"], g["logits"]
        self.output_softmax = g["output_softmax"]
        self.weights = {k: torch.from_numpy(v.copy()).requires_grad_(False) for k, v in g["weights"].items()}

    def forward(self, x):
        env = dict(self.weights)
        env[self.input] = x
        for n in self.nodes:
            args = [env[name] if name else None for name in n["inputs"]]
            env[n["outputs"][0]] = OPS[n["op"]](args, n["attrs"])  # all these ops have one output
        return env[self.logits].reshape(1, -1)
