CREATE TABLE "chat_binding_departments" (
	"binding_id" integer NOT NULL,
	"department_id" integer NOT NULL,
	"bound_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chat_binding_departments_binding_id_department_id_pk" PRIMARY KEY("binding_id","department_id")
);
--> statement-breakpoint
CREATE TABLE "link_codes" (
	"id" serial PRIMARY KEY NOT NULL,
	"person_id" integer NOT NULL,
	"identity_id" integer NOT NULL,
	"code_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "merged_into" integer;--> statement-breakpoint
ALTER TABLE "chat_binding_departments" ADD CONSTRAINT "chat_binding_departments_binding_id_chat_bindings_id_fk" FOREIGN KEY ("binding_id") REFERENCES "public"."chat_bindings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_binding_departments" ADD CONSTRAINT "chat_binding_departments_department_id_departments_id_fk" FOREIGN KEY ("department_id") REFERENCES "public"."departments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_binding_departments" ADD CONSTRAINT "chat_binding_departments_bound_by_people_id_fk" FOREIGN KEY ("bound_by") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_codes" ADD CONSTRAINT "link_codes_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_codes" ADD CONSTRAINT "link_codes_identity_id_identities_id_fk" FOREIGN KEY ("identity_id") REFERENCES "public"."identities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_binding_departments_department_idx" ON "chat_binding_departments" USING btree ("department_id");--> statement-breakpoint
CREATE UNIQUE INDEX "link_codes_hash_uq" ON "link_codes" USING btree ("code_hash");--> statement-breakpoint
CREATE INDEX "link_codes_person_idx" ON "link_codes" USING btree ("person_id");--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_merged_into_people_id_fk" FOREIGN KEY ("merged_into") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Existing bindings keep their department (R-CHAN-4: a chat may now have several).
INSERT INTO "chat_binding_departments" ("binding_id", "department_id", "bound_by", "created_at")
  SELECT "id", "department_id", "bound_by", "created_at" FROM "chat_bindings" ON CONFLICT DO NOTHING;--> statement-breakpoint
-- A binding written with only chat_bindings.department_id (older code, scripts) still routes: mirrored here.
CREATE FUNCTION "chat_binding_first_department"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "chat_binding_departments" ("binding_id", "department_id", "bound_by")
    VALUES (NEW."id", NEW."department_id", NEW."bound_by") ON CONFLICT DO NOTHING;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "chat_binding_first_department" AFTER INSERT OR UPDATE OF "department_id" ON "chat_bindings"
  FOR EACH ROW EXECUTE FUNCTION "chat_binding_first_department"();
