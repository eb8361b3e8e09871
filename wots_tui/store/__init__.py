"""DuckDB: one file holds the notebook, the tag catalogue and the sightings (later, imported history)."""

from wots_tui.store.database import Database
from wots_tui.store.errors import StoreError, StoreLocked

__all__ = ["Database", "StoreError", "StoreLocked"]
