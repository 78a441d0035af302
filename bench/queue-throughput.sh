#!/usr/bin/env bash
# Trials per minute of a sweep on the Redis queue with 1, 2 and 3 agents (one worker each), against
# the same sweep in one local worker process, on tiny trials so the queue's own cost per trial shows.
# Starts its own redis-server on a free loopback port in a temporary folder and stops it at the end.
# The configurations take turns within each round, so a busy spell on a shared machine hits them
# alike. Figures come from each sweep's state file: wall = first trial created -> last trial ended
# (process start-up excluded); overhead per trial = (wall - the trials' own training seconds) / N
# for the one-worker runs, where trials run one after another.
#   npm run build && bash bench/queue-throughput.sh [trials=30] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-30}
ROUNDS=${2:-3}
BIN="node dist/bin/scratchnet.js"
TMP=$(mktemp -d)
PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
redis-server --port "$PORT" --bind 127.0.0.1 --dir "$TMP" --appendonly yes --save '' --daemonize no --logfile "$TMP/redis.log" &
REDIS=$!
AGENTS=()
stop_agents() {
  for p in "${AGENTS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${AGENTS[@]}"; do wait "$p" 2>/dev/null || true; done
  AGENTS=()
}
cleanup() {
  stop_agents
  kill "$REDIS" 2>/dev/null || true
  wait "$REDIS" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.1; done
cat > "$TMP/tiny.yaml" <<'EOF'
method: random
metric: {name: val_accuracy, goal: maximize}
parameters:
  dataset: {value: mnist}
  epochs: {value: 2}
  num_layers: {values: [1, 2]}
  hidden_size: {values: [32, 64]}
  learning_rate: {min: 0.0005, max: 0.005, distribution: log_uniform_values}
EOF
SLICE=(--train-limit 1000 --test-limit 200)
URL="redis://127.0.0.1:$PORT"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "sweep: $N random trials, each 2 epochs on 1000 MNIST images (900 train, 100 validation) + 200 test; $ROUNDS rounds"

for r in $(seq "$ROUNDS"); do
  $BIN sweep "$TMP/tiny.yaml" --count "$N" --workers 1 --out "$TMP/local-1/$r" "${SLICE[@]}" >/dev/null 2>&1
  for a in 1 2 3; do
    $BIN agent --queue "$URL" --workers 1 --out "$TMP/agent-runs" >>"$TMP/agent-$a.log" 2>&1 &
    AGENTS+=($!)
    until grep -q "slot(s) on" "$TMP/agent-$a.log" 2>/dev/null; do sleep 0.1; done
    sleep 2.5 # its heartbeat reaches the count of free slots the controller reads
    $BIN sweep "$TMP/tiny.yaml" --count "$N" --out "$TMP/queue-$a/$r" --queue "$URL" "${SLICE[@]}" >/dev/null 2>&1
  done
  stop_agents
done

node - "$TMP" "$N" <<'EOF'
const fs = require('fs'), path = require('path');
const [dir, n] = [process.argv[2], Number(process.argv[3])];
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
for (const [label, sub] of [['local, 1 worker', 'local-1'], ['queue, 1 agent', 'queue-1'], ['queue, 2 agents', 'queue-2'], ['queue, 3 agents', 'queue-3']]) {
  const runs = fs.readdirSync(path.join(dir, sub)).map((r) => {
    const sweeps = path.join(dir, sub, r, 'scratchnet', 'sweeps');
    const s = JSON.parse(fs.readFileSync(path.join(sweeps, fs.readdirSync(sweeps)[0]), 'utf8'));
    if (s.trials.length !== n || s.trials.some((t) => t.state !== 'finished')) throw new Error(`${sub}/${r}: not ${n} finished trials`);
    const wall = (Math.max(...s.trials.map((t) => Date.parse(t.ended))) - Math.min(...s.trials.map((t) => Date.parse(t.created)))) / 1000;
    const train = s.trials.reduce((acc, t) => acc + t.result.train_seconds, 0);
    return { wall, train };
  });
  const wall = median(runs.map((x) => x.wall));
  const over = sub.endsWith('-1') ? `  overhead ${(1000 * median(runs.map((x) => (x.wall - x.train) / n))).toFixed(0)} ms/trial` : '';
  console.log(`${label.padEnd(16)} ${(60 * n / wall).toFixed(0).padStart(5)} trials/min  (wall ${wall.toFixed(2)} s, median of ${runs.length}; walls ${runs.map((x) => x.wall.toFixed(1)).join(', ')})${over}`);
}
EOF
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
