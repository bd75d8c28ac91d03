"""Linda: a terminal console for running a fleet of WhatsApp accounts."""

__version__ = "0.1.0"
