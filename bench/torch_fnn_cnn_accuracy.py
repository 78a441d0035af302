#!/usr/bin/env python3
"""The FNN/CNN study's PyTorch training, verbatim in recipe, for comparing test accuracies with
`scratchnet fnn-cnn` seed for seed: the study's nn.Sequential models (bench/torch_study_models.py),
SGD(lr=0.1, weight_decay=1e-4) on every parameter, CrossEntropyLoss, batch 128 reshuffled every epoch
(drop_last=False), 10 epochs, then test accuracy in eval mode on the 10,000 test images. Reads
data/mnist. Prints one JSON line per seed: {"model", "seed", "epochs", "test_accuracy", "seconds"}.
Not a CI dependency.

  python3 bench/torch_fnn_cnn_accuracy.py --model cnn --seeds 1,2,3 --threads 1
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn

from torch_study_models import build  # next to this script

p = argparse.ArgumentParser()
p.add_argument('--model', choices=['fnn', 'cnn'], default='cnn')
p.add_argument('--seeds', default='1')
p.add_argument('--epochs', type=int, default=10)
p.add_argument('--threads', type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'mnist')


def images(name):
    with gzip.open(os.path.join(root, name)) as f:
        return torch.from_numpy(np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255)


def labels(name):
    with gzip.open(os.path.join(root, name)) as f:
        return torch.from_numpy(np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64))


x, y = images('train-images-idx3-ubyte.gz'), labels('train-labels-idx1-ubyte.gz')
xt, yt = images('t10k-images-idx3-ubyte.gz'), labels('t10k-labels-idx1-ubyte.gz')


for seed in [int(s) for s in a.seeds.split(',')]:
    torch.manual_seed(seed)
    model = build(a.model == 'cnn')
    opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    for epoch in range(a.epochs):
        model.train()
        perm = torch.randperm(len(x))
        for b in range(0, len(x), 128):
            idx = perm[b:b + 128]
            opt.zero_grad()
            loss_fn(model(x[idx]), y[idx]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        correct = sum((model(xt[b:b + 1000]).argmax(1) == yt[b:b + 1000]).sum().item() for b in range(0, len(xt), 1000))
    print(json.dumps({'model': a.model, 'seed': seed, 'epochs': a.epochs, 'torch': torch.__version__,
                      'test_accuracy': correct / len(xt), 'seconds': round(time.perf_counter() - t0, 1)}), flush=True)
