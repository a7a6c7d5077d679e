"""{{ cookiecutter.project_name }}: see README.md for how to train, and config.py for what."""
