CREATE TABLE "api_keys" (
	"key_id" text PRIMARY KEY NOT NULL,
	"key_hash" text NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"role" text NOT NULL,
	"institution_id" text,
	"patn_id" text,
	"user_id" bigint,
	"secret_enc" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text DEFAULT '' NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"detail" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "catalogue_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"hilist_code" text NOT NULL,
	"hilist_name" text NOT NULL,
	"hilist_type" text NOT NULL,
	"hilist_lv" text NOT NULL,
	"selfpay_prop" double precision,
	"price_cap_fen" bigint,
	"unit" text DEFAULT '' NOT NULL,
	"limit_text" text DEFAULT '' NOT NULL,
	"group_codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"region" text DEFAULT '*' NOT NULL,
	"effective_from" date DEFAULT '0001-01-01' NOT NULL,
	"effective_to" date DEFAULT '9999-12-31' NOT NULL,
	"import_id" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "code_groups" (
	"group_name" text NOT NULL,
	"hilist_code" text NOT NULL,
	"region" text DEFAULT '*' NOT NULL,
	CONSTRAINT "code_groups_group_name_hilist_code_region_pk" PRIMARY KEY("group_name","hilist_code","region")
);
--> statement-breakpoint
CREATE TABLE "diagnoses" (
	"mdtrt_id" text NOT NULL,
	"seq" integer NOT NULL,
	"dise_id" text DEFAULT '' NOT NULL,
	"inout_dise_type" text DEFAULT '' NOT NULL,
	"maindise_flag" boolean DEFAULT false NOT NULL,
	"dias_srt_no" integer,
	"dise_codg" text NOT NULL,
	"dise_name" text DEFAULT '' NOT NULL,
	"dise_date" date,
	CONSTRAINT "diagnoses_mdtrt_id_seq_pk" PRIMARY KEY("mdtrt_id","seq")
);
--> statement-breakpoint
CREATE TABLE "encounters" (
	"mdtrt_id" text PRIMARY KEY NOT NULL,
	"patn_id" text NOT NULL,
	"region" text DEFAULT '' NOT NULL,
	"medins_id" text NOT NULL,
	"medins_name" text DEFAULT '' NOT NULL,
	"medins_admdvs" text DEFAULT '' NOT NULL,
	"medins_type" text DEFAULT '' NOT NULL,
	"medins_lv" text DEFAULT '' NOT NULL,
	"wardarea_codg" text DEFAULT '' NOT NULL,
	"wardno" text DEFAULT '' NOT NULL,
	"bedno" text DEFAULT '' NOT NULL,
	"adm_date" timestamp NOT NULL,
	"dscg_date" timestamp,
	"dscg_main_dise_codg" text DEFAULT '' NOT NULL,
	"dscg_main_dise_name" text DEFAULT '' NOT NULL,
	"dr_codg" text DEFAULT '' NOT NULL,
	"adm_dept_codg" text DEFAULT '' NOT NULL,
	"adm_dept_name" text DEFAULT '' NOT NULL,
	"dscg_dept_codg" text DEFAULT '' NOT NULL,
	"dscg_dept_name" text DEFAULT '' NOT NULL,
	"med_mdtrt_type" text NOT NULL,
	"med_type" text DEFAULT '' NOT NULL,
	"matn_stas" text DEFAULT '' NOT NULL,
	"medfee_sumamt" bigint,
	"ownpay_amt" bigint,
	"selfpay_amt" bigint,
	"insutype" text DEFAULT '' NOT NULL,
	"reim_flag" text DEFAULT '' NOT NULL,
	"out_setl_flag" text DEFAULT '' NOT NULL,
	"ext_flags" text[] DEFAULT '{}'::text[] NOT NULL,
	"setl_id" text,
	"setl_time" timestamp,
	"hifp_pay" bigint,
	"psn_pay" bigint,
	"ext_household_id" text DEFAULT '' NOT NULL,
	"ext_address" text DEFAULT '' NOT NULL,
	"lines_sumamt" bigint DEFAULT 0 NOT NULL,
	"line_count" integer DEFAULT 0 NOT NULL,
	"source" text DEFAULT 'import' NOT NULL,
	"import_id" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "imports" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"file_name" text NOT NULL,
	"format" text NOT NULL,
	"status" text NOT NULL,
	"records" integer DEFAULT 0 NOT NULL,
	"replaced" integer DEFAULT 0 NOT NULL,
	"warnings" integer DEFAULT 0 NOT NULL,
	"error_count" integer DEFAULT 0 NOT NULL,
	"report" jsonb,
	"actor" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "lab_results" (
	"mdtrt_id" text NOT NULL,
	"seq" integer NOT NULL,
	"lab_code" text NOT NULL,
	"lab_name" text DEFAULT '' NOT NULL,
	"rslt_val" double precision NOT NULL,
	"rslt_unt" text DEFAULT '' NOT NULL,
	"test_date" timestamp,
	CONSTRAINT "lab_results_mdtrt_id_seq_pk" PRIMARY KEY("mdtrt_id","seq")
);
--> statement-breakpoint
CREATE TABLE "list_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"list" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_code" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"effective_from" date DEFAULT '0001-01-01' NOT NULL,
	"effective_to" date DEFAULT '9999-12-31' NOT NULL,
	"source" text DEFAULT 'import' NOT NULL,
	"created_by" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "operations" (
	"mdtrt_id" text NOT NULL,
	"seq" integer NOT NULL,
	"setl_list_oprn_id" text DEFAULT '' NOT NULL,
	"oprn_code" text NOT NULL,
	"oprn_name" text DEFAULT '' NOT NULL,
	"main_oprn_flag" boolean DEFAULT false NOT NULL,
	"oprn_date" date,
	CONSTRAINT "operations_mdtrt_id_seq_pk" PRIMARY KEY("mdtrt_id","seq")
);
--> statement-breakpoint
CREATE TABLE "order_lines" (
	"mdtrt_id" text NOT NULL,
	"seq" integer NOT NULL,
	"rx_id" text NOT NULL,
	"rxno" text DEFAULT '' NOT NULL,
	"grpno" text DEFAULT '' NOT NULL,
	"long_drord_flag" text DEFAULT '' NOT NULL,
	"hilist_type" text DEFAULT '' NOT NULL,
	"chrg_type" text DEFAULT '' NOT NULL,
	"drord_bhvr" text DEFAULT '' NOT NULL,
	"hilist_code" text NOT NULL,
	"hilist_name" text DEFAULT '' NOT NULL,
	"hilist_lv" text DEFAULT '' NOT NULL,
	"hilist_pric" bigint,
	"hosplist_code" text DEFAULT '' NOT NULL,
	"hosplist_name" text DEFAULT '' NOT NULL,
	"cnt" double precision NOT NULL,
	"pric" bigint NOT NULL,
	"sumamt" bigint NOT NULL,
	"ownpay_amt" bigint DEFAULT 0 NOT NULL,
	"selfpay_amt" bigint DEFAULT 0 NOT NULL,
	"spec" text DEFAULT '' NOT NULL,
	"spec_unt" text DEFAULT '' NOT NULL,
	"drord_begn_date" timestamp,
	"drord_dept_codg" text DEFAULT '' NOT NULL,
	"drord_dept_name" text DEFAULT '' NOT NULL,
	"drord_dr_codg" text DEFAULT '' NOT NULL,
	"drord_dr_name" text DEFAULT '' NOT NULL,
	"drord_dr_profttl" integer,
	"curr_drord_flag" boolean DEFAULT true NOT NULL,
	"ext_days" double precision,
	"ext_doses" double precision,
	CONSTRAINT "order_lines_mdtrt_id_seq_pk" PRIMARY KEY("mdtrt_id","seq")
);
--> statement-breakpoint
CREATE TABLE "patients" (
	"patn_id" text PRIMARY KEY NOT NULL,
	"patn_name" text DEFAULT '' NOT NULL,
	"gend" text DEFAULT '' NOT NULL,
	"brdy" date,
	"poolarea" text DEFAULT '' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rule_pack_versions" (
	"pack" text NOT NULL,
	"version" text NOT NULL,
	"content" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"rule_count" integer NOT NULL,
	"author" text NOT NULL,
	"change_summary" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"activated_at" timestamp with time zone,
	"activated_by" text,
	CONSTRAINT "rule_pack_versions_pack_version_pk" PRIMARY KEY("pack","version")
);
--> statement-breakpoint
CREATE TABLE "rule_packs" (
	"pack" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"region" text NOT NULL,
	"active_version" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"display_name" text DEFAULT '' NOT NULL,
	"password_hash" text,
	"role" text NOT NULL,
	"institution_id" text,
	"patn_id" text,
	"disabled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_hash" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "audit_entity" ON "audit_log" USING btree ("entity_type","entity_id");--> statement-breakpoint
CREATE UNIQUE INDEX "catalogue_key" ON "catalogue_entries" USING btree ("hilist_code","region","effective_from");--> statement-breakpoint
CREATE INDEX "code_groups_code" ON "code_groups" USING btree ("hilist_code");--> statement-breakpoint
CREATE INDEX "encounters_patient" ON "encounters" USING btree ("patn_id","adm_date");--> statement-breakpoint
CREATE INDEX "encounters_institution" ON "encounters" USING btree ("medins_id","adm_date");--> statement-breakpoint
CREATE INDEX "encounters_region_date" ON "encounters" USING btree ("region","adm_date");--> statement-breakpoint
CREATE INDEX "list_subject" ON "list_entries" USING btree ("subject_type","subject_code","effective_from");--> statement-breakpoint
CREATE UNIQUE INDEX "list_key" ON "list_entries" USING btree ("list","subject_type","subject_code","effective_from");--> statement-breakpoint
CREATE INDEX "order_lines_code" ON "order_lines" USING btree ("hilist_code");