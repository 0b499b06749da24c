"""Reads an ONNX classifier into a plain, fp32 graph for the peer interpreters.

Shared by onnx_torch.py (PyTorch) and export_graph.py (TF.js), so both run the
same network that gradlens loads: every float initializer and Constant becomes
an fp32 numpy array (the SqueezeNet has fp16 weights), Identity / Dropout /
float Casts become aliases, and the graph is cut at the raw logits: when the
model's output is a Softmax (SqueezeNet, MobileNet), the saliency is taken on
the Softmax's input, as gradlens and cs231n do.
"""
import numpy as np
import onnx
from onnx import helper, numpy_helper

FLOAT_TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE}


def _array(tensor):
    a = numpy_helper.to_array(tensor)
    return a.astype(np.float32) if a.dtype.kind == "f" else a


def load(path):
    model = onnx.load(path)
    g = model.graph
    weights = {t.name: _array(t) for t in g.initializer}
    alias = {}  # tensor name -> the tensor it merely renames

    def real(name):
        while name in alias:
            name = alias[name]
        return name

    nodes = []
    for n in g.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        if n.op_type == "Constant":
            weights[n.output[0]] = _array(attrs["value"])
        elif n.op_type in ("Identity", "Dropout"):  # Dropout is the identity at inference
            alias[n.output[0]] = n.input[0]
        elif n.op_type == "Cast" and attrs["to"] in FLOAT_TYPES:  # everything is fp32 here
            alias[n.output[0]] = n.input[0]
        else:
            nodes.append({"op": n.op_type, "inputs": [real(i) if i else "" for i in n.input],
                          "outputs": list(n.output), "attrs": attrs})

    [inp] = [i for i in g.input if i.name not in weights]
    shape = [d.dim_value if d.dim_value > 0 else 1 for d in inp.type.tensor_type.shape.dim]  # batch 1

    # The raw logits: the graph's first output, or the input of the Softmax producing it.
    logits = real(g.output[0].name)
    producer = {o: n for n in nodes for o in n["outputs"]}
    softmax = producer.get(logits, {}).get("op") == "Softmax"
    if softmax:
        logits = producer[logits]["inputs"][0]

    # Keep only what the logits depend on (drops the Softmax and side outputs).
    needed, keep = {logits}, []
    for n in reversed(nodes):
        if any(o in needed for o in n["outputs"]):
            keep.append(n)
            needed.update(i for i in n["inputs"] if i)
    keep.reverse()
    return {"input": inp.name, "input_shape": shape, "nodes": keep, "weights": weights,
            "logits": logits, "output_softmax": softmax,
            "fp16": any(t.data_type == onnx.TensorProto.FLOAT16 for t in g.initializer)}


def bench_input(shape):
    """The deterministic input every bench uses: pixel k = (k*7919 % 255)/255, NCHW."""
    k = np.arange(int(np.prod(shape)), dtype=np.int64)
    return ((k * 7919 % 255) / 255).astype(np.float32).reshape(shape)
