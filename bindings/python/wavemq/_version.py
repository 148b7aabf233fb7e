"""The version of these bindings: the libwave release they are written for."""

__version__ = "0.1.0"
