"""What can go wrong with the notebook file, each said in one line."""


class StoreError(RuntimeError):
    """A notebook file that cannot be used; the message is one line for the racer."""


class StoreLocked(StoreError):
    """Another process has the notebook file open."""


def first_line(error: BaseException) -> str:
    """An error in one line for the racer (DuckDB's messages run to several); the log keeps the rest."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
