CREATE TABLE "accumulators_cap" (
	"patn_id" text NOT NULL,
	"year" integer NOT NULL,
	"cap_group" text NOT NULL,
	"fund_paid_fen" bigint DEFAULT 0 NOT NULL,
	"deductible_met_fen" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "accumulators_cap_patn_id_year_cap_group_pk" PRIMARY KEY("patn_id","year","cap_group")
);
--> statement-breakpoint
CREATE TABLE "accumulators_year" (
	"patn_id" text NOT NULL,
	"year" integer NOT NULL,
	"admissions" integer DEFAULT 0 NOT NULL,
	"catastrophic_base_fen" bigint DEFAULT 0 NOT NULL,
	"catastrophic_paid_fen" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "accumulators_year_patn_id_year_pk" PRIMARY KEY("patn_id","year")
);
--> statement-breakpoint
CREATE TABLE "policy_sets" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"region" text NOT NULL,
	"year" integer NOT NULL,
	"insutype" text NOT NULL,
	"scenario" text NOT NULL,
	"version" text NOT NULL,
	"cap_group" text NOT NULL,
	"effective_from" date NOT NULL,
	"effective_to" date NOT NULL,
	"body" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settlements" (
	"setl_id" text PRIMARY KEY NOT NULL,
	"idempotency_key" text NOT NULL,
	"request_hash" text NOT NULL,
	"mdtrt_id" text NOT NULL,
	"patn_id" text NOT NULL,
	"medins_id" text NOT NULL,
	"year" integer NOT NULL,
	"cap_group" text NOT NULL,
	"policy_set_id" bigint NOT NULL,
	"settled_at" timestamp with time zone NOT NULL,
	"medfee_fen" bigint NOT NULL,
	"hifp_fen" bigint NOT NULL,
	"hifmi_fen" bigint NOT NULL,
	"fund_pay_fen" bigint NOT NULL,
	"psn_part_fen" bigint NOT NULL,
	"acc_before" jsonb NOT NULL,
	"acc_after" jsonb NOT NULL,
	"result" jsonb NOT NULL,
	"actor" text NOT NULL,
	"status" text NOT NULL,
	"reversal_key" text,
	"reversed_at" timestamp with time zone,
	"reversed_by" text,
	"reversal_reason" text
);
--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "final_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "policy_sets_version" ON "policy_sets" USING btree ("region","insutype","scenario","year","version");--> statement-breakpoint
CREATE INDEX "policy_sets_lookup" ON "policy_sets" USING btree ("region","insutype","scenario","effective_from");--> statement-breakpoint
CREATE UNIQUE INDEX "settlements_idempotency" ON "settlements" USING btree ("idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "settlements_reversal" ON "settlements" USING btree ("reversal_key");--> statement-breakpoint
CREATE UNIQUE INDEX "settlements_live_encounter" ON "settlements" USING btree ("mdtrt_id") WHERE status = 'settled';--> statement-breakpoint
CREATE INDEX "settlements_person" ON "settlements" USING btree ("patn_id","year");--> statement-breakpoint
CREATE INDEX "settlements_institution" ON "settlements" USING btree ("medins_id","settled_at");--> statement-breakpoint
CREATE INDEX "settlements_reversed" ON "settlements" USING btree ("medins_id","reversed_at");