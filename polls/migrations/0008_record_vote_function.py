"""A vote in one round trip on PostgreSQL: polls_record_vote() (see polls.voting).

Each statement of a PL/pgSQL function reads a fresh snapshot and locks rows as a
sequence of plain statements would. A single statement of data-modifying CTEs does
not: PostgreSQL re-checks its counter updates against rows that racing votes
changed, and can drop one, leaving a counter off by a vote.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION polls_record_vote(
    p_poll bigint, p_choice bigint, p_user bigint, p_voter_key text,
    p_is_new boolean, p_now timestamptz
) RETURNS TABLE (valid boolean, changed boolean, answer_id bigint, answer_votes integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_vote bigint;
    v_old bigint;
    v_changed boolean := false;
BEGIN
    PERFORM FROM polls_choice
    WHERE id = p_choice AND poll_id = p_poll AND status = 'approved';
    IF NOT FOUND THEN
        RETURN QUERY SELECT false, false, NULL::bigint, NULL::integer;
        RETURN;
    END IF;

    FOR attempt IN 1..3 LOOP
        IF p_user IS NULL THEN
            SELECT id, choice_id INTO v_vote, v_old FROM polls_vote
            WHERE poll_id = p_poll AND voter_key = p_voter_key FOR UPDATE;
        ELSE
            SELECT id, choice_id INTO v_vote, v_old FROM polls_vote
            WHERE poll_id = p_poll AND user_id = p_user FOR UPDATE;
        END IF;
        EXIT WHEN FOUND;
        INSERT INTO polls_vote
            (poll_id, choice_id, user_id, voter_key, is_new_voter, created_at, updated_at)
        VALUES (p_poll, p_choice, p_user, p_voter_key, p_is_new, p_now, p_now)
        ON CONFLICT DO NOTHING;
        IF FOUND THEN
            UPDATE polls_choice SET vote_count = vote_count + 1 WHERE id = p_choice;
            v_changed := true;
            EXIT;
        END IF;
        -- A racing request of the same voter inserted first: lock its vote.
    END LOOP;

    IF v_vote IS NULL AND NOT v_changed THEN
        RAISE unique_violation USING MESSAGE = 'the vote lost three races in a row';
    END IF;

    IF v_vote IS NOT NULL AND v_old <> p_choice THEN
        UPDATE polls_vote SET choice_id = p_choice, updated_at = p_now WHERE id = v_vote;
        -- Counters in primary key order: two voters swapping the same
        -- answers do not deadlock.
        UPDATE polls_choice
        SET vote_count = vote_count + CASE WHEN id = p_choice THEN 1 ELSE -1 END
        WHERE id = LEAST(v_old, p_choice);
        UPDATE polls_choice
        SET vote_count = vote_count + CASE WHEN id = p_choice THEN 1 ELSE -1 END
        WHERE id = GREATEST(v_old, p_choice);
        v_changed := true;
    END IF;

    RETURN QUERY
        SELECT true, v_changed, c.id, c.vote_count FROM polls_choice c
        WHERE c.poll_id = p_poll AND c.status = 'approved';
END
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS polls_record_vote(bigint, bigint, bigint, text, boolean, timestamptz);
"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("polls", "0007_proposal_sweeper_schedule")]

    operations = [migrations.RunPython(create_function, drop_function)]
