CREATE TABLE "fsi_calls" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"infno" text NOT NULL,
	"msgid" text NOT NULL,
	"key_actor" text NOT NULL,
	"envelope" jsonb NOT NULL,
	"infcode" integer NOT NULL,
	"err_msg" text,
	"results" integer DEFAULT 0 NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"ms" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "realtime_warnings" (
	"jr_id" text PRIMARY KEY NOT NULL,
	"stage" text NOT NULL,
	"pack" text NOT NULL,
	"pack_version" text NOT NULL,
	"rule_id" text NOT NULL,
	"rule_name" text NOT NULL,
	"sev_deg" text NOT NULL,
	"patn_id" text NOT NULL,
	"mdtrt_id" text NOT NULL,
	"medins_id" text DEFAULT '' NOT NULL,
	"dept_codg" text DEFAULT '' NOT NULL,
	"dr_codg" text DEFAULT '' NOT NULL,
	"vola_amt_fen" bigint NOT NULL,
	"result" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "used_nonces" (
	"key_id" text NOT NULL,
	"nonce" text NOT NULL,
	"seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "used_nonces_key_id_nonce_pk" PRIMARY KEY("key_id","nonce")
);
--> statement-breakpoint
CREATE TABLE "warning_feedback" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"jr_id" text NOT NULL,
	"warn_type" text NOT NULL,
	"dspo_way" text NOT NULL,
	"dspo_way_rea" text DEFAULT '' NOT NULL,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "fsi_calls_time" ON "fsi_calls" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "warnings_rule" ON "realtime_warnings" USING btree ("rule_id","medins_id");--> statement-breakpoint
CREATE INDEX "warnings_encounter" ON "realtime_warnings" USING btree ("mdtrt_id");--> statement-breakpoint
CREATE INDEX "nonces_time" ON "used_nonces" USING btree ("seen_at");--> statement-breakpoint
CREATE INDEX "feedback_jr" ON "warning_feedback" USING btree ("jr_id");