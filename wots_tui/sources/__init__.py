"""Where live sessions come from: each source runs in its own thread and publishes SessionSnapshots."""
