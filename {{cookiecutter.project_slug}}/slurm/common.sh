# shellcheck shell=bash disable=SC2034  # the scripts that source it use these names
# What slurm/tune.sbatch, slurm/train.sbatch and slurm/ray_node.sh share; sourced, never run.

# How commands run on the nodes: the project's venv on the shared file system (activate it before
# sbatch; SLURM passes the environment on), or its image through Apptainer when CONTAINER names one,
# e.g. CONTAINER=docker://ghcr.io/your-org/project:0.1.0 (the project folder is bound in, as the cwd).
RUN=()
if [[ -n ${CONTAINER:-} ]]; then
  RUN=(apptainer exec --nv --bind "$PWD" --pwd "$PWD" "$CONTAINER")
fi

# This job's files: its token and the search it runs, on the shared file system beside its log.
JOB_DIR=slurm/jobs/$SLURM_JOB_ID

# This job's ports: jobs whose ids differ modulo 100 never share one, whichever nodes they land on.
PORT_BASE=$((20000 + SLURM_JOB_ID % 100 * 400))

# The address other nodes reach a node at: the NodeAddr slurmctld itself uses, as an IP.
node_ip() {
  local address
  address=$(scontrol show node "$1" | grep -o 'NodeAddr=[^ ]*' | cut -d= -f2)
  getent ahostsv4 "$address" | awk 'NR == 1 { print $1 }'
}
