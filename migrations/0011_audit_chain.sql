CREATE TABLE "audit_chain" (
	"id" integer PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "seq" bigint;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "hash" text;--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_seq_uq" ON "audit_log" USING btree ("seq");--> statement-breakpoint
-- R-SEC-2: the audit log is append-only and chained. Each row's hash is sha256 over the previous row's hash
-- and a canonical text of the row (a JSON array of its columns, the time in UTC), computed here in the
-- database. Rows are written unsealed (writers take no lock: a lock on one chain head held to each commit
-- would queue every audited command behind every other, and could deadlock with the rows a command locks);
-- audit_log_seal() then chains the committed unsealed rows in one short transaction, numbering them by seq
-- (the app seals every few seconds, and audit verify seals first). audit_chain holds the chain's head.
CREATE FUNCTION "audit_log_hash"("seq" bigint, "prev_hash" text, "id" bigint, "at" timestamptz, "person_id" integer, "action" text, "entity" text, "entity_ref" text, "detail" jsonb)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(prev_hash || jsonb_build_array(seq, id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), person_id, action, entity, entity_ref, detail)::text, 'UTF8')), 'hex')
$$;--> statement-breakpoint
-- Rows written before this migration are chained in the order they were written.
DO $$
DECLARE
  r record;
  n bigint := 0;
  h text := repeat('0', 64);
BEGIN
  FOR r IN SELECT * FROM "audit_log" ORDER BY "id" LOOP
    n := n + 1;
    UPDATE "audit_log" SET "seq" = n, "prev_hash" = h,
      "hash" = "audit_log_hash"(n, h, r."id", r."at", r."person_id", r."action", r."entity", r."entity_ref", r."detail")
      WHERE "id" = r."id" RETURNING "hash" INTO h;
  END LOOP;
  INSERT INTO "audit_chain" ("id", "seq", "hash") VALUES (1, n, h);
END $$;--> statement-breakpoint
-- Unsealed rows are found by this index; it stays small (sealed within seconds).
CREATE INDEX "audit_log_unsealed_idx" ON "audit_log" ("id") WHERE "hash" IS NULL;--> statement-breakpoint
-- A writer cannot place a row in the chain itself: seq and the hashes are the sealer's.
CREATE FUNCTION "audit_log_unsealed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."seq" := NULL;
  NEW."prev_hash" := NULL;
  NEW."hash" := NULL;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "audit_log_unsealed" BEFORE INSERT ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_unsealed"();--> statement-breakpoint
-- Chains up to max_rows committed unsealed rows after the head, in the order of their ids; returns how many.
-- The head's row lock orders sealers (several processes); a sealer finding it taken does nothing.
CREATE FUNCTION "audit_log_seal"("max_rows" integer DEFAULT 10000) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  head record;
  r record;
  n integer := 0;
BEGIN
  SELECT "seq", "hash" INTO head FROM "audit_chain" WHERE "id" = 1 FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  FOR r IN SELECT * FROM "audit_log" WHERE "hash" IS NULL ORDER BY "id" LIMIT max_rows LOOP
    head."seq" := head."seq" + 1;
    UPDATE "audit_log" SET "seq" = head."seq", "prev_hash" = head."hash",
      "hash" = "audit_log_hash"(head."seq", head."hash", r."id", r."at", r."person_id", r."action", r."entity", r."entity_ref", r."detail")
      WHERE "id" = r."id" RETURNING "hash" INTO head."hash";
    n := n + 1;
  END LOOP;
  IF n > 0 THEN
    UPDATE "audit_chain" SET "seq" = head."seq", "hash" = head."hash" WHERE "id" = 1;
  END IF;
  RETURN n;
END $$;--> statement-breakpoint
-- UPDATE and DELETE are refused, but for the seal itself: an unsealed row given its place and its true hash,
-- its content unchanged.
CREATE FUNCTION "audit_log_refuse"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD."hash" IS NULL AND OLD."seq" IS NULL AND NEW."seq" IS NOT NULL
    AND NEW."id" = OLD."id" AND NEW."at" = OLD."at" AND NEW."person_id" IS NOT DISTINCT FROM OLD."person_id"
    AND NEW."action" = OLD."action" AND NEW."entity" IS NOT DISTINCT FROM OLD."entity"
    AND NEW."entity_ref" IS NOT DISTINCT FROM OLD."entity_ref" AND NEW."detail" = OLD."detail"
    AND NEW."hash" = "audit_log_hash"(NEW."seq", NEW."prev_hash", NEW."id", NEW."at", NEW."person_id", NEW."action", NEW."entity", NEW."entity_ref", NEW."detail")
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;--> statement-breakpoint
CREATE TRIGGER "audit_log_append_only" BEFORE UPDATE OR DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_refuse"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_refuse"();
