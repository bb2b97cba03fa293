ALTER TABLE "intel" ADD COLUMN "details" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "intel" ADD COLUMN "rejected" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "intel" ADD COLUMN "decided_by" integer;--> statement-breakpoint
ALTER TABLE "intel" ADD COLUMN "decided_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "intel" ADD COLUMN "decision_note" text;--> statement-breakpoint
ALTER TABLE "intel" ADD CONSTRAINT "intel_decided_by_people_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intel" ADD CONSTRAINT "intel_decided_ck" CHECK (not ("intel"."verified" and "intel"."rejected"));