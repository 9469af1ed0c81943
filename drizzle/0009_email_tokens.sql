CREATE TABLE `email_tokens` (
	`tenant` text NOT NULL,
	`token_hash` text NOT NULL,
	`purpose` text NOT NULL,
	`user_id` text NOT NULL,
	`email` text NOT NULL,
	`request_id` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	PRIMARY KEY(`tenant`, `token_hash`)
);
--> statement-breakpoint
CREATE INDEX `email_tokens_user` ON `email_tokens` (`tenant`,`user_id`,`purpose`);--> statement-breakpoint
CREATE INDEX `email_tokens_email` ON `email_tokens` (`tenant`,`email`,`purpose`);--> statement-breakpoint
CREATE INDEX `email_tokens_expiry` ON `email_tokens` (`expires_at`);