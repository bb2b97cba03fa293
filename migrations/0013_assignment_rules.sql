CREATE TABLE "assignment_rules" (
	"id" serial PRIMARY KEY NOT NULL,
	"region" text,
	"industry" text,
	"source" text,
	"assignee_id" integer,
	"team_manager_id" integer,
	"last_assignee_id" integer,
	"assigned_count" integer DEFAULT 0 NOT NULL,
	"created_by" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone,
	CONSTRAINT "assignment_rules_target_ck" CHECK (("assignment_rules"."assignee_id" is null) <> ("assignment_rules"."team_manager_id" is null))
);
--> statement-breakpoint
ALTER TABLE "assignment_rules" ADD CONSTRAINT "assignment_rules_assignee_id_people_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignment_rules" ADD CONSTRAINT "assignment_rules_team_manager_id_people_id_fk" FOREIGN KEY ("team_manager_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignment_rules" ADD CONSTRAINT "assignment_rules_last_assignee_id_people_id_fk" FOREIGN KEY ("last_assignee_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignment_rules" ADD CONSTRAINT "assignment_rules_created_by_people_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "lead_followups_person_idx" ON "lead_followups" USING btree ("person_id","created_at");