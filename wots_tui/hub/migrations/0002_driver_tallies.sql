-- 2: per-driver tallies kept by the database, so a lookup reads one row per asked driver (+ its tag counts)
-- by primary key instead of counting the driver's votes.
--
-- A row trigger on votes keeps them exact on every path that writes votes (the upsert, a withdrawal, re-weighing,
-- a voter's cascade, COPY): each changed vote takes its old contribution off and puts its new one on. A driver
-- without voters has no tally row, a tag nobody chose no count row.
--
-- Locks: every change to a driver's counts first writes its tally row, so that row's lock guards its tag counts
-- too. Two first votes on one driver meet in INSERT ... ON CONFLICT DO UPDATE on the tally row: one waits for the
-- other and adds to its row, nothing is lost. A statement's row triggers run in the order its rows were written,
-- so a statement writing votes in (platform, driver_id) order locks tallies in that order, and two such
-- statements on overlapping drivers never deadlock (hub.votes writes a batch in one such statement).
--
-- The weighted sums are numeric: a weight's real is exact in numeric, so adding and taking off never drifts.

CREATE TABLE driver_tallies (
    platform text NOT NULL,
    driver_id bigint NOT NULL,
    voters integer NOT NULL CHECK (voters >= 0),
    up integer NOT NULL CHECK (up >= 0),
    down integer NOT NULL CHECK (down >= 0),
    neutral integer NOT NULL CHECK (neutral >= 0),
    weighted_up numeric NOT NULL,
    weighted_down numeric NOT NULL,
    weighted_neutral numeric NOT NULL,
    PRIMARY KEY (platform, driver_id)
);

CREATE TABLE driver_tag_counts (
    platform text NOT NULL,
    driver_id bigint NOT NULL,
    tag text NOT NULL,
    voters integer NOT NULL CHECK (voters >= 0),  -- voters of the driver who chose the tag
    PRIMARY KEY (platform, driver_id, tag)
);

-- Add `voters` (1 for a new vote, -1 for a withdrawn one, 0 for a changed one) and the other deltas to a driver's
-- tally, take one off the count of each tag in `dropped`, add one to each in `chosen`; rows left at 0 go.
CREATE FUNCTION add_to_tally(tally_platform text, tally_driver bigint, voters integer, up integer, down integer,
                             neutral integer, weighted_up numeric, weighted_down numeric, weighted_neutral numeric,
                             dropped text[], chosen text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    left_voters integer;
BEGIN
    IF voters > 0 THEN
        INSERT INTO driver_tallies AS t
        VALUES (tally_platform, tally_driver, voters, up, down, neutral, weighted_up, weighted_down,
                weighted_neutral)
        ON CONFLICT (platform, driver_id) DO UPDATE
        SET voters = t.voters + EXCLUDED.voters, up = t.up + EXCLUDED.up, down = t.down + EXCLUDED.down,
            neutral = t.neutral + EXCLUDED.neutral, weighted_up = t.weighted_up + EXCLUDED.weighted_up,
            weighted_down = t.weighted_down + EXCLUDED.weighted_down,
            weighted_neutral = t.weighted_neutral + EXCLUDED.weighted_neutral;
    ELSE
        UPDATE driver_tallies AS t
        SET voters = t.voters + add_to_tally.voters, up = t.up + add_to_tally.up,
            down = t.down + add_to_tally.down, neutral = t.neutral + add_to_tally.neutral,
            weighted_up = t.weighted_up + add_to_tally.weighted_up,
            weighted_down = t.weighted_down + add_to_tally.weighted_down,
            weighted_neutral = t.weighted_neutral + add_to_tally.weighted_neutral
        WHERE t.platform = tally_platform AND t.driver_id = tally_driver
        RETURNING t.voters INTO left_voters;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'driver_tallies has no row for %:% that a vote counts in', tally_platform, tally_driver;
        END IF;
        IF left_voters = 0 THEN
            DELETE FROM driver_tallies WHERE platform = tally_platform AND driver_id = tally_driver;
        END IF;
    END IF;
    IF cardinality(dropped) > 0 THEN
        UPDATE driver_tag_counts AS c SET voters = c.voters - 1
        WHERE c.platform = tally_platform AND c.driver_id = tally_driver AND c.tag = ANY (dropped);
        DELETE FROM driver_tag_counts AS c
        WHERE c.platform = tally_platform AND c.driver_id = tally_driver AND c.tag = ANY (dropped) AND c.voters = 0;
    END IF;
    IF cardinality(chosen) > 0 THEN
        INSERT INTO driver_tag_counts AS c (platform, driver_id, tag, voters)
        SELECT tally_platform, tally_driver, tag, 1 FROM unnest(chosen) AS tag ORDER BY tag
        ON CONFLICT (platform, driver_id, tag) DO UPDATE SET voters = c.voters + 1;
    END IF;
END $$;

-- A vote's part in its driver's tally: 1 voter, its rep's count and weight; `sign` -1 takes it off.
CREATE FUNCTION add_vote_to_tally(vote votes, sign integer) RETURNS void
LANGUAGE sql AS $$
    SELECT add_to_tally(vote.platform, vote.driver_id, sign, sign * (vote.rep = 1)::integer,
                        sign * (vote.rep = -1)::integer, sign * (vote.rep = 0)::integer,
                        CASE WHEN vote.rep = 1 THEN sign * vote.weight::numeric ELSE 0 END,
                        CASE WHEN vote.rep = -1 THEN sign * vote.weight::numeric ELSE 0 END,
                        CASE WHEN vote.rep = 0 THEN sign * vote.weight::numeric ELSE 0 END,
                        CASE WHEN sign < 0 THEN ARRAY(SELECT DISTINCT unnest(vote.tags)) ELSE '{}' END,
                        CASE WHEN sign > 0 THEN ARRAY(SELECT DISTINCT unnest(vote.tags)) ELSE '{}' END)
$$;

CREATE FUNCTION votes_keep_tallies() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    dropped text[];
    chosen text[];
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.platform, OLD.driver_id) = (NEW.platform, NEW.driver_id) THEN
        -- the same driver: one change of its tally (none when neither rep, weight nor tags changed)
        dropped := ARRAY(SELECT unnest(OLD.tags) EXCEPT SELECT unnest(NEW.tags));
        chosen := ARRAY(SELECT unnest(NEW.tags) EXCEPT SELECT unnest(OLD.tags));
        IF (OLD.rep, OLD.weight) IS DISTINCT FROM (NEW.rep, NEW.weight) OR cardinality(dropped) > 0
                OR cardinality(chosen) > 0 THEN
            PERFORM add_to_tally(
                NEW.platform, NEW.driver_id, 0,
                (NEW.rep = 1)::integer - (OLD.rep = 1)::integer,
                (NEW.rep = -1)::integer - (OLD.rep = -1)::integer,
                (NEW.rep = 0)::integer - (OLD.rep = 0)::integer,
                CASE WHEN NEW.rep = 1 THEN NEW.weight::numeric ELSE 0 END
                    - CASE WHEN OLD.rep = 1 THEN OLD.weight::numeric ELSE 0 END,
                CASE WHEN NEW.rep = -1 THEN NEW.weight::numeric ELSE 0 END
                    - CASE WHEN OLD.rep = -1 THEN OLD.weight::numeric ELSE 0 END,
                CASE WHEN NEW.rep = 0 THEN NEW.weight::numeric ELSE 0 END
                    - CASE WHEN OLD.rep = 0 THEN OLD.weight::numeric ELSE 0 END,
                dropped, chosen);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM add_vote_to_tally(OLD, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM add_vote_to_tally(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER votes_keep_tallies AFTER INSERT OR UPDATE OR DELETE ON votes
FOR EACH ROW EXECUTE FUNCTION votes_keep_tallies();

-- TRUNCATE fires no row trigger: emptied votes empty the tallies.
CREATE FUNCTION votes_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE driver_tallies, driver_tag_counts;
    RETURN NULL;
END $$;

CREATE TRIGGER votes_truncated AFTER TRUNCATE ON votes FOR EACH STATEMENT EXECUTE FUNCTION votes_truncated();

-- The votes already there (a hub of schema 1). CREATE TRIGGER locked votes against writes until this migration
-- commits, so a hub of schema 1 still running meets the trigger with its next write: nothing is counted twice
-- or missed.
INSERT INTO driver_tallies
SELECT platform, driver_id, count(*), count(*) FILTER (WHERE rep = 1), count(*) FILTER (WHERE rep = -1),
       count(*) FILTER (WHERE rep = 0),
       coalesce(sum(weight::numeric) FILTER (WHERE rep = 1), 0),
       coalesce(sum(weight::numeric) FILTER (WHERE rep = -1), 0),
       coalesce(sum(weight::numeric) FILTER (WHERE rep = 0), 0)
FROM votes GROUP BY platform, driver_id;

INSERT INTO driver_tag_counts
SELECT platform, driver_id, tag, count(DISTINCT voter_id)
FROM votes CROSS JOIN LATERAL unnest(tags) AS tag
GROUP BY platform, driver_id, tag;
