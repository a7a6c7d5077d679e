"""The runner's release, recorded in every manifest; bumped with each template release that changes it."""

__version__ = "0.6.0"
