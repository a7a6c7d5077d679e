"""config.py stays importable without Ray; the search space is built only when asked for."""

import subprocess
import sys

PACKAGE = "{{ cookiecutter.package_name }}"


def test_search_space_is_built_on_first_access_only():
    code = (
        "import sys\n"
        f"from {PACKAGE} import config\n"
        "print('before', 'ray' in sys.modules)\n"
        "space = config.SEARCH_SPACE_CONFIG\n"
        "print('after', 'ray' in sys.modules)\n"
        "print('keys', set(config.CONFIG) <= set(space))\n"
        "print('sampled', type(space['lr']).__module__.startswith('ray.tune'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["before", "False", "after", "True", "keys", "True", "sampled", "True"], done.stderr
