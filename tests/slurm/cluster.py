"""A real SLURM cluster on this machine: munged, MariaDB, slurmdbd, slurmctld and two slurmd (n1, n2).

Debian's slurm-wlm 22.05 runs two compute daemons on one host when each has its own NodeName, port
and spool folder (`slurmd -N n1`, `slurmd -N n2`, `%n` in the paths). n2's slurmd runs in a mount
namespace of its own, where `PRIVATE_DIR` is a tmpfs: a folder there is a node-local disk that n1
cannot see, which is how a storage_path that is not shared looks on a real cluster. Everything else
(the project, results, storage) is one file system for both nodes, as a cluster's shared one.

Every daemon listens on 127.0.0.1, on ports of this cluster's own. `python cluster.py DIR` starts one
by hand and keeps it up until Ctrl-C (its SLURM_CONF is printed), for trying the sbatch scripts.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

NODES = ("n1", "n2")
CPUS_PER_NODE = 1  # two CPUs here: one per node, so trials spread over both nodes
PARTITION = "debug"
PRIVATE_DIR = "/tmp/hl-slurm-node-local"  # a tmpfs in n2's mount namespace only
DAEMONS = ("munged", "mariadbd", "slurmdbd", "slurmctld", "slurmd")
READY_TIMEOUT_S = 120
MUNGE_SOCKET = "/run/munge/munge.socket.2"  # the default: slurmctld's link to slurmdbd ignores AuthInfo


def missing_tools() -> str | None:
    """Why this machine cannot run the cluster, or None."""
    if os.geteuid() != 0:
        return "the SLURM cluster needs root (munged, slurmd)"
    missing = [name for name in (*DAEMONS, "sbatch", "sacct", "scontrol", "unshare") if not shutil.which(name)]
    if missing:
        return (
            f"{', '.join(missing)} not installed (apt-get install slurmctld slurmd slurmdbd slurm-client munge "
            "mariadb-server)"
        )
    return None


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(what: str, ready, timeout: float = READY_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not come up within {timeout} s")
        time.sleep(0.5)


@dataclass
class SlurmCluster:
    root: Path
    procs: list[subprocess.Popen] = field(default_factory=list)

    @property
    def conf(self) -> Path:
        return self.root / "etc" / "slurm.conf"

    @property
    def env(self) -> dict[str, str]:
        """The environment of a user on a login node: the cluster's SLURM_CONF, and munge's socket."""
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    def run(self, *command: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        done = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)}: {done.stdout}{done.stderr}")
        return done

    def _spawn(self, *command: str, log: str) -> subprocess.Popen:
        with open(self.root / "log" / log, "ab") as out:
            proc = subprocess.Popen(command, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def start(self) -> SlurmCluster:
        for sub in ("etc", "log", "munge", "db", "state", "spool"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._start_munge()
        self._start_database()
        ports = {name: _free_port() for name in ("ctld", "dbd", *NODES)}
        self._write_configs(ports)
        self._spawn("slurmdbd", "-D", "-s", log="slurmdbd.log")
        _wait("slurmdbd", lambda: self._listens(ports["dbd"]))
        self._spawn("slurmctld", "-D", "-i", "-f", str(self.conf), log="slurmctld.log")
        _wait("slurmctld", lambda: self.run("scontrol", "ping", check=False).returncode == 0)
        for node in NODES:
            slurmd = ("slurmd", "-D", "-N", node, "-f", str(self.conf))
            if node == NODES[-1]:  # its own mount namespace, with a node-local folder
                script = f"mkdir -p {PRIVATE_DIR} && mount -t tmpfs tmpfs {PRIVATE_DIR} && exec {' '.join(slurmd)}"
                slurmd = ("unshare", "-m", "--propagation", "private", "sh", "-c", script)
            self._spawn(*slurmd, log=f"slurmd-{node}.log")
        _wait("both nodes", self._nodes_idle)
        return self

    def _listens(self, port: int) -> bool:
        import socket

        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return False
        return True

    def _nodes_idle(self) -> bool:
        out = self.run("sinfo", "-h", "-N", "-o", "%N %t", check=False).stdout.split()
        return out.count("idle") == len(NODES)

    def _start_munge(self) -> None:
        key = self.root / "munge" / "munge.key"
        subprocess.run(["mungekey", "-c", "-k", str(key)], check=True, capture_output=True)
        key.chmod(0o400)
        munge = self.root / "munge"
        Path(MUNGE_SOCKET).parent.mkdir(parents=True, exist_ok=True)
        options = [f"--key-file={key}", f"--pid-file={munge / 'munged.pid'}", f"--seed-file={munge / 'seed'}"]
        self._spawn(
            "munged", "-F", "--force", *options, f"--log-file={self.root / 'log' / 'munged.log'}", log="munged.out"
        )
        _wait("munged", lambda: Path(MUNGE_SOCKET).exists())

    def _start_database(self) -> None:
        data, sock = self.root / "db" / "data", self.root / "db" / "mysqld.sock"
        install = ["mariadb-install-db", f"--datadir={data}", "--user=root", "--auth-root-authentication-method=normal"]
        subprocess.run(install, check=True, capture_output=True)
        self.db_port = _free_port()
        self._spawn(
            "mariadbd", "--no-defaults", f"--datadir={data}", f"--socket={sock}", f"--port={self.db_port}",
            "--bind-address=127.0.0.1", "--user=root", log="mariadb.log",
        )  # fmt: skip
        _wait("mariadbd", lambda: self._listens(self.db_port))

    def _write_configs(self, ports: dict[str, int]) -> None:
        root = self.root
        nodes = "\n".join(
            f"NodeName={node} NodeHostname=localhost NodeAddr=127.0.0.1 Port={ports[node]} "
            f"CPUs={CPUS_PER_NODE} RealMemory=2000 State=UNKNOWN"
            for node in NODES
        )
        self.conf.write_text(f"""\
ClusterName=hltest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={ports["ctld"]}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation={root / "state"}
SlurmdSpoolDir={root / "spool"}/%n
SlurmctldPidFile={root / "slurmctld.pid"}
SlurmdPidFile={root / "spool"}/slurmd-%n.pid
SlurmctldLogFile={root / "log" / "slurmctld-file.log"}
SlurmdLogFile={root / "log"}/slurmd-%n-file.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=5
MinJobAge=600
JobRequeue=1
EnforcePartLimits=ALL
MpiDefault=none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort={ports["dbd"]}
JobAcctGatherType=jobacct_gather/none
{nodes}
PartitionName={PARTITION} Nodes={",".join(NODES)} Default=YES MaxTime=INFINITE State=UP
""")
        dbd = root / "etc" / "slurmdbd.conf"
        dbd.write_text(f"""\
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort={ports["dbd"]}
SlurmUser=root
PidFile={root / "slurmdbd.pid"}
LogFile={root / "log" / "slurmdbd-file.log"}
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort={self.db_port}
StorageUser=root
StorageLoc=slurm_acct_db
""")
        dbd.chmod(0o600)  # slurmdbd refuses a config others can read; it sits beside slurm.conf

    def stop(self) -> None:
        """Every daemon, and every process a job left, by session: slurmd's steps run in sessions of their own."""
        for proc in reversed(self.procs):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    cluster = SlurmCluster(Path(sys.argv[1]).resolve()).start()
    print(f"export SLURM_CONF={cluster.conf}")
    try:
        signal.pause()
    finally:
        cluster.stop()
