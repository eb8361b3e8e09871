"""The API's description: the OpenAPI document kept beside this module, and what is derived from it.

The document is the one list of endpoints: the routes are checked against it, /api/help is made
from it, and the tests validate live responses with its schemas.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from wots_tui import __version__

COMPATIBLE_WITH = "WOTS local API 2.0"


@cache
def openapi_document() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("openapi.json").read_text(encoding="utf-8")
    return json.loads(text)


def endpoint_paths() -> list[str]:
    return list(openapi_document()["paths"])


def help_document() -> dict[str, Any]:
    """Every endpoint with its parameters, access and response type, like the AMS2 server's api/help."""
    endpoints = []
    for path, item in openapi_document()["paths"].items():
        operation = item["get"]
        content = operation["responses"]["200"]["content"]
        endpoints.append(
            {
                "name": path.removeprefix("/"),
                "path": path,
                "description": operation["summary"],
                "access": "public",
                "responseType": "event-stream" if "text/event-stream" in content else "json",
                "parameters": [
                    {
                        "name": parameter["name"],
                        "type": parameter["schema"]["type"],
                        "optional": not parameter.get("required", False),
                        "description": parameter["description"],
                    }
                    for parameter in operation.get("parameters", [])
                ],
            }
        )
    return {"endpoints": endpoints}


def version_document() -> dict[str, Any]:
    return {
        "name": "wots-tui",
        "version": __version__,
        "apiVersion": openapi_document()["info"]["version"],
        "compatibleWith": COMPATIBLE_WITH,
    }
