"""One licence category's ratings over time: iRating on the left axis, safety rating on the right, dates
along the bottom, and a line under the plot saying which line is which and where the figures come from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from wots_tui.domain.career import ChartPoint, RatingChart, category_name, thinned

if TYPE_CHECKING:
    from textual_plotext import PlotextPlot

IRATING_COLOUR = "#60a5fa"
SR_COLOUR = "#fbbf24"
TICKS = 4  # labelled values on each axis: room for the plot at 80x24
MIN_COLUMNS = 160
ONE_DAY_WIDE = 15 * 86400  # seconds either side of a chart whose points are all on one day


def _ticks(points: Sequence[ChartPoint], label: Callable[[float], str]) -> tuple[list[float], list[str]]:
    """Evenly spaced values from the lowest point to the highest, labelled as the racer reads them."""
    low, high = min(p.value for p in points), max(p.value for p in points)
    values = [low] if high == low else [low + (high - low) * i / (TICKS - 1) for i in range(TICKS)]
    return values, [label(v) for v in values]


def _rgb(colour: str) -> tuple[int, int, int]:
    """`#60a5fa` as plotext takes a colour."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


class RatingChartView(Vertical):
    """`show` draws a category's chart; with no points it says so instead of drawing empty axes."""

    def compose(self) -> ComposeResult:
        # plotext loads when the stats screen is first shown, not when the app starts
        from textual_plotext import PlotextPlot

        yield PlotextPlot(id="rating-plot")
        yield Static(id="rating-note")

    def show(self, chart: RatingChart | None, category_id: int) -> None:
        plot: PlotextPlot = self.query_one("#rating-plot")  # type: ignore[assignment]
        plt = plot.plt
        plt.clear_figure()
        irating, sr = (chart.irating, chart.safety_rating) if chart is not None else ((), ())
        plot.display = bool(irating or sr)
        self.query_one("#rating-note", Static).update(_note(chart, category_id))
        if not plot.display:
            return
        plt.date_form("Y-m-d")
        columns = max(plot.size.width, MIN_COLUMNS)  # before the first layout, a width that is surely enough
        irating, sr = thinned(irating, columns), thinned(sr, columns)
        # SR first, so that where the lines cross iRating is drawn over it
        for points, side, colour, label in ((sr, "right", SR_COLOUR, lambda v: f"{v:.2f}"),
                                            (irating, "left", IRATING_COLOUR, lambda v: f"{round(v):,}")):
            if points:  # one point is a dot that can be seen, more a line
                plt.plot([p.day.isoformat() for p in points], [p.value for p in points], yside=side,
                         color=_rgb(colour), marker="●" if len(points) == 1 else "braille")
                plt.yticks(*_ticks(points, label), yside=side)
        days = {p.day for p in (*irating, *sr)}
        if len(days) == 1:  # a fortnight either side, not plotext's decades
            middle = plt.string_to_time(days.pop().isoformat())
            plt.xlim(middle - ONE_DAY_WIDE, middle + ONE_DAY_WIDE)
        plot.refresh()


def _note(chart: RatingChart | None, category_id: int) -> Text:
    """Which line is which (the tab names the category), and where the iRating comes from."""
    if chart is None or not (chart.irating or chart.safety_rating):
        return Text(f"No {category_name(category_id)} rating recorded yet: they come with the races.", style="dim")
    irating = (("━ iRating", f"bold {IRATING_COLOUR}"), " left")
    sr = (("━ SR", f"bold {SR_COLOUR}"), " right")
    if chart.from_chart_data:
        return Text.assemble(*irating, " (iRacing's chart) · ", *sr, " (your race results)")
    return Text.assemble(*irating, " · ", *sr, " · from your race results: no chart data fetched")
