"""The Textual face of the engine."""
