CREATE TABLE "calendar_days" (
	"date" date PRIMARY KEY NOT NULL,
	"working" boolean NOT NULL,
	"name" text
);
--> statement-breakpoint
CREATE TABLE "reminder_occurrences" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"reminder_id" integer NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"state" text DEFAULT 'scheduled' NOT NULL,
	"enqueued_at" timestamp with time zone,
	"fired_at" timestamp with time zone,
	"done_by" integer,
	"done_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reminders" (
	"id" serial PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"kind" text NOT NULL,
	"subject_type" text,
	"subject_ref" text,
	"target_kind" text NOT NULL,
	"target_person_id" integer,
	"target_department" text,
	"target_platform" text,
	"target_tenant" text,
	"target_chat_id" text,
	"text" text NOT NULL,
	"repeat" text,
	"timezone" text NOT NULL,
	"urgent" boolean DEFAULT false NOT NULL,
	"state" text DEFAULT 'active' NOT NULL,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reminders_number_unique" UNIQUE("number")
);
--> statement-breakpoint
ALTER TABLE "reminder_occurrences" ADD CONSTRAINT "reminder_occurrences_reminder_id_reminders_id_fk" FOREIGN KEY ("reminder_id") REFERENCES "public"."reminders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_occurrences" ADD CONSTRAINT "reminder_occurrences_done_by_people_id_fk" FOREIGN KEY ("done_by") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminders" ADD CONSTRAINT "reminders_target_person_id_people_id_fk" FOREIGN KEY ("target_person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminders" ADD CONSTRAINT "reminders_created_by_people_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "reminder_occurrences_due_uq" ON "reminder_occurrences" USING btree ("reminder_id","due_at");--> statement-breakpoint
CREATE INDEX "reminder_occurrences_state_idx" ON "reminder_occurrences" USING btree ("state","due_at");--> statement-breakpoint
CREATE INDEX "reminders_subject_idx" ON "reminders" USING btree ("subject_type","subject_ref");--> statement-breakpoint
CREATE INDEX "reminders_state_idx" ON "reminders" USING btree ("state");