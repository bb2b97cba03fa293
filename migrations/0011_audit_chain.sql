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
-- database so no writer can forget it. audit_chain holds the chain's head; its row lock serialises writers,
-- so concurrent inserts form one chain numbered by seq without gaps (a rolled-back insert rolls back the head).
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
CREATE FUNCTION "audit_log_chain"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head record;
BEGIN
  SELECT "seq", "hash" INTO head FROM "audit_chain" WHERE "id" = 1 FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit_chain has no head row: the audit log cannot be appended to';
  END IF;
  NEW."seq" := head."seq" + 1;
  NEW."prev_hash" := head."hash";
  NEW."hash" := "audit_log_hash"(NEW."seq", NEW."prev_hash", NEW."id", NEW."at", NEW."person_id", NEW."action", NEW."entity", NEW."entity_ref", NEW."detail");
  UPDATE "audit_chain" SET "seq" = NEW."seq", "hash" = NEW."hash" WHERE "id" = 1;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "audit_log_chain" BEFORE INSERT ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_chain"();--> statement-breakpoint
CREATE FUNCTION "audit_log_refuse"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;--> statement-breakpoint
CREATE TRIGGER "audit_log_append_only" BEFORE UPDATE OR DELETE OR TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_refuse"();
