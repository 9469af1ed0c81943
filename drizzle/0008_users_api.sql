CREATE TABLE `api_tokens` (
	`tenant` text NOT NULL,
	`id` text NOT NULL,
	`name` text,
	`token_hash` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	PRIMARY KEY(`tenant`, `id`)
);
--> statement-breakpoint
CREATE TABLE `audit_log` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`operation` text NOT NULL,
	`user_id` text,
	`fields` text DEFAULT '[]' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_tenant_at` ON `audit_log` (`tenant`,`at`);--> statement-breakpoint
CREATE INDEX `audit_log_user` ON `audit_log` (`tenant`,`user_id`);--> statement-breakpoint
CREATE INDEX `users_tenant_created` ON `users` (`tenant`,`create_time`,`id`);