DROP INDEX "reminder_occurrences_unqueued_idx";--> statement-breakpoint
ALTER TABLE "reminder_occurrences" ADD COLUMN "written_by" "xid8" DEFAULT pg_current_xact_id() NOT NULL;--> statement-breakpoint
CREATE INDEX "reminder_occurrences_written_idx" ON "reminder_occurrences" USING btree ("written_by") WHERE state = 'scheduled';--> statement-breakpoint
ALTER TABLE "reminder_occurrences" DROP COLUMN "enqueued_at";