#!/usr/bin/env bash
# One Ray node of a job's cluster: slurm/tune.sbatch starts it with srun on each node of its allocation.
# usage: ray_node.sh head|worker HEAD_ADDRESS NODE_INDEX   (it blocks until the job stops it)
set -euo pipefail
role=$1 head_address=$2 index=$3
# shellcheck source=slurm/common.sh
source slurm/common.sh

ip=$(node_ip "$SLURMD_NODENAME")
# This node's own ports: two jobs on one node, or two nodes of a test cluster on one host, never share one.
base=$((PORT_BASE + 10 + 6 * index))
options=(
  --block --disable-usage-stats --node-ip-address="$ip"
  --num-cpus="${SLURM_CPUS_ON_NODE:-1}" --num-gpus="${SLURM_GPUS_ON_NODE:-0}"
  --temp-dir="${TMPDIR:-/tmp}/ray-$SLURM_JOB_ID-$index"
  --node-manager-port="$base" --object-manager-port="$((base + 1))"
  --dashboard-agent-listen-port="$((base + 2))" --dashboard-agent-grpc-port="$((base + 3))"
  --runtime-env-agent-port="$((base + 4))" --metrics-export-port="$((base + 5))"
)
if [[ $role == head ]]; then
  # The dashboard listens on this node's 127.0.0.1 only: reach it through `ssh -L` (README, "SLURM").
  exec "${RUN[@]}" ray start --head --port="${head_address##*:}" --ray-client-server-port="$((PORT_BASE + 2))" \
    --dashboard-host=127.0.0.1 --dashboard-port="$((PORT_BASE + 1))" "${options[@]}"
fi
exec "${RUN[@]}" ray start --address="$head_address" "${options[@]}"
