CREATE TABLE "screening_parts" (
	"run_id" bigint NOT NULL,
	"medins_id" text NOT NULL,
	"encounters" integer NOT NULL,
	"leads" jsonb NOT NULL,
	"admissions" jsonb NOT NULL,
	"peers" jsonb NOT NULL,
	"worker" text NOT NULL,
	"done_at" timestamp with time zone NOT NULL,
	CONSTRAINT "screening_parts_run_id_medins_id_pk" PRIMARY KEY("run_id","medins_id")
);
