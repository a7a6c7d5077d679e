"""Run inside the built image by tests/test_image_build.py: prints what the test checks, as one JSON line.

Standard library and torch only; the test picks requirements.lock's pins for the Python and platform in
`markers`.
"""

import importlib.metadata
import importlib.util
import json
import os
import platform
import sys

# Before any import: the packages the image's lock install brought over the base, without the bytecode
# a process would then have to compile (and, not owning site-packages, could not keep).
UNCOMPILED = [
    name
    for name in ("torch", "lightning", "torchmetrics")
    if not os.path.exists(importlib.util.cache_from_source(importlib.util.find_spec(name).origin))
]

import torch  # noqa: E402

print(
    json.dumps(
        {
            "uid": os.getuid(),
            "gid": os.getgid(),
            "executable": sys.executable,
            "torch": torch.__version__,
            "torch_cuda": torch.version.cuda,
            "uncompiled": UNCOMPILED,
            "distributions": {d.metadata["Name"]: d.version for d in importlib.metadata.distributions()},
            "markers": {  # PEP 508's environment markers
                "implementation_name": sys.implementation.name,
                "os_name": os.name,
                "platform_machine": platform.machine(),
                "platform_python_implementation": platform.python_implementation(),
                "platform_release": platform.release(),
                "platform_system": platform.system(),
                "platform_version": platform.version(),
                "python_full_version": platform.python_version(),
                "python_version": ".".join(platform.python_version_tuple()[:2]),
                "sys_platform": sys.platform,
            },
        }
    )
)
