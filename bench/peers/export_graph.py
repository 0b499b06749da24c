"""Prepares the bench networks for the peers that cannot read ONNX as it is.

  /usr/bin/python3 bench/peers/export_graph.py OUT_DIR name=path.onnx ...

For each network writes, in OUT_DIR:
  <name>.graph.json + <name>.weights.bin  the fp32 graph of onnx_graph.py (nodes,
      attributes, shapes, weight offsets) that tfjs_bench.mjs interprets with tf ops;
  <name>.fp32.onnx  only for fp16 models: an exact fp32 copy, so that onnxruntime-web
      computes in fp32 like gradlens and the other peers (it runs the fp16 file too,
      about 2x slower: ort_bench.mjs times both);
and networks.json, the manifest every peer reads (a missing model is listed with
the reason it is skipped, so the table shows it instead of silently dropping it).
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

import onnx_graph


def jsonable(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def write_graph(g, out_dir, name):
    weights, blob, offset = {}, [], 0
    for key, a in g["weights"].items():
        if a.dtype == np.float32:
            weights[key] = {"shape": list(a.shape), "offset": offset}
            blob.append(a.ravel())
            offset += a.size
        else:  # small integer tensors (Reshape shapes): inline
            weights[key] = {"shape": list(a.shape), "values": a.ravel().tolist()}
    nodes = [{**n, "attrs": {k: jsonable(v) for k, v in n["attrs"].items()}} for n in g["nodes"]]
    graph = {k: g[k] for k in ("input", "input_shape", "logits", "output_softmax")}
    graph.update(nodes=nodes, weights=weights)
    with open(os.path.join(out_dir, f"{name}.graph.json"), "w") as f:
        json.dump(graph, f)
    data = np.concatenate(blob) if blob else np.zeros(0, np.float32)
    data.astype("<f4").tofile(os.path.join(out_dir, f"{name}.weights.bin"))


def write_fp32_onnx(src, dst):
    """fp16 -> fp32: initializers, Constant values, Cast targets and declared tensor types."""
    m = onnx.load(src)
    g = m.graph
    f16, f32 = onnx.TensorProto.FLOAT16, onnx.TensorProto.FLOAT
    for i, t in enumerate(g.initializer):
        if t.data_type == f16:
            g.initializer[i].CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float32), t.name))
    for n in g.node:
        for a in n.attribute:
            if n.op_type == "Cast" and a.name == "to" and a.i == f16:
                a.i = f32
            if n.op_type == "Constant" and a.name == "value" and a.t.data_type == f16:
                a.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(a.t).astype(np.float32)))
    for v in list(g.input) + list(g.output) + list(g.value_info):
        if v.type.tensor_type.elem_type == f16:
            v.type.tensor_type.elem_type = f32
    onnx.checker.check_model(m)
    onnx.save(m, dst)


def main(out_dir, specs):
    os.makedirs(out_dir, exist_ok=True)
    manifest = []
    for spec in specs:
        name, path = spec.split("=", 1)
        if not os.path.exists(path):
            manifest.append({"name": name, "skipped": f"{os.path.relpath(path)} is absent"})
            continue
        g = onnx_graph.load(path)
        write_graph(g, out_dir, name)
        ort_model = path
        if g["fp16"]:
            ort_model = os.path.join(out_dir, f"{name}.fp32.onnx")
            write_fp32_onnx(path, ort_model)
        manifest.append({"name": name, "onnx": os.path.abspath(path), "ort_onnx": os.path.abspath(ort_model),
                         "graph": os.path.abspath(os.path.join(out_dir, f"{name}.graph.json")),
                         "weights": os.path.abspath(os.path.join(out_dir, f"{name}.weights.bin")),
                         "input_shape": g["input_shape"], "output_softmax": g["output_softmax"],
                         "fp16": g["fp16"]})
        print(f"export_graph: {name}: {len(g['nodes'])} nodes to the logits", file=sys.stderr)
    with open(os.path.join(out_dir, "networks.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
