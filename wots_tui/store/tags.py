"""The tag catalogue in the file: built-ins installed on open, the racer's own tags kept beside them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import duckdb

from wots_tui.domain.notebook import BUILTIN_TAGS, Tag

_COLUMNS = "id, name, icon, category, colour, hotkey, position, builtin"


def install_builtin_tags(cursor: duckdb.DuckDBPyConnection) -> None:
    """Add built-in tags the file lacks (new ones arrive with new versions); never touch existing rows.

    A new built-in keeps its hotkey only when the racer has not given that key to another tag.
    """
    present = {row[0] for row in cursor.execute("SELECT id FROM tags").fetchall()}
    taken = {row[0] for row in cursor.execute("SELECT hotkey FROM tags WHERE hotkey IS NOT NULL").fetchall()}
    for tag in BUILTIN_TAGS:
        if tag.id not in present:
            if tag.hotkey in taken:
                tag = replace(tag, hotkey=None)
            cursor.execute(f"INSERT INTO tags ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _values(tag))
            taken.add(tag.hotkey)


def load_tags(cursor: duckdb.DuckDBPyConnection) -> list[Tag]:
    rows = cursor.execute(f"SELECT {_COLUMNS} FROM tags ORDER BY position, id").fetchall()
    return [Tag(id, name, icon, category, colour, hotkey, position, builtin) for id, name, icon, category, colour, hotkey, position, builtin in rows]


def save_tags(cursor: duckdb.DuckDBPyConnection, tags: Sequence[Tag]) -> None:
    """Insert or replace these tags (a rename, a new colour, a new order or hotkey: all one write).

    A key belongs to one tag at most: a tag saved with a key takes it from any other tag that had it.
    """
    for tag in tags:
        if tag.hotkey is not None:
            cursor.execute("UPDATE tags SET hotkey = NULL WHERE hotkey = ? AND id <> ?", [tag.hotkey, tag.id])
        cursor.execute(
            f"""INSERT INTO tags ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, icon = excluded.icon,
                    category = excluded.category, colour = excluded.colour, hotkey = excluded.hotkey,
                    position = excluded.position""",
            _values(tag),
        )


def delete_tag(cursor: duckdb.DuckDBPyConnection, tag_id: str) -> int:
    """Remove a racer-made tag and take it off every driver; returns how many drivers had it."""
    (uses,) = cursor.execute("SELECT count(*) FROM driver_tags WHERE tag_id = ?", [tag_id]).fetchone() or (0,)
    cursor.execute("DELETE FROM driver_tags WHERE tag_id = ?", [tag_id])
    cursor.execute("DELETE FROM tags WHERE id = ? AND NOT builtin", [tag_id])
    drop_empty_entries(cursor)
    return int(uses)


def _values(tag: Tag) -> list[object]:
    return [tag.id, tag.name, tag.icon, tag.category, tag.colour, tag.hotkey, tag.order, tag.builtin]


def drop_empty_entries(cursor: duckdb.DuckDBPyConnection) -> None:
    """Entries left with nothing written (after their last tag was deleted from the catalogue)."""
    cursor.execute(
        """DELETE FROM notebook n WHERE rep IS NULL AND trim(note) = '' AND trim(nickname) = ''
           AND NOT EXISTS (SELECT 1 FROM driver_tags dt WHERE dt.platform = n.platform AND dt.driver_id = n.driver_id)"""
    )
