CREATE TABLE "attachments" (
	"sha256" text NOT NULL,
	"case_id" text NOT NULL,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"bytes" integer NOT NULL,
	"content" text NOT NULL,
	"uploaded_by" text NOT NULL,
	"uploaded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "attachments_case_id_sha256_pk" PRIMARY KEY("case_id","sha256")
);
--> statement-breakpoint
CREATE TABLE "audit_run_chunks" (
	"run_id" bigint NOT NULL,
	"chunk_no" integer NOT NULL,
	"patient_ids" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"encounters" integer DEFAULT 0 NOT NULL,
	"findings" integer DEFAULT 0 NOT NULL,
	"worker" text,
	"done_at" timestamp with time zone,
	CONSTRAINT "audit_run_chunks_run_id_chunk_no_pk" PRIMARY KEY("run_id","chunk_no")
);
--> statement-breakpoint
CREATE TABLE "audit_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"params" jsonb NOT NULL,
	"pack_versions" jsonb NOT NULL,
	"total_chunks" integer DEFAULT 0 NOT NULL,
	"done_chunks" integer DEFAULT 0 NOT NULL,
	"encounters" integer DEFAULT 0 NOT NULL,
	"findings" integer DEFAULT 0 NOT NULL,
	"actor" text NOT NULL,
	"error" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "case_events" (
	"case_id" text NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"actor" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"event" jsonb NOT NULL,
	CONSTRAINT "case_events_case_id_seq_pk" PRIMARY KEY("case_id","seq")
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" text PRIMARY KEY NOT NULL,
	"medins_id" text NOT NULL,
	"month" text NOT NULL,
	"status" text NOT NULL,
	"level" integer DEFAULT 0 NOT NULL,
	"special" boolean DEFAULT false NOT NULL,
	"proposed_fen" bigint NOT NULL,
	"deduction_fen" bigint,
	"risk" double precision DEFAULT 0 NOT NULL,
	"finding_count" integer NOT NULL,
	"due_at" timestamp with time zone,
	"state" jsonb NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "findings" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" bigint NOT NULL,
	"pack" text NOT NULL,
	"pack_version" text NOT NULL,
	"rule_id" text NOT NULL,
	"rule_name" text NOT NULL,
	"category" text NOT NULL,
	"severity" text NOT NULL,
	"appealable" boolean DEFAULT true NOT NULL,
	"patn_id" text NOT NULL,
	"mdtrt_id" text NOT NULL,
	"medins_id" text NOT NULL,
	"dept_codg" text DEFAULT '' NOT NULL,
	"dr_codg" text DEFAULT '' NOT NULL,
	"month" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"result" jsonb NOT NULL,
	"case_id" text
);
--> statement-breakpoint
CREATE INDEX "cases_worklist" ON "cases" USING btree ("status","risk");--> statement-breakpoint
CREATE INDEX "cases_institution" ON "cases" USING btree ("medins_id","month");--> statement-breakpoint
CREATE INDEX "findings_run" ON "findings" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "findings_case_key" ON "findings" USING btree ("medins_id","month","case_id");--> statement-breakpoint
CREATE INDEX "findings_encounter" ON "findings" USING btree ("mdtrt_id");