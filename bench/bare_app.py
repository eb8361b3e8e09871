"""The baseline: a bare Textual app showing a static 60-row table (what any Textual screen costs)."""

from textual.app import App, ComposeResult
from textual.widgets import DataTable


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*[f"col{i}" for i in range(14)])
        for row in range(60):
            table.add_row(*[f"BARE{row}-{i}" for i in range(14)])


if __name__ == "__main__":
    BareApp().run()
