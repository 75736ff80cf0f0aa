"""audioessay: turn written essays into a podcast."""

__version__ = "0.1.0"
