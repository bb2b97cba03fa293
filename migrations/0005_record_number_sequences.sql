CREATE SEQUENCE "public"."record_numbers_a" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE SEQUENCE "public"."record_numbers_c" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE SEQUENCE "public"."record_numbers_i" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE SEQUENCE "public"."record_numbers_l" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE SEQUENCE "public"."record_numbers_q" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE SEQUENCE "public"."record_numbers_so" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
SELECT setval('record_numbers_c', value) FROM counters WHERE prefix = 'C';--> statement-breakpoint
SELECT setval('record_numbers_l', value) FROM counters WHERE prefix = 'L';--> statement-breakpoint
SELECT setval('record_numbers_q', value) FROM counters WHERE prefix = 'Q';--> statement-breakpoint
SELECT setval('record_numbers_so', value) FROM counters WHERE prefix = 'SO';--> statement-breakpoint
SELECT setval('record_numbers_a', value) FROM counters WHERE prefix = 'A';--> statement-breakpoint
SELECT setval('record_numbers_i', value) FROM counters WHERE prefix = 'I';
