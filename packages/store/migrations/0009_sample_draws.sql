CREATE TABLE "sample_draws" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"params" jsonb NOT NULL,
	"draw" jsonb NOT NULL,
	"strata_of" jsonb NOT NULL,
	"extrapolation" jsonb,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
