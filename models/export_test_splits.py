"""Writes each model's full test split as raw bytes for the JS evaluation
(models/evaluate.mjs): build/data/<model>-test.u8 (N x 784 uint8) and
build/data/<model>-test.json ({"count", "labels"}), with exactly the split that
models/train.py held out. Generated, not committed (7.8 MB for Fashion-MNIST).

    /usr/bin/python3 models/export_test_splits.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import load_fashion, load_mnist  # noqa: E402  (the one definition of the splits)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "data")


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    for name, load in (("mnist", load_mnist), ("fashion-mnist", load_fashion)):
        data = load()
        with open(os.path.join(OUT, f"{name}-test.u8"), "wb") as f:
            f.write(data.test_x.astype("uint8").tobytes())
        with open(os.path.join(OUT, f"{name}-test.json"), "w") as f:
            json.dump({"count": int(len(data.test_y)), "labels": data.test_y.tolist()}, f)
        print(f"{name}: {len(data.test_y)} test images -> build/data/{name}-test.u8")


if __name__ == "__main__":
    main()
