"""Schema 5: racing history from the iRacing Data API, keyed by the API's own ids.

The API's conventions are made plain on the way in (store/history_fields.py): positions count from 1
(the API's from 0), times are in seconds (the API's in 1/10,000 s), and the API's -1 for "none" is NULL.
Everything else is the API's own value under the API's own name, with nothing invented: sub levels stay
the API's integers (SR x 100), divisions and race weeks keep the API's numbering (0 is Division 1, week 1).

Two views are the public face, for power users and overlays: `races` (one row per race) and
`race_results` (one row per driver in each race's main event). Their columns carry comments, which
`SELECT * FROM duckdb_columns() WHERE table_name = 'race_results'` shows; the tables carry one each.
Written once and never edited: a later change is a new migration.
"""

from __future__ import annotations

_TABLES = """
CREATE TABLE subsessions (
    subsession_id BIGINT PRIMARY KEY,       -- the API's id of the race
    session_id BIGINT,                      -- the session it was split from (its splits share it)
    start_time TIMESTAMP,                   -- UTC
    end_time TIMESTAMP,                     -- UTC
    season_id INTEGER,                      -- 0 outside a season (hosted, league), as the API says
    season_name VARCHAR,
    season_short_name VARCHAR,
    season_year INTEGER,
    season_quarter INTEGER,
    series_id INTEGER,
    series_name VARCHAR,
    series_short_name VARCHAR,
    race_week_num INTEGER,                  -- the API's: 0 is week 1
    event_type INTEGER,                     -- 2 practice, 3 qualifying, 4 time trial, 5 race
    event_type_name VARCHAR,
    official BOOLEAN,                       -- the API's official_session
    license_category_id INTEGER,            -- 1 oval, 2 road, 3 dirt oval, 4 dirt road, 5 sports car, 6 formula car
    license_category VARCHAR,
    track_id INTEGER,
    track_name VARCHAR,
    track_config VARCHAR,                   -- the API's track.config_name
    corners_per_lap INTEGER,
    event_strength_of_field INTEGER,
    num_drivers INTEGER,
    event_laps_complete INTEGER,
    event_average_lap DOUBLE,               -- seconds
    event_best_lap_time DOUBLE,             -- seconds
    num_cautions INTEGER,
    num_caution_laps INTEGER,
    num_lead_changes INTEGER,
    driver_changes BOOLEAN,                 -- a team event: drivers change in the car
    private_session_id INTEGER,             -- hosted sessions only
    session_name VARCHAR,                   -- a hosted or league session's own name
    league_id INTEGER,
    league_name VARCHAR,
    league_season_id INTEGER,
    league_season_name VARCHAR
);
COMMENT ON TABLE subsessions IS 'One row per race (results/get), keyed by the API''s subsession id';

CREATE TABLE subsession_classes (
    subsession_id BIGINT NOT NULL,
    car_class_id INTEGER NOT NULL,
    short_name VARCHAR,
    name VARCHAR,
    strength_of_field INTEGER,              -- the class's own
    num_entries INTEGER,
    PRIMARY KEY (subsession_id, car_class_id)
);
COMMENT ON TABLE subsession_classes IS 'The car classes of each race, with their strength of field and entries';

CREATE TABLE simsessions (
    subsession_id BIGINT NOT NULL,
    simsession_number INTEGER NOT NULL,     -- the API's: 0 the main event, -1 and below what came before it
    simsession_name VARCHAR,                -- PRACTICE, QUALIFY, HEAT, RACE, FEATURE ...
    simsession_type INTEGER,
    simsession_type_name VARCHAR,
    simsession_subtype INTEGER,
    main_event BOOLEAN NOT NULL,            -- the race itself (simsession_number 0)
    PRIMARY KEY (subsession_id, simsession_number)
);
COMMENT ON TABLE simsessions IS 'Every session of each race: practice, qualifying, heats and the race (main_event)';

CREATE TABLE driver_results (
    subsession_id BIGINT NOT NULL,
    simsession_number INTEGER NOT NULL,
    cust_id BIGINT NOT NULL,                -- the driver
    display_name VARCHAR,
    team_id BIGINT,                         -- team races: the driver's team (the API's id), else NULL
    team_name VARCHAR,                      -- team races: the team's name, else NULL
    car_class_id INTEGER,
    car_class_name VARCHAR,
    car_class_short_name VARCHAR,
    car_id INTEGER,
    car_name VARCHAR,
    car_number VARCHAR,
    position INTEGER,                       -- 1-based; NULL none
    finish_position INTEGER,                -- 1-based overall; NULL none
    finish_position_in_class INTEGER,       -- 1-based in the car class
    starting_position INTEGER,              -- 1-based; NULL in practice and qualifying (the API's -1)
    starting_position_in_class INTEGER,     -- 1-based in the car class
    laps_complete INTEGER,
    laps_lead INTEGER,                      -- the API's name (laps led)
    interval DOUBLE,                        -- seconds behind the leader; NULL none
    class_interval DOUBLE,                  -- seconds behind the class leader; NULL none
    average_lap DOUBLE,                     -- seconds; NULL none
    best_lap_time DOUBLE,                   -- seconds; NULL none
    best_lap_num INTEGER,
    qual_lap_time DOUBLE,                   -- seconds; NULL none
    incidents INTEGER,
    reason_out VARCHAR,                     -- Running, Disconnected ...
    reason_out_id INTEGER,
    champ_points INTEGER,
    aggregate_champ_points INTEGER,
    drop_race BOOLEAN,
    club_points INTEGER,
    weight_penalty_kg INTEGER,
    opt_laps_complete INTEGER,
    best_nlaps_time DOUBLE,                 -- seconds; NULL none
    best_nlaps_num INTEGER,
    best_qual_lap_time DOUBLE,              -- seconds; NULL none
    best_qual_lap_num INTEGER,
    oldi_rating INTEGER,                    -- iRating before; NULL none
    newi_rating INTEGER,                    -- iRating after; NULL none
    old_sub_level INTEGER,                  -- safety rating x 100 before (the API's: 330 is 3.30)
    new_sub_level INTEGER,                  -- safety rating x 100 after
    old_license_level INTEGER,              -- 1-20: R 1-4, D 5-8, C 9-12, B 13-16, A 17-20
    new_license_level INTEGER,
    old_cpi DOUBLE,
    new_cpi DOUBLE,
    old_ttrating INTEGER,
    new_ttrating INTEGER,
    division INTEGER,                       -- the API's: 0 is Division 1; NULL none
    division_name VARCHAR,
    club_id INTEGER,
    club_name VARCHAR,
    country_code VARCHAR,
    max_pct_fuel_fill INTEGER,
    league_points INTEGER,
    league_agg_points INTEGER,
    ai BOOLEAN,
    PRIMARY KEY (subsession_id, simsession_number, cust_id)
);
COMMENT ON TABLE driver_results IS 'One row per driver per session of each race; in team races under their team';

CREATE TABLE team_results (
    subsession_id BIGINT NOT NULL,
    simsession_number INTEGER NOT NULL,
    team_id BIGINT NOT NULL,                -- the API's id of the team (negative, as the API has it)
    team_name VARCHAR,
    car_class_id INTEGER,
    car_class_name VARCHAR,
    car_class_short_name VARCHAR,
    car_id INTEGER,
    car_name VARCHAR,
    car_number VARCHAR,
    position INTEGER,                       -- 1-based, as in driver_results
    finish_position INTEGER,
    finish_position_in_class INTEGER,
    starting_position INTEGER,
    starting_position_in_class INTEGER,
    laps_complete INTEGER,
    laps_lead INTEGER,
    interval DOUBLE,                        -- seconds
    class_interval DOUBLE,
    average_lap DOUBLE,
    best_lap_time DOUBLE,
    best_lap_num INTEGER,
    qual_lap_time DOUBLE,
    incidents INTEGER,
    reason_out VARCHAR,
    reason_out_id INTEGER,
    champ_points INTEGER,
    aggregate_champ_points INTEGER,
    drop_race BOOLEAN,
    club_points INTEGER,
    weight_penalty_kg INTEGER,
    PRIMARY KEY (subsession_id, simsession_number, team_id)
);
COMMENT ON TABLE team_results IS 'Team races: the team''s own row per session (its drivers are in driver_results)';

CREATE TABLE car_classes (
    car_class_id INTEGER PRIMARY KEY,
    name VARCHAR,
    short_name VARCHAR,
    relative_speed INTEGER,
    rain_enabled BOOLEAN
);
COMMENT ON TABLE car_classes IS 'Every car class (carclass/get)';

CREATE TABLE car_class_cars (
    car_class_id INTEGER NOT NULL,
    car_id INTEGER NOT NULL,
    car_dirpath VARCHAR,
    rain_enabled BOOLEAN,
    retired BOOLEAN,
    PRIMARY KEY (car_class_id, car_id)
);
COMMENT ON TABLE car_class_cars IS 'The cars in each car class (carclass/get)';

CREATE TABLE series (
    series_id INTEGER PRIMARY KEY,
    series_name VARCHAR,
    series_short_name VARCHAR,
    category_id INTEGER,
    category VARCHAR,
    active BOOLEAN,
    official BOOLEAN,
    fixed_setup BOOLEAN,
    license_group INTEGER,
    logo VARCHAR
);
COMMENT ON TABLE series IS 'Series (series/past_seasons)';

CREATE TABLE seasons (
    season_id INTEGER PRIMARY KEY,
    series_id INTEGER,
    season_name VARCHAR,
    season_short_name VARCHAR,
    season_year INTEGER,
    season_quarter INTEGER,
    active BOOLEAN,
    official BOOLEAN,
    driver_changes BOOLEAN,
    fixed_setup BOOLEAN,
    license_group INTEGER,
    has_supersessions BOOLEAN,
    car_switching BOOLEAN
);
COMMENT ON TABLE seasons IS 'The past seasons of each series (series/past_seasons)';

CREATE TABLE season_car_classes (
    season_id INTEGER NOT NULL,
    car_class_id INTEGER NOT NULL,
    short_name VARCHAR,
    name VARCHAR,
    relative_speed INTEGER,
    PRIMARY KEY (season_id, car_class_id)
);
COMMENT ON TABLE season_car_classes IS 'The car classes raced in each season (series/past_seasons)';

CREATE TABLE race_weeks (
    season_id INTEGER NOT NULL,
    race_week_num INTEGER NOT NULL,         -- the API's: 0 is week 1
    track_id INTEGER,
    track_name VARCHAR,
    track_config VARCHAR,
    PRIMARY KEY (season_id, race_week_num)
);
COMMENT ON TABLE race_weeks IS 'The race weeks of each season and their tracks (series/past_seasons)';

CREATE TABLE standings_lists (
    season_id INTEGER NOT NULL,
    car_class_id INTEGER NOT NULL,
    division INTEGER NOT NULL,              -- the list's division, the API's (0 is Division 1); -1 all divisions
    race_week_num INTEGER NOT NULL,         -- the API's; -1 the whole season
    season_name VARCHAR,
    season_short_name VARCHAR,
    series_id INTEGER,
    series_name VARCHAR,
    customer_rank INTEGER,                  -- the logged-in member's rank in this list; NULL not ranked
    rows INTEGER,                           -- drivers in the list
    last_updated TIMESTAMP,                 -- UTC, as the API says
    PRIMARY KEY (season_id, car_class_id, division, race_week_num)
);
COMMENT ON TABLE standings_lists IS 'Each season standings list seen (stats/season_driver_standings answers)';

CREATE TABLE season_standings (
    season_id INTEGER NOT NULL,
    car_class_id INTEGER NOT NULL,
    cust_id BIGINT NOT NULL,
    display_name VARCHAR,
    rank INTEGER,                           -- overall, all divisions; NULL when only a division's list was seen
    division INTEGER,                       -- the API's: 0 is Division 1; NULL none
    division_rank INTEGER,                  -- rank in that division, when known
    weeks_counted INTEGER,
    starts INTEGER,
    wins INTEGER,
    top5 INTEGER,
    top25_percent INTEGER,
    poles INTEGER,
    avg_start_position DOUBLE,              -- 1-based, as the API averages them
    avg_finish_position DOUBLE,
    avg_field_size DOUBLE,
    laps INTEGER,
    laps_led INTEGER,
    incidents INTEGER,
    points INTEGER,
    raw_points DOUBLE,
    week_dropped BOOLEAN,
    country_code VARCHAR,
    club_id INTEGER,
    club_name VARCHAR,
    license_category_id INTEGER,
    license_level INTEGER,
    safety_rating DOUBLE,                   -- as the API gives it here (3.81)
    irating INTEGER,
    license_group_name VARCHAR,
    PRIMARY KEY (season_id, car_class_id, cust_id)
);
COMMENT ON TABLE season_standings IS 'Season standings per season, car class and driver';

CREATE TABLE members (
    cust_id BIGINT PRIMARY KEY,
    display_name VARCHAR,
    member_since DATE,
    fetched_at TIMESTAMP                    -- UTC, when wots-tui fetch asked; NULL when imported from a file
);
COMMENT ON TABLE members IS 'Members (member/info)';

CREATE TABLE member_chart (
    cust_id BIGINT NOT NULL,
    category_id INTEGER NOT NULL,           -- licence category, as license_category_id
    chart_type INTEGER NOT NULL,            -- 1 iRating, 2 TT rating, 3 licence/SR
    day DATE NOT NULL,
    value DOUBLE,                           -- the API's value
    PRIMARY KEY (cust_id, category_id, chart_type, day)
);
COMMENT ON TABLE member_chart IS 'Rating history points (member/chart_data): one per member, category, chart and day';

CREATE TABLE member_recent_races (
    cust_id BIGINT NOT NULL,
    subsession_id BIGINT NOT NULL,
    session_start_time TIMESTAMP,           -- UTC
    season_id INTEGER,
    season_year INTEGER,
    season_quarter INTEGER,
    race_week_num INTEGER,
    series_id INTEGER,
    series_name VARCHAR,
    car_id INTEGER,
    car_class_id INTEGER,
    track_id INTEGER,
    track_name VARCHAR,
    license_level INTEGER,
    start_position INTEGER,                 -- as the API gives them here (seemingly 1-based; not confirmed)
    finish_position INTEGER,
    qualifying_time DOUBLE,                 -- seconds
    laps INTEGER,
    laps_led INTEGER,
    incidents INTEGER,
    points INTEGER,
    club_points INTEGER,
    strength_of_field INTEGER,
    old_sub_level INTEGER,
    new_sub_level INTEGER,
    oldi_rating INTEGER,
    newi_rating INTEGER,
    drop_race BOOLEAN,
    winner_group_id BIGINT,
    winner_name VARCHAR,
    PRIMARY KEY (cust_id, subsession_id)
);
COMMENT ON TABLE member_recent_races IS 'A member''s latest races (stats/member_recent_races)';

CREATE TABLE found_races (
    subsession_id BIGINT PRIMARY KEY,
    session_id BIGINT,
    start_time TIMESTAMP,                   -- UTC
    end_time TIMESTAMP,                     -- UTC
    season_id INTEGER,
    season_year INTEGER,
    season_quarter INTEGER,
    race_week_num INTEGER,
    series_id INTEGER,
    series_name VARCHAR,
    series_short_name VARCHAR,
    event_type INTEGER,
    event_type_name VARCHAR,
    official BOOLEAN,
    license_category_id INTEGER,
    track_id INTEGER,
    track_name VARCHAR,
    track_config VARCHAR,
    num_drivers INTEGER,
    event_strength_of_field INTEGER,
    event_laps_complete INTEGER,
    event_average_lap DOUBLE,               -- seconds
    event_best_lap_time DOUBLE,             -- seconds
    num_cautions INTEGER,
    num_caution_laps INTEGER,
    num_lead_changes INTEGER,
    driver_changes BOOLEAN,
    winner_group_id BIGINT,
    winner_name VARCHAR,
    session_name VARCHAR,                   -- hosted sessions
    private_session_id INTEGER,             -- hosted sessions
    league_id INTEGER,
    host_cust_id BIGINT,                    -- hosted sessions: who hosted
    host_name VARCHAR
);
COMMENT ON TABLE found_races IS 'Races the searches found (results/search_series, search_hosted): what fetch lists';

CREATE TABLE member_races (
    cust_id BIGINT NOT NULL,
    subsession_id BIGINT NOT NULL,
    car_class_id INTEGER,
    car_class_name VARCHAR,
    car_id INTEGER,
    car_name VARCHAR,
    starting_position INTEGER,              -- 1-based, as in driver_results
    starting_position_in_class INTEGER,
    finish_position INTEGER,
    finish_position_in_class INTEGER,
    laps_complete INTEGER,
    laps_led INTEGER,
    incidents INTEGER,
    champ_points INTEGER,
    drop_race BOOLEAN,
    PRIMARY KEY (cust_id, subsession_id)
);
COMMENT ON TABLE member_races IS 'Which member ran which found race, as a search by member answered';

CREATE TABLE fetch_marks (
    name VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL           -- UTC
);
COMMENT ON TABLE fetch_marks IS 'wots-tui fetch''s bookkeeping: where each search left off, when classes were fetched';
"""

