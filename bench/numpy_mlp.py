#!/usr/bin/env python3
"""The NumPy reference for `npm run bench`: the same training loop as scratchnet's MLP benchmark,
written the way a competent NumPy user would (float32 throughout, preallocated buffers with out=,
one flat parameter buffer so Adam is a handful of whole-array operations), timed on the same machine.

Model 784-128-64-10 by default (--sizes 784,512,512,512,10 is the `train` command's default network),
ReLU hidden layers, softmax cross-entropy on the logits (mean over the batch), hand-written backward,
Adam (--lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8) with bias correction and coupled L2 weight decay on
the kernels (--weight-decay, 0 by default), g = dL/dw + wd * d * w with d = 1 for kernels, 0 for biases:
  w <- w - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps),
Glorot-uniform kernels and zero biases; MNIST training images byte/255 from the shipped gzip'd IDX
files (the first --train-rows of them), reshuffled each epoch, last batch partial.

Dimension letters: B batch, then the layer widths SIZES[0] (784 inputs) ... SIZES[-1] (10 outputs).

Modes:
  python3 bench/numpy_mlp.py [--batch-size 64] [--runs 3] [--batches N]  one epoch (or N batches) per run
  python3 bench/numpy_mlp.py --serve        JSON lines on stdin/stdout (used by bench/run.ts), see serve()
  python3 bench/numpy_mlp.py --check INIT.bin --batch-size 64 --batches 5
      no shuffling, start from the float32 weights in INIT.bin (W1, b1, W2, b2, W3, b3 row-major),
      print the per-batch losses as JSON (the bench and test/bench compare them with scratchnet's)

The BLAS numbers depend on OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: bench/run.ts starts this process
without them and prints blas_info() so the table says which kernel OpenBLAS used.
"""

import argparse
import ctypes
import glob
import gzip
import json
import os
import sys
import time

import numpy as np

