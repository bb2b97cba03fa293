ALTER TABLE "inbound_events" ADD COLUMN "payload" jsonb;--> statement-breakpoint
ALTER TABLE "inbound_events" ADD COLUMN "done_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "inbound_events" ADD COLUMN "outcome" text;--> statement-breakpoint
ALTER TABLE "inbound_events" ADD COLUMN "claimed_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "inbound_events" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "inbound_events_open_idx" ON "inbound_events" USING btree ("platform","at") WHERE "inbound_events"."done_at" is null;--> statement-breakpoint
CREATE INDEX "inbound_events_done_idx" ON "inbound_events" USING btree ("done_at");--> statement-breakpoint
-- Rows from before the journal only marked ids handled: they were done when written.
UPDATE "inbound_events" SET "done_at" = "at", "outcome" = 'done' WHERE "done_at" IS NULL;
