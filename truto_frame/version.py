"""The version of truto-frame, in a module that imports nothing, so every layer may read it."""

__all__ = ["__version__"]

__version__ = "0.1.0"
"""The release, as in ``pyproject.toml``; also ``truto_frame.__version__``."""
