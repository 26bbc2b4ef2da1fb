ALTER TABLE "audit_runs" ADD COLUMN "executor" text;--> statement-breakpoint
ALTER TABLE "audit_runs" ADD COLUMN "heartbeat_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "screening_runs" ADD COLUMN "executor" text;--> statement-breakpoint
ALTER TABLE "screening_runs" ADD COLUMN "heartbeat_at" timestamp with time zone;