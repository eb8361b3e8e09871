"""The local HTTP API for overlays, compatible with the WOTS local API (its documentation:
tests/fixtures/wots/wots-local-api.txt)."""

from wots_tui.server.server import DEFAULT_PORT, ApiServer, ApiUnavailable

__all__ = ["DEFAULT_PORT", "ApiServer", "ApiUnavailable"]
