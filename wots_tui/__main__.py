"""`python -m wots_tui` runs the same command as `wots-tui`."""

from wots_tui.cli import main

main()
