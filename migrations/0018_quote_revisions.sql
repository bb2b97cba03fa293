ALTER TABLE "quotes" ADD COLUMN "revision_of" integer;--> statement-breakpoint
ALTER TABLE "quotes" ADD COLUMN "revision" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "quotes" ADD CONSTRAINT "quotes_revision_of_quotes_id_fk" FOREIGN KEY ("revision_of") REFERENCES "public"."quotes"("id") ON DELETE no action ON UPDATE no action;