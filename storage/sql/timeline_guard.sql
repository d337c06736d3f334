-- Timeline guard for PostgreSQL (docs/operations.md, "Timeline guard").
-- Run once as the role that OWNS the tables (the one that runs migrations), never as the bot's own role:
--   psql "$OWNER_DATABASE_URL" -f storage/sql/timeline_guard.sql
-- Afterwards nobody below the owner can change or delete a timeline event. The only UPDATE allowed is the one
-- retention makes: an event not yet erased gets erased = true and an empty payload, with its seq, type, actor,
-- time, digest and hashes unchanged (verification then checks an erasure event names it).
CREATE OR REPLACE FUNCTION timeline_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND OLD.erased = false AND NEW.erased = true
     AND (NEW.old_value IS NULL OR NEW.old_value::text = 'null')
     AND (NEW.new_value IS NULL OR NEW.new_value::text = 'null')
     AND NEW.data::text = '{}'
     AND NEW.id = OLD.id AND NEW.seq = OLD.seq AND NEW.incident_id IS NOT DISTINCT FROM OLD.incident_id
     AND NEW.type = OLD.type AND NEW.actor = OLD.actor AND NEW.at = OLD.at
     AND NEW.payload_digest = OLD.payload_digest AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'timeline_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

DROP TRIGGER IF EXISTS timeline_events_append_only ON timeline_events;
CREATE TRIGGER timeline_events_append_only BEFORE UPDATE OR DELETE ON timeline_events
  FOR EACH ROW EXECUTE FUNCTION timeline_events_guard();
DROP TRIGGER IF EXISTS timeline_events_no_truncate ON timeline_events;
CREATE TRIGGER timeline_events_no_truncate BEFORE TRUNCATE ON timeline_events
  FOR EACH STATEMENT EXECUTE FUNCTION timeline_events_guard();
