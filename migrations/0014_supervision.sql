CREATE SEQUENCE "public"."record_numbers_s" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "audit_samples" (
	"id" serial PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"record_type" text NOT NULL,
	"month" text NOT NULL,
	"size" integer NOT NULL,
	"seed" text NOT NULL,
	"population" integer NOT NULL,
	"picked" text[] NOT NULL,
	"created_by" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_samples_number_unique" UNIQUE("number")
);
--> statement-breakpoint
CREATE TABLE "rectify_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"notice_id" integer NOT NULL,
	"kind" text NOT NULL,
	"person_id" integer,
	"note" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rectify_notices" (
	"id" serial PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"record_ref" text,
	"issue" text NOT NULL,
	"assignee_id" integer,
	"department_id" integer,
	"responsible_id" integer NOT NULL,
	"state" text DEFAULT 'open' NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"overdue_at" timestamp with time zone,
	"accepted_at" timestamp with time zone,
	"done_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"closed_by" integer,
	"close_note" text,
	"created_by" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rectify_notices_number_unique" UNIQUE("number")
);
--> statement-breakpoint
ALTER TABLE "audit_samples" ADD CONSTRAINT "audit_samples_created_by_people_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectify_events" ADD CONSTRAINT "rectify_events_notice_id_rectify_notices_id_fk" FOREIGN KEY ("notice_id") REFERENCES "public"."rectify_notices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectify_events" ADD CONSTRAINT "rectify_events_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectify_notices" ADD CONSTRAINT "rectify_notices_assignee_id_people_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectify_notices" ADD CONSTRAINT "rectify_notices_department_id_departments_id_fk" FOREIGN KEY ("department_id") REFERENCES "public"."departments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectify_notices" ADD CONSTRAINT "rectify_notices_responsible_id_people_id_fk" FOREIGN KEY ("responsible_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectify_notices" ADD CONSTRAINT "rectify_notices_closed_by_people_id_fk" FOREIGN KEY ("closed_by") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectify_notices" ADD CONSTRAINT "rectify_notices_created_by_people_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rectify_events_notice_idx" ON "rectify_events" USING btree ("notice_id");--> statement-breakpoint
CREATE INDEX "rectify_notices_state_idx" ON "rectify_notices" USING btree ("state","due_at");--> statement-breakpoint
CREATE INDEX "rectify_notices_created_idx" ON "rectify_notices" USING btree ("created_at");