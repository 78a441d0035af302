#!/usr/bin/env python3
"""PyTorch CPU training throughput of the FNN/CNN study's models (the seed's nn.Sequential, verbatim in
shape), for bench/fnn-cnn.ts: SGD lr 0.1, weight decay 1e-4, cross-entropy, batch B, on the first
batches*B MNIST training images read from data/mnist. Prints one JSON line:
{"torch": version, "threads": n, "fnn": [samples/s per run], "cnn": [...], "fnn_cpu": [samples per CPU-second
(time.process_time: all the process's threads) per run], "cnn_cpu": [...]}.
Not a CI dependency: the bench skips it when torch is not installed.

  python3 bench/torch_fnn_cnn.py --batches 40 --runs 3 --threads 2
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
p.add_argument('--batches', type=int, default=40)
p.add_argument('--runs', type=int, default=3)
p.add_argument('--batch-size', type=int, default=128)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--models', default='fnn,cnn')
a = p.parse_args()
torch.set_num_threads(a.threads)

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'mnist')
n = a.batches * a.batch_size
with gzip.open(os.path.join(root, 'train-images-idx3-ubyte.gz')) as f:
    x = np.frombuffer(f.read(), np.uint8, offset=16)[:n * 784].reshape(n, 1, 28, 28).astype(np.float32) / 255
with gzip.open(os.path.join(root, 'train-labels-idx1-ubyte.gz')) as f:
    y = np.frombuffer(f.read(), np.uint8, offset=8)[:n].astype(np.int64)
x, y = torch.from_numpy(x), torch.from_numpy(y)


out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'batches': a.batches, 'batchSize': a.batch_size}
for name in a.models.split(','):
    rates, cpu_rates = [], []
    for run in range(a.runs):
        torch.manual_seed(run)
        model = build(name == 'cnn')
        opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=1e-4)
        loss_fn = nn.CrossEntropyLoss()
        model.train()
        perm = torch.randperm(n)
        t0, c0 = time.perf_counter(), time.process_time()
        for b in range(a.batches):
            idx = perm[b * a.batch_size:(b + 1) * a.batch_size]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        rates.append(n / (time.perf_counter() - t0))
        cpu_rates.append(n / (time.process_time() - c0))
    out[name] = rates
    out[name + '_cpu'] = cpu_rates
print(json.dumps(out))
