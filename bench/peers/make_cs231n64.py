"""Writes build/bench/cs231n64.onnx: the cs231n 2016 "PretrainedCNN" with random weights.

Layout reproduced from CS231n (Winter 2016) assignment 3,
cs231n/classifiers/pretrained_cnn.py, class PretrainedCNN (the TinyImageNet-100
model used there for saliency maps, fooling images and class visualization):
  input 3x64x64, 9 x [conv - spatial batchnorm - relu] with
    filter_sizes = [5, 3, 3, 3, 3, 3, 3, 3, 3]
    num_filters  = [64, 64, 128, 128, 256, 256, 512, 512, 1024]
    stride/pad   = 2/2, then alternately 1/1 and 2/1 (stride 2 on layers 1,3,5,7,9)
  so the last map is 1024x2x2; then [affine(4096->512) - batchnorm - relu] and
  affine(512->100) giving the class scores.
There is no average pool in the original: the 2x2 map is flattened into the
hidden affine layer, as here.

Weights are random (fixed seed), drawn like the original's init (He:
sqrt(2/fan_in) * randn, zero biases); the batchnorm statistics are random too
so that the eval-mode folding into the convolutions is not a no-op.
Exported with opset 13, constant folding, no dynamic axes (batch 1), so the
graph is Conv/Relu/Flatten/Gemm (+ BatchNormalization where torch does not fold).
Run with /usr/bin/python3 (Debian's torch).
"""
import os
import sys

import torch
from torch import nn

FILTER_SIZES = [5, 3, 3, 3, 3, 3, 3, 3, 3]
NUM_FILTERS = [64, 64, 128, 128, 256, 256, 512, 512, 1024]
CONV_PARAMS = [(2, 2)] + [(1, 1), (2, 1)] * 4  # (stride, pad) per conv layer
HIDDEN, CLASSES, SIZE = 512, 100, 64


def he_(weight, fan_in):
    with torch.no_grad():
        weight.copy_(torch.randn_like(weight) * (2.0 / fan_in) ** 0.5)


def random_bn_(bn):
    # Plausible trained statistics; only their being non-trivial matters.
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.normal_(0, 0.1)
        bn.running_mean.normal_(0, 0.1)
        bn.running_var.uniform_(0.5, 1.5)


def build():
    layers, prev, size = [], 3, SIZE
    for f, n, (stride, pad) in zip(FILTER_SIZES, NUM_FILTERS, CONV_PARAMS):
        conv = nn.Conv2d(prev, n, f, stride=stride, padding=pad)
        he_(conv.weight, f * f * prev)
        nn.init.zeros_(conv.bias)
        bn = nn.BatchNorm2d(n)
        random_bn_(bn)
        layers += [conv, bn, nn.ReLU()]
        prev, size = n, size // stride
    fc1 = nn.Linear(size * size * prev, HIDDEN)
    he_(fc1.weight, size * size * prev)
    nn.init.zeros_(fc1.bias)
    bn = nn.BatchNorm1d(HIDDEN)
    random_bn_(bn)
    fc2 = nn.Linear(HIDDEN, CLASSES)
    he_(fc2.weight, HIDDEN)
    nn.init.zeros_(fc2.bias)
    layers += [nn.Flatten(), fc1, bn, nn.ReLU(), fc2]
    return nn.Sequential(*layers).eval()


def main(out):
    torch.manual_seed(2016)
    model = build()
    os.makedirs(os.path.dirname(out), exist_ok=True)
    x = torch.rand(1, 3, SIZE, SIZE)
    torch.onnx.export(model, x, out, opset_version=13, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"])
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build/bench/cs231n64.onnx")
