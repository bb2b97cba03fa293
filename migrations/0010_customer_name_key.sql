ALTER TABLE "customers" ADD COLUMN "name_key" text GENERATED ALWAYS AS (lower(btrim(regexp_replace(normalize(name, NFKC), '[[:space:]]+', ' ', 'g')))) STORED NOT NULL;--> statement-breakpoint
-- Customers registered twice before this rule (racing adds, conversions) keep their rows: the later ones are
-- renamed "<name> (C-…)" so the unique index can be built; their numbers, orders and quotes stay as they were.
UPDATE "customers" SET "name" = "name" || ' (' || "number" || ')' WHERE "id" IN (
  SELECT "id" FROM (SELECT "id", row_number() OVER (PARTITION BY "name_key" ORDER BY "id") AS "n" FROM "customers") AS "d" WHERE "n" > 1
);--> statement-breakpoint
CREATE UNIQUE INDEX "customers_name_key_uq" ON "customers" USING btree ("name_key");