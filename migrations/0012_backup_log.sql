CREATE TABLE "backup_log" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"trigger" text NOT NULL,
	"occurrence_id" bigint,
	"state" text DEFAULT 'queued' NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"file" text,
	"size" bigint,
	"sha256" text,
	"encrypted" boolean DEFAULT false NOT NULL,
	"error" text,
	"result" jsonb,
	"runner" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "backup_log_occurrence_id_unique" UNIQUE("occurrence_id")
);
--> statement-breakpoint
CREATE INDEX "backup_log_kind_idx" ON "backup_log" USING btree ("kind","state","id");