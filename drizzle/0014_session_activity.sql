ALTER TABLE `bridge_sessions` ADD `last_used_at` integer;--> statement-breakpoint
ALTER TABLE `bridge_sessions` ADD `device` text;