-- 1: voters and their tokens, the ids they race under, their votes, the sessions they voted in, rate counters.

CREATE TABLE voters (
    voter_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash bytea NOT NULL,                    -- sha256 of the token's secret; the token itself is never kept
    sessions integer NOT NULL DEFAULT 0,          -- distinct sessions voted in (rows of voter_sessions)
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The racer's own ids, given at registration: nobody rates themselves.
CREATE TABLE voter_identities (
    voter_id bigint NOT NULL REFERENCES voters ON DELETE CASCADE,
    platform text NOT NULL,
    driver_id bigint NOT NULL,
    PRIMARY KEY (voter_id, platform, driver_id)
);

-- One row per (platform, driver, voter): the voter's last word on that driver.
-- Ready for PARTITION BY HASH (driver_id): the primary key holds driver_id, and no table has a foreign key
-- into this one (a partitioned table can only be referenced through its whole key). Its leading columns are the
-- (platform, driver_id) index every lookup reads.
CREATE TABLE votes (
    platform text NOT NULL,
    driver_id bigint NOT NULL,
    voter_id bigint NOT NULL REFERENCES voters ON DELETE CASCADE,
    rep smallint NOT NULL CHECK (rep IN (-1, 0, 1)),
    tags text[] NOT NULL DEFAULT '{}',            -- built-in tag ids only
    session_id bigint,                            -- the subsession or lobby it was cast in, when known
    cast_at timestamptz NOT NULL,
    weight real NOT NULL,                         -- the voter's weight (domain.crowd.voter_weight), kept here so a
                                                  -- lookup reads the votes alone; re-set when the voter settles
    PRIMARY KEY (platform, driver_id, voter_id)
);
-- A voter's votes: the session cap (drivers rated naming one session), and re-weighing when they settle.
CREATE INDEX votes_by_voter ON votes (voter_id, session_id);

CREATE TABLE voter_sessions (
    voter_id bigint NOT NULL REFERENCES voters ON DELETE CASCADE,
    session_id bigint NOT NULL,
    PRIMARY KEY (voter_id, session_id)
);

-- Rate limits, shared by every hub process on this database: requests counted per subject per hour.
-- subject: 'voter:<id>' for votes, 'address:<ip>' for registrations.
CREATE TABLE rate_counts (
    subject text NOT NULL,
    hour timestamptz NOT NULL,
    count integer NOT NULL,
    PRIMARY KEY (subject, hour)
);
