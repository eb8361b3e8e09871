"""Settings as the racer writes them: config.toml, WOTS_* variables and flags; a bad one is one line naming it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from wots_tui.cli import main
from wots_tui.config import LOG_LEVELS, ConfigError, config_dir, load_settings


def test_each_layer_overrides_the_one_before(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text('refresh_rate = 10\nlog_level = "warning"\ndb = "~/racing.duckdb"\n', encoding="utf-8")
    from_file = load_settings(config, environ={})
    assert (from_file.refresh_rate, from_file.log_level, from_file.db) == (10.0, "WARNING", "~/racing.duckdb")
    assert from_file.database_path() == Path("~/racing.duckdb").expanduser()
    from_env = load_settings(config, environ={"WOTS_REFRESH_RATE": "2.5", "WOTS_LOG_LEVEL": "debug"})
    assert (from_env.refresh_rate, from_env.log_level) == (2.5, "DEBUG")
    assert load_settings(config, environ={"WOTS_REFRESH_RATE": "2.5"}, refresh_rate="60").refresh_rate == 60.0
    assert load_settings(tmp_path / "none.toml", environ={}).log_level == "INFO"


@pytest.mark.parametrize(
    ("toml", "environ", "flags", "says"),
    [
        ("", {}, {"refresh_rate": "0"}, "--refresh-rate must be a number more than 0 and at most 60 per second, not 0"),
        ("", {}, {"refresh_rate": "61"}, "--refresh-rate must be a number more than 0 and at most 60 per second, not 61"),
        ("", {}, {"refresh_rate": "fast"}, "--refresh-rate must be a number more than 0 and at most 60 per second, not 'fast'"),
        ("", {"WOTS_REFRESH_RATE": "nan"}, {}, "WOTS_REFRESH_RATE must be a number more than 0 and at most 60"),
        ("", {"WOTS_LOG_LEVEL": "LOUD"}, {}, "WOTS_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, not 'LOUD'"),
        ("", {"WOTS_PORT": "http"}, {}, "WOTS_PORT must be a whole number between 1 and 65535 (0 picks a free one), not 'http'"),
        ("", {}, {"port": "70000"}, "--port must be a whole number between 1 and 65535 (0 picks a free one), not 70000"),
        ("", {}, {"port": "-1"}, "--port must be a whole number between 1 and 65535"),
        ("refresh_rate = true\n", {}, {}, "config.toml: refresh_rate must be a number more than 0 and at most 60 per second, not True"),
        ('refresh_rate = "0"\n', {}, {}, "config.toml: refresh_rate must be a number more than 0 and at most 60 per second, not 0"),
        ("port = 5820.5\n", {}, {}, "config.toml: port must be a whole number between 1 and 65535"),
        ("log_level = 10\n", {}, {}, "config.toml: log_level must be one of DEBUG, INFO, WARNING, ERROR, not 10"),
        ("db = 5\n", {}, {}, "config.toml: db must be a file path (text), not 5"),
        ("cors_origins = [1, 2]\n", {}, {}, "config.toml: cors_origins must be a list of text"),
        ("refresh = 3\n", {}, {}, "config.toml: unknown setting 'refresh' (settings: refresh_rate, log_level, db, port, cors_origins, oauth_url, data_api_url, source, ams2_url, ams2_user, ams2_password, ams2_steam_id, crowd_url, [iracing])"),
        ("[api]\nport = 1\n", {}, {}, "config.toml: unknown setting 'api'"),
        ("port = \n", {}, {}, "config.toml: not valid TOML"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_as_written(
    tmp_path: Path, toml: str, environ: dict[str, str], flags: dict[str, str], says: str
):
    config = tmp_path / "config.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ=environ, **flags)
    message = str(caught.value)
    assert says in message and "\n" not in message
    if toml:
        assert message.startswith(f"{config}: ")  # which config.toml, in full


def test_log_levels_are_the_ones_logging_knows():
    import logging

    assert all(isinstance(logging.getLevelName(level), int) for level in LOG_LEVELS)


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (["serve", "--demo", "--refresh-rate", "0"], {},
         "Error: --refresh-rate must be a number more than 0 and at most 60 per second, not 0"),
        (["--refresh-rate", "0", "serve", "--demo"], {},
         "Error: --refresh-rate must be a number more than 0 and at most 60 per second, not 0"),
        (["demo", "--port", "http"], {}, "Error: --port must be a whole number between 1 and 65535"),
        (["serve", "--demo"], {"WOTS_LOG_LEVEL": "LOUD"},
         "Error: WOTS_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, not 'LOUD'"),
        (["notebook", "export"], {"WOTS_LOG_LEVEL": "LOUD"},
         "Error: WOTS_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, not 'LOUD'"),
    ],
)
def test_the_commands_refuse_a_bad_setting_in_one_line_and_start_nothing(
    tmp_path: Path, args: list[str], env: dict[str, str], says: str
):
    db = tmp_path / "notebook.duckdb"
    result = run(*args, "--db", str(db), env=env)
    assert result.exit_code == 1, result.output
    assert result.output.startswith(says) and len(result.output.splitlines()) == 1
    assert not db.exists()


def test_an_unknown_key_in_config_toml_stops_the_command(tmp_path: Path):
    config = config_dir() / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("refresh_rate = 5\nrefesh_rate = 10\n", encoding="utf-8")
    try:
        result = run("serve", "--demo", "--db", str(tmp_path / "n.duckdb"))
    finally:
        config.unlink()
    assert result.exit_code == 1
    assert result.output == f"Error: {config}: unknown setting 'refesh_rate' (settings: refresh_rate, log_level, db, port, cors_origins, oauth_url, data_api_url, source, ams2_url, ams2_user, ams2_password, ams2_steam_id, crowd_url, [iracing])\n"


def option_help(command: list[str], flag: str) -> str:
    """The help text of one option, joined back into one line."""
    text = run(*command, "--help").output
    block = text[text.index(flag):]
    lines = [block.splitlines()[0]]
    for line in block.splitlines()[1:]:
        if line.strip().startswith("--"):
            break
        lines.append(line)
    return re.sub(r"\s+", " ", " ".join(lines))


def test_serve_help_says_the_refresh_rate_is_how_often_the_session_is_published():
    served = option_help(["serve"], "--refresh-rate")
    assert "published to the local API" in served and "screen" not in served
    assert "at most 60" in served and "WOTS_REFRESH_RATE" in served
    for command in ([], ["demo"]):
        shown = option_help(command, "--refresh-rate")
        assert "published to the screen and the local API" in shown and "WOTS_REFRESH_RATE" in shown


def test_every_command_shares_one_definition_of_each_option():
    for flag, also in (("--db", "WOTS_DB"), ("--port", "WOTS_PORT"), ("--cors-origin", "WOTS_CORS_ORIGINS")):
        helps = {option_help(command, flag) for command in ([], ["demo"], ["serve"])}
        assert len(helps) == 1 and also in helps.pop(), flag
    assert option_help(["notebook", "export"], "--db") == option_help(["serve"], "--db")
    for flag in ("--source [", "--ams2-url URL", "--ams2-user", "--ams2-password", "--ams2-steam-id"):
        helps = {option_help(command, flag) for command in ([], ["stats"], ["serve"])}
        assert len(helps) == 1, flag


def test_the_iracing_section_keeps_its_secrets_out_of_repr_and_errors(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[iracing]\nusername = " racer@example.com "\npassword = "pa55-word "\nclient_secret = "s3cret"\n', encoding="utf-8")
    settings = load_settings(config, environ={})
    assert (settings.iracing.username, settings.iracing.password, settings.iracing.client_secret) == (
        "racer@example.com", "pa55-word ", "s3cret")  # a secret is taken as written, spaces and all
    assert "pa55-word" not in repr(settings) and "s3cret" not in repr(settings)
    config.write_text('[iracing]\npassword = 1234\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={})
    assert str(caught.value).endswith("iracing.password must be text in quotes") and "1234" not in str(caught.value)


def test_the_web_api_addresses_come_from_the_environment_without_a_trailing_slash(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "none.toml", environ={"WOTS_OAUTH_URL": "http://127.0.0.1:8/oauth2/"})
    assert settings.oauth_url == "http://127.0.0.1:8/oauth2"
    assert settings.data_api_url == "https://members-ng.iracing.com"
    with pytest.raises(ConfigError, match="WOTS_DATA_API_URL must be an http:// or https:// address"):
        load_settings(tmp_path / "none.toml", environ={"WOTS_DATA_API_URL": "members-ng"})


def test_the_ams2_server_comes_from_config_environment_and_flags_and_its_password_never_shows(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('source = "ams2"\nams2_url = "http://10.0.0.5:9000/"\nams2_user = " admin "\n'
                      'ams2_password = "pa55 "\nams2_steam_id = 76561197969382874\n', encoding="utf-8")
    settings = load_settings(config, environ={})
    assert (settings.source, settings.ams2_url, settings.ams2_user, settings.ams2_password, settings.ams2_steam_id) == (
        "ams2", "http://10.0.0.5:9000", "admin", "pa55 ", 76561197969382874)
    assert "pa55" not in repr(settings)
    settings = load_settings(config, environ={"WOTS_AMS2_URL": "http://127.0.0.1:9001", "WOTS_AMS2_STEAM_ID": ""},
                             ams2_user="viewer")
    assert (settings.ams2_url, settings.ams2_steam_id, settings.ams2_user) == ("http://127.0.0.1:9001", None, "viewer")


@pytest.mark.parametrize(("environ", "says"), [
    ({"WOTS_SOURCE": "rfactor"}, "WOTS_SOURCE must be one of iracing, ams2, not 'rfactor'"),
    ({"WOTS_AMS2_STEAM_ID": "1234"}, "WOTS_AMS2_STEAM_ID must be a Steam id: the 17-digit number"),
    ({"WOTS_AMS2_URL": "admin:hunter2@10.0.0.5:9000"}, "WOTS_AMS2_URL must be an http:// address, as http://127.0.0.1:9000, "
                                                      "not an address with a login in it"),
])
def test_a_bad_ams2_setting_is_one_line_that_never_echoes_a_password(tmp_path: Path, environ: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "none.toml", environ=environ)
    assert str(caught.value).startswith(says) and "hunter2" not in str(caught.value)


def test_the_ams2_source_needs_an_address(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "n.duckdb"), "--source", "ams2"], env={"WOTS_AMS2_URL": ""})
    assert result.exit_code == 2
    assert "--source ams2 needs the server's address: --ams2-url http://HOST:9000" in result.output