SIZES = (784, 128, 64, 10)  # set by --sizes
LR = 1e-3  # --lr
WEIGHT_DECAY = 0.0  # --weight-decay
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def blas_info():
    """Which BLAS numpy calls and how OpenBLAS configured itself at run time (core type, threads)."""
    info = {"numpy": np.__version__, "env": {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL_"))}}
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["blas"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception as e:  # older numpy: no mode='dicts'
        info["blas"] = f"unknown ({e})"
    # The runtime answer (the build string names the build machine's core): ask the loaded OpenBLAS.
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "*openblas*"))
    libs += glob.glob(os.path.join(os.path.dirname(np.__file__), ".dylibs", "*openblas*"))
    for lib in libs:
        try:
            L = ctypes.CDLL(lib)
        except OSError:
            continue
        for pre in ("scipy_openblas_", "openblas_"):
            for suf in ("64_", ""):
                f = getattr(L, pre + "get_corename" + suf, None)
                if f is None:
                    continue
                f.restype = ctypes.c_char_p
                g = getattr(L, pre + "get_config" + suf)
                g.restype = ctypes.c_char_p
                n = getattr(L, pre + "get_num_threads" + suf)
                n.restype = ctypes.c_int
                info.update(corename=f().decode(), config=g().decode().strip(), threads=n())
                return info
    return info


def read_idx(path, limit=None):
    """An IDX file (gzip'd or raw) as a uint8 array; images (N, rows*cols), labels (N)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        head = f.read(4)
        if head[:2] != b"\0\0" or head[2] != 0x08:
            raise ValueError(f"{path}: not a u8 IDX file (magic {head.hex()})")
        ndim = head[3]
        dims = [int.from_bytes(f.read(4), "big") for _ in range(ndim)]
        n = dims[0] if limit is None else min(limit, dims[0])
        row = int(np.prod(dims[1:])) if ndim > 1 else 1
        raw = f.read(n * row)  # only the rows asked for: a small limit decompresses little
    if len(raw) != n * row:
        raise ValueError(f"{path}: truncated, expected {n * row} data bytes, got {len(raw)}")
    a = np.frombuffer(raw, dtype=np.uint8)
    return a.reshape((n, row) if ndim > 1 else (n,))


def load_mnist(data_dir, rows):
    """X (rows, 784) float32 byte/255, y (rows) int64 labels."""
    x = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"), rows)
    y = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"), rows)
    # byte/255 correctly rounded to float32, as scratchnet's bytesToUnitFloats.
    return (x.astype(np.float64) / 255.0).astype(np.float32), y.astype(np.int64)


class MLP:
    """Parameters, gradients and Adam moments, each one flat float32 buffer with per-layer views."""

    def __init__(self, rng=None, init=None):
        shapes = []
        for c, oc in zip(SIZES[:-1], SIZES[1:]):
            shapes += [(c, oc), (oc,)]
        self.shapes = shapes
        n = sum(int(np.prod(s)) for s in shapes)
        self.params = np.zeros(n, np.float32)
        self.grads = np.zeros(n, np.float32)
        self.m = np.zeros(n, np.float32)
        self.v = np.zeros(n, np.float32)
        self.tmp = np.zeros(n, np.float32)
        self.decay = np.zeros(n, np.float32)  # 1 on kernels, 0 on biases
        self.t = 0
        self.p, self.g, off = [], [], 0
        for s in shapes:
            k = int(np.prod(s))
            self.p.append(self.params[off : off + k].reshape(s))
            self.g.append(self.grads[off : off + k].reshape(s))
            if len(s) == 2:
                self.decay[off : off + k] = 1
            off += k
        if init is not None:
            if init.size != n:
                raise ValueError(f"init has {init.size} floats, the model {n}")
            self.params[:] = init
        else:
            for w in self.p[0::2]:  # Glorot uniform kernels, zero biases (as Keras / scratchnet)
                lim = np.sqrt(6.0 / (w.shape[0] + w.shape[1]))
                w[:] = rng.uniform(-lim, lim, w.shape).astype(np.float32)

    def adam(self, lr=None, b1=0.9, b2=0.999, eps=1e-8, wd=None):
        lr = LR if lr is None else lr
        wd = WEIGHT_DECAY if wd is None else wd
        self.t += 1
        c1 = 1.0 - b1**self.t
        c2 = 1.0 - b2**self.t
        g, m, v, tmp = self.grads, self.m, self.v, self.tmp
        if wd:  # coupled L2: g += wd * d * w (in the gradient buffer, which the next batch overwrites)
            np.multiply(self.params, self.decay, out=tmp)
            tmp *= np.float32(wd)
            g += tmp
        m *= np.float32(b1)
        np.multiply(g, np.float32(1 - b1), out=tmp)
        m += tmp
        v *= np.float32(b2)
        np.multiply(g, g, out=tmp)
        tmp *= np.float32(1 - b2)
        v += tmp
        np.multiply(v, np.float32(1 / c2), out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp += np.float32(eps)
        np.divide(m, tmp, out=tmp)
        tmp *= np.float32(lr / c1)
        self.params -= tmp


def train(model, X, Y, batch_size, order, batches=None, phases=None):
    """Trains over the rows in `order`, batch_size at a time (last batch partial). Returns the
    per-batch losses (float32 mean softmax cross-entropy before the step). With a `phases` dict,
    adds each phase's seconds to it (gather, forward, loss, backward, optimizer)."""
    clock = time.perf_counter if phases is not None else (lambda: 0.0)
    tg = tf = tl = tb = to = 0.0
    L = len(SIZES) - 1  # layers; hidden layers 0 .. L-2 have ReLU
    W, bias, dW, db = model.p[0::2], model.p[1::2], model.g[0::2], model.g[1::2]
    xb = np.empty((batch_size, SIZES[0]), np.float32)
    z = [np.empty((batch_size, c), np.float32) for c in SIZES[1:]]  # each layer's output (ReLU'd in place)
    dh = [np.empty((batch_size, c), np.float32) for c in SIZES[1:-1]]
    mask = [np.empty((batch_size, c), np.bool_) for c in SIZES[1:-1]]
    n = len(order)
    nb = (n + batch_size - 1) // batch_size
    if batches is not None:
        nb = min(nb, batches)
    losses = np.empty(nb, np.float64)
    for i in range(nb):
        t0 = clock()
        idx = order[i * batch_size : (i + 1) * batch_size]
        B = len(idx)
        x = xb[:B]
        np.take(X, idx, axis=0, out=x)
        y = Y[idx]
        ar = np.arange(B)
        t1 = clock()
        tg += t1 - t0
        # forward: h_l = relu(h_{l-1} W_l + b_l) for the hidden layers, logits = h W_L + b_L
        h = x
        for l in range(L):
            out = z[l][:B]
            np.matmul(h, W[l], out=out)
            out += bias[l]
            if l < L - 1:
                np.greater(out, 0, out=mask[l][:B])
                np.maximum(out, 0, out=out)
            h = out
        lg = h
        t0 = clock()
        tf += t0 - t1
        # softmax cross-entropy: L = mean(logsumexp(z) - z_y); dL/dz = (softmax(z) - onehot(y)) / B
        lg -= lg.max(axis=1, keepdims=True)
        zy = lg[ar, y]  # the shifted true-class logit (a copy)
        np.exp(lg, out=lg)  # lg now holds e = exp(z - max)
        s = lg.sum(axis=1, keepdims=True)
        losses[i] = float(np.mean(np.log(s[:, 0]) - zy))
        lg /= s
        lg[ar, y] -= 1
        lg *= np.float32(1.0 / B)
        t1 = clock()
        tl += t1 - t0
        # backward, from the forward lines above (each layer: dW = inputᵀ dz, db = Σ_rows dz, dinput = dz Wᵀ)
        dz = lg
        for l in range(L - 1, -1, -1):
            inp = z[l - 1][:B] if l > 0 else x
            np.matmul(inp.T, dz, out=dW[l])
            np.sum(dz, axis=0, out=db[l])
            if l > 0:
                d = dh[l - 1][:B]
                np.matmul(dz, W[l].T, out=d)
                d *= mask[l - 1][:B]
                dz = d
        t0 = clock()
        tb += t0 - t1
        model.adam()
        to += clock() - t0
    if phases is not None:
        for k, v in dict(gather=tg, forward=tf, loss=tl, backward=tb, optimizer=to).items():
            phases[k] = phases.get(k, 0.0) + v
    return losses


def run_epoch(X, Y, batch_size, seed, batches=None, phases=None):
    """One timed run from fresh weights: shuffle + every batch. Returns a result dict."""
    rng = np.random.default_rng(seed)
    model = MLP(rng)
    t0 = time.perf_counter()
    order = rng.permutation(len(X))
    losses = train(model, X, Y, batch_size, order, batches, phases)
    sec = time.perf_counter() - t0
    nb = len(losses)
    samples = min(nb * batch_size, len(X))
    sizes = np.minimum(batch_size, len(X) - np.arange(nb) * batch_size)
    return dict(seconds=sec, samples=int(samples), batches=nb, samples_per_sec=samples / sec,
                loss=float(np.sum(losses * sizes) / np.sum(sizes)), last_loss=float(losses[-1]))


def run_check(X, Y, init_path, batch_size, batches):
    """Per-batch losses from the weights in init_path, rows in order (no shuffle)."""
    init = np.fromfile(init_path, dtype="<f4")
    model = MLP(init=init)
    return [float(v) for v in train(model, X, Y, batch_size, np.arange(len(X)), batches)]


def serve(X, Y):
    """One JSON command per stdin line, one JSON answer per stdout line:
    {"cmd": "train", "batch_size": 64, "seed": 1, "batches": null}  -> run_epoch's dict
    {"cmd": "phases", ...as train}                                 -> the same, plus {"phases": {name: seconds}}
    {"cmd": "check", "init": path, "batch_size": 64, "batches": 5}  -> {"losses": [...]}
    {"cmd": "quit"}. Errors answer {"error": message}."""
    print(json.dumps(dict(ready=True, rows=len(X), blas=blas_info())), flush=True)
    for line in sys.stdin:
        try:
            c = json.loads(line)
            if c["cmd"] == "quit":
                break
            if c["cmd"] == "train":
                out = run_epoch(X, Y, int(c["batch_size"]), int(c.get("seed", 0)), c.get("batches"))
            elif c["cmd"] == "phases":
                ph = {}
                out = run_epoch(X, Y, int(c["batch_size"]), int(c.get("seed", 0)), c.get("batches"), ph)
                out["phases"] = ph
            elif c["cmd"] == "check":
                out = dict(losses=run_check(X, Y, c["init"], int(c["batch_size"]), int(c["batches"])))
            else:
                raise ValueError(f"unknown cmd {c['cmd']!r}")
        except Exception as e:  # answer instead of dying: the runner reports it
            out = dict(error=f"{type(e).__name__}: {e}")
        print(json.dumps(out), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=os.path.join(ROOT, "data", "mnist"))
    ap.add_argument("--train-rows", type=int, default=54000)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--batches", type=int, default=None, help="stop each run after N batches (default: one epoch)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sizes", default="784,128,64,10", help="layer widths, inputs first")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=0.0)
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--check", metavar="INIT.bin")
    a = ap.parse_args()
    global SIZES, LR, WEIGHT_DECAY
    SIZES = tuple(int(v) for v in a.sizes.split(","))
    LR, WEIGHT_DECAY = a.lr, a.weight_decay
    X, Y = load_mnist(a.data_dir, a.train_rows)
    if a.serve:
        return serve(X, Y)
    if a.check:
        print(json.dumps(run_check(X, Y, a.check, a.batch_size, a.batches or 5)))
        return
    print(json.dumps(blas_info()))
    for r in range(a.runs):
        print(json.dumps(run_epoch(X, Y, a.batch_size, a.seed + r, a.batches)), flush=True)


if __name__ == "__main__":
    main()
