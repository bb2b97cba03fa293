CREATE TABLE "transfers" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"flow" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" integer NOT NULL,
	"subject_ref" text NOT NULL,
	"event_at" timestamp with time zone NOT NULL,
	"department_id" integer,
	"person_id" integer,
	"written_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "transfers" ADD CONSTRAINT "transfers_department_id_departments_id_fk" FOREIGN KEY ("department_id") REFERENCES "public"."departments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfers" ADD CONSTRAINT "transfers_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "transfers_event_idx" ON "transfers" USING btree ("event_at");--> statement-breakpoint
CREATE INDEX "distributions_sent_idx" ON "distributions" USING btree ("sent_at");--> statement-breakpoint
CREATE INDEX "outbox_card_post_idx" ON "outbox" USING btree ("card_key") WHERE op = 'post' and card_key is not null;--> statement-breakpoint
CREATE INDEX "outbox_created_idx" ON "outbox" USING btree ("created_at");