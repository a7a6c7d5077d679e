"""docker-compose.yml's services, run with podman as `docker compose run --rm <service>` would run them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from image.oci import run


def _expand(text: str, values: dict[str, str]) -> str:
    """Compose's ${NAME} and ${NAME:-default}, from `values` only."""
    return re.sub(r"\$\{(\w+)(?::-([^}]*))?\}", lambda m: values.get(m[1], m[2] or ""), text)


@dataclass
class ComposeRun:
    """Runs `image` as compose's services: their user, shm size, environment, secrets and volumes.

    `folder` plays the project folder (compose's ./results and ./data are relative to it); `uid` and `gid`
    are the host user's, which compose gets as HOST_UID and HOST_GID. W&B is kept offline.
    """

    compose: dict
    image: str
    folder: Path
    uid: int
    gid: int
    env: dict[str, str]

    def args(self, name: str) -> list[str]:
        """`podman run` options that do what `docker compose run --rm <name>` does with this service."""
        service = self.compose["services"][name]
        values = {"HOST_UID": str(self.uid), "HOST_GID": str(self.gid)}
        args = ["--rm", "--user", _expand(service["user"], values), "--shm-size", service["shm_size"]]
        for variable, value in service.get("environment", {}).items():
            args += ["-e", f"{variable}={_expand(str(value), values)}"]
        args += ["-e", "WANDB_MODE=offline"]  # never reach W&B from a test
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            args += ["-v", f"{self.folder / source}:{target}"]  # ./results: relative to the project folder
        for secret in service.get("secrets", []):  # an empty key file, as README's `touch ~/.wandb_api_key`
            assert secret in self.compose.get("secrets", {}), f"compose names an undeclared secret {secret}"
            key_file = self.folder / "secrets" / secret
            key_file.parent.mkdir(exist_ok=True)
            key_file.touch(mode=0o644)
            args += ["-v", f"{key_file}:/run/secrets/{secret}:ro"]
        return args

    def __call__(self, name: str, command: list[str], log: Path) -> str:
        """Run `command` in service `name`; returns its output (also written to `log`)."""
        return run(["podman", "run", *self.args(name), self.image, *command], self.env, log, timeout=900)
