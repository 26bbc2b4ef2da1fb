CREATE TABLE "his_normalisations" (
	"medins_id" text NOT NULL,
	"field" text NOT NULL,
	"variant" text NOT NULL,
	"day" date NOT NULL,
	"count" bigint DEFAULT 0 NOT NULL,
	"last_msgid" text DEFAULT '' NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	CONSTRAINT "his_normalisations_medins_id_field_variant_day_pk" PRIMARY KEY("medins_id","field","variant","day")
);
--> statement-breakpoint
CREATE INDEX "his_normalisations_day" ON "his_normalisations" USING btree ("day");