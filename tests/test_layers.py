"""The layering the architecture promises, checked in a fresh interpreter: what each part loads."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "wots_tui"
HEAVY = ("textual", "aiohttp", "duckdb", "httpx", "asyncpg")


def loaded_by(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, encoding="utf-8")
    return set(result.stdout.split())


@pytest.mark.parametrize("module", [f"wots_tui.domain.{p.stem}" for p in sorted((PACKAGE / "domain").glob("*.py")) if p.stem != "__init__"])
def test_the_domain_is_pure(module: str):
    assert not loaded_by(module) & set(HEAVY)


def test_the_engine_and_the_server_run_without_textual():
    assert "textual" not in loaded_by("wots_tui.engine") | loaded_by("wots_tui.server")


def imports_of(folder: str) -> set[str]:
    found = set()
    for path in (PACKAGE / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_ui_asks_the_engine_and_never_reaches_the_server_or_the_store():
    reached = {m for m in imports_of("ui") if m.startswith(("wots_tui.server", "wots_tui.store", "wots_tui.annotators"))}
    assert reached == set()


def test_nothing_imports_the_ui_but_the_command_line():
    for folder in ("domain", "sources", "store", "annotators", "server", "webapi"):
        assert not {m for m in imports_of(folder) if m.startswith("wots_tui.ui")}, folder


def ours(folder: str) -> set[str]:
    """The parts of wots_tui a folder imports (wots_tui.store.notebook -> store)."""
    return {m.split(".")[1] for m in imports_of(folder) if m.startswith("wots_tui.") and m.count(".") >= 1}


def test_the_domain_imports_only_the_domain():
    assert ours("domain") <= {"domain"}


@pytest.mark.parametrize("folder", ["sources", "store"])
def test_sources_and_the_store_build_on_the_domain_alone(folder: str):
    assert ours(folder) <= {"domain", folder}, folder


def test_the_live_app_does_not_load_the_data_apis_client_at_start_up():
    """The history commands load when run: the app's start to first frame does not pay for httpx or OAuth."""
    loaded = loaded_by("wots_tui.cli")
    assert "httpx" not in loaded and "wots_tui" in loaded


def test_the_app_loads_the_chart_library_only_when_the_stats_screen_is_shown():
    """plotext took 58 ms of the app's import: it loads with the stats screen's chart, not at start."""
    loaded = loaded_by("wots_tui.ui.app")
    assert "plotext" not in loaded and "textual_plotext" not in loaded and "textual" in loaded


def test_the_web_api_builds_on_the_store_and_the_domain_alone():
    """Fetch and import write through the store; nothing live (engine, sources, server) is needed.

    config: the login section's type, a leaf module of no other part of ours.
    """
    assert ours("webapi") <= {"domain", "store", "webapi", "config"}


def test_the_engine_knows_neither_screens_nor_the_server():
    tree = ast.parse((PACKAGE / "engine.py").read_text(encoding="utf-8"))
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {m for m in modules if m.startswith(("wots_tui.ui", "wots_tui.server"))}


def test_no_posix_only_module_in_the_app():
    """Racers run iRacing on Windows."""
    assert not imports_of(".") & {"fcntl", "termios", "pty", "resource", "grp", "pwd"}


def test_only_the_hubs_command_imports_the_hub():
    """The hub runs on a league's server, not in the racer's app: nothing of the app reaches it."""
    for path in PACKAGE.rglob("*.py"):
        if "hub" in path.relative_to(PACKAGE).parts[:1] or path == PACKAGE / "cli" / "hub.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in modules if m.startswith("wots_tui.hub")}, path
    assert "asyncpg" not in loaded_by("wots_tui.cli") | loaded_by("wots_tui.engine")
