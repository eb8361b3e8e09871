"""wots-tui: the drivers in your sim-racing session, what you know about them, and a local API for overlays."""

__version__ = "0.1.0"