# (column, SQL, comment): the views' columns, exactly those the issue names, each with its comment
_RACES = (
    ("subsession_id", "subsession_id", "The API's id of the race"),
    ("session_id", "session_id", "The session it was split from: its splits share it"),
    ("start_time", "start_time", "When it started (UTC)"),
    ("end_time", "end_time", "When it ended (UTC)"),
    ("season_id", "season_id", "The season (per series); 0 outside a season (hosted, league)"),
    ("season_year", "season_year", "The season's year"),
    ("season_quarter", "season_quarter", "The season's quarter, 1-4"),
    ("series_id", "series_id", "The series"),
    ("series_name", "series_name", "The series' name"),
    ("track_name", "track_name", "The track"),
    ("track_config", "track_config", "The track's configuration"),
    ("license_category", "license_category", "Oval, Road, Dirt Oval, Dirt Road, Sports Car or Formula Car"),
    ("official", "official", "Whether it counted (ratings, standings)"),
    ("event_strength_of_field", "event_strength_of_field", "Strength of field; NULL when the API has none"),
    ("num_drivers", "num_drivers", "Drivers who entered"),
)
_RACE_RESULTS = (
    ("subsession_id", "d.subsession_id", "The race (races.subsession_id)"),
    ("cust_id", "d.cust_id", "The driver's iRacing customer id"),
    ("display_name", "d.display_name", "The driver's name in that race"),
    ("team_id", "d.team_id", "Team races: the driver's team; NULL otherwise"),
    ("team_name", "d.team_name", "Team races: the team's name; NULL otherwise"),
    ("car_class_id", "d.car_class_id", "The car class"),
    ("car_class_name", "d.car_class_name", "The car class's name"),
    ("car_name", "d.car_name", "The car"),
    ("starting_position", "d.starting_position", "Grid position, 1-based (the API's 0-based + 1)"),
    ("starting_position_in_class", "d.starting_position_in_class", "Grid position in the class, 1-based"),
    ("finish_position", "d.finish_position", "Finishing position, 1-based: 1 is the winner"),
    ("finish_position_in_class", "d.finish_position_in_class", "Finishing position in the class, 1-based"),
    ("laps_complete", "d.laps_complete", "Laps completed"),
    ("laps_lead", "d.laps_lead", "Laps led (the API's name)"),
    ("incidents", "d.incidents", "Incident points"),
    ("champ_points", "d.champ_points", "Championship points"),
    ("oldi_rating", "d.oldi_rating", "iRating before the race; NULL when none"),
    ("newi_rating", "d.newi_rating", "iRating after the race; NULL when none"),
    ("old_sub_level", "d.old_sub_level", "Safety rating x 100 before (the API's: 330 is 3.30)"),
    ("new_sub_level", "d.new_sub_level", "Safety rating x 100 after"),
    ("reason_out", "d.reason_out", "Running at the end, or why not (Disconnected ...)"),
    ("best_lap_time", "d.best_lap_time", "Best lap in seconds; NULL when none"),
    ("average_lap", "d.average_lap", "Average lap in seconds; NULL when none"),
)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _view(name: str, what: str, source: str, columns: tuple[tuple[str, str, str], ...]) -> str:
    select = ",\n    ".join(f"{sql} AS {column}" for column, sql, _ in columns)
    comments = "\n".join(f"COMMENT ON COLUMN {name}.{column} IS {_literal(text)};" for column, _, text in columns)
    return f"CREATE VIEW {name} AS SELECT\n    {select}\nFROM {source};\nCOMMENT ON VIEW {name} IS {_literal(what)};\n{comments}\n"


HISTORY_SCHEMA = (
    _TABLES
    + _view("races", "One row per race", "subsessions", _RACES)
    + _view(
        "race_results",
        "One row per driver in each race's main event",
        "driver_results d JOIN simsessions s USING (subsession_id, simsession_number) WHERE s.main_event",
        _RACE_RESULTS,
    )
)
