ALTER TABLE "penalties" ADD COLUMN "revoked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "penalties" ADD COLUMN "revoked_by" text;--> statement-breakpoint
ALTER TABLE "penalties" ADD COLUMN "revoke_reason" text;