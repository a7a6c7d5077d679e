"""Run inside the built image by tests/test_image_build.py: prints what the test checks, as one JSON line.

Standard library and torch only; the test picks requirements.lock's pins for the Python and platform in
`markers`.
"""

import importlib.metadata
import json
import os
import platform
import sys

import torch

print(
    json.dumps(
        {
            "uid": os.getuid(),
            "gid": os.getgid(),
            "executable": sys.executable,
            "torch": torch.__version__,
            "torch_cuda": torch.version.cuda,
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
