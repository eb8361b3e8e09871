"""Pure models and maths: no I/O, no textual/aiohttp/duckdb/httpx imports."""
