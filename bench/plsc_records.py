"""A PLSC base64 data set as PLSC-J's loader sees it, for the PyTorch peers (torch_converge.py, and the demo-scale
whole-step fixture src/test/resources/fixtures/fidelity/make_whole_step.py --data): the encoded records in file order,
and one record decoded the way org.plscj.data.ImageDecoder does (RGB, (x - 127.5)/128, CHW), mirrored on request."""
import base64
import io
import os

import numpy as np
from PIL import Image


def read_records(data):
    """The encoded images (bytes) and their labels (int64), in file_list.txt's order.
    Held in memory: the encoded records (~95 MB for the demo), never the decoded set."""
    with open(os.path.join(data, "file_list.txt")) as f:
        files = [line.strip() for line in f if line.strip()]
    images, labels = [], []
    for name in files:
        with open(os.path.join(data, name), "rb") as f:
            for line in f:
                b64, label = line.rstrip(b"\n").split(b"\t")
                images.append(base64.b64decode(b64))
                labels.append(int(label))
    return images, np.array(labels, dtype=np.int64)


def decode(encoded, mirror):
    """CHW float32, (x - 127.5)/128 (exact in float32), optionally mirrored left-right."""
    a = np.asarray(Image.open(io.BytesIO(encoded)).convert("RGB"), dtype=np.float32)
    if mirror:
        a = a[:, ::-1, :]
    return ((a - 127.5) / 128.0).transpose(2, 0, 1)
