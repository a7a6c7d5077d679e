"""{{ cookiecutter.project_name }}: see README.md for how to train, and config.py for what."""

# The Hyperlight template release this project was baked from; every run's manifest records it.
TEMPLATE_VERSION = "{{ cookiecutter._template_version }}"
