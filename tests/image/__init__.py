"""Helpers of tests/test_image_build.py: buildah and podman in a storage root of their own, and stand-ins."""
