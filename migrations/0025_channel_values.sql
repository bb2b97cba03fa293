CREATE TABLE "channel_values" (
	"platform" text NOT NULL,
	"name" text NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "channel_values_platform_name_pk" PRIMARY KEY("platform","name")
);
