CREATE TABLE "leads" (
	"run_id" bigint NOT NULL,
	"lead_id" text NOT NULL,
	"category" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_ids" text[] NOT NULL,
	"medins_id" text NOT NULL,
	"score" integer NOT NULL,
	"factors" jsonb NOT NULL,
	"evidence" jsonb NOT NULL,
	"mdtrt_ids" text[] NOT NULL,
	"amount_at_risk_fen" bigint NOT NULL,
	"summary" text NOT NULL,
	CONSTRAINT "leads_run_id_lead_id_pk" PRIMARY KEY("run_id","lead_id")
);
--> statement-breakpoint
CREATE TABLE "review_queue" (
	"mdtrt_id" text PRIMARY KEY NOT NULL,
	"medins_id" text NOT NULL,
	"patn_id" text NOT NULL,
	"month" text NOT NULL,
	"risk" double precision NOT NULL,
	"factors" jsonb NOT NULL,
	"amount_fen" bigint NOT NULL,
	"status" text NOT NULL,
	"threshold" double precision NOT NULL,
	"assigned_to" text,
	"assigned_on" date,
	"decided_at" timestamp with time zone,
	"outcome" text,
	"built_at" timestamp with time zone NOT NULL,
	"audit_run_id" bigint,
	"screening_run_id" bigint
);
--> statement-breakpoint
CREATE TABLE "screen_params" (
	"region" text PRIMARY KEY NOT NULL,
	"params" jsonb NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "screening_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"params" jsonb NOT NULL,
	"total_institutions" integer DEFAULT 0 NOT NULL,
	"done_institutions" integer DEFAULT 0 NOT NULL,
	"encounters" integer DEFAULT 0 NOT NULL,
	"leads" integer DEFAULT 0 NOT NULL,
	"actor" text NOT NULL,
	"error" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "lead_boost" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "leads_rank" ON "leads" USING btree ("run_id","score");--> statement-breakpoint
CREATE INDEX "leads_encounters" ON "leads" USING gin ("mdtrt_ids");--> statement-breakpoint
CREATE INDEX "review_queue_rank" ON "review_queue" USING btree ("status","risk");--> statement-breakpoint
CREATE INDEX "review_queue_reviewer" ON "review_queue" USING btree ("assigned_to","assigned_on");