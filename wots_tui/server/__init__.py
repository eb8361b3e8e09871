"""The local HTTP API for overlays, compatible with the WOTS local API (seeds/wots-local-api.txt)."""

from wots_tui.server.server import DEFAULT_PORT, ApiServer, ApiUnavailable

__all__ = ["DEFAULT_PORT", "ApiServer", "ApiUnavailable"]
