CREATE TABLE "message_opens" (
	"outbox_id" bigint PRIMARY KEY NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL
);
