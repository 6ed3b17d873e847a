"""Application discovery: what the repository declares, with warnings for what we ignore."""

from .discover import CONFIG_FILE, Found, discover
from .model import App

__all__ = ["CONFIG_FILE", "App", "Found", "discover"]
