"""What can go wrong with the notebook file, each said in one line."""


class StoreError(RuntimeError):
    """A notebook file that cannot be used; the message is one line for the racer."""


class StoreLocked(StoreError):
    """Another process has the notebook file open."""
