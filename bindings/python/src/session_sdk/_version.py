"""The version of this Python package (kept equal to the SDK crate's version by a test)."""

__version__ = "0.1.0"
