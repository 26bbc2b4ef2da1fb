CREATE TABLE "penalties" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"medins_id" text NOT NULL,
	"kind" text NOT NULL,
	"multiplier" double precision NOT NULL,
	"recovered_fen" bigint NOT NULL,
	"fine_fen" bigint NOT NULL,
	"basis" text NOT NULL,
	"hearing_offered" boolean NOT NULL,
	"actor" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "penalties_case" ON "penalties" USING btree ("case_id");