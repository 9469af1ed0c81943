CREATE TABLE `bridge_requests` (
	`tenant` text NOT NULL,
	`request_id` text NOT NULL,
	`realm` text,
	`requested_attributes` text DEFAULT '' NOT NULL,
	`browser_hash` text NOT NULL,
	`state` text NOT NULL,
	`user_id` text,
	`postback_attempts` integer DEFAULT 0 NOT NULL,
	`manual_retries` integer DEFAULT 0 NOT NULL,
	`lease_until` integer,
	`last_status` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `request_id`)
);
--> statement-breakpoint
CREATE INDEX `bridge_requests_expiry` ON `bridge_requests` (`expires_at`);--> statement-breakpoint
CREATE TABLE `bridge_sessions` (
	`tenant` text NOT NULL,
	`id_hash` text NOT NULL,
	`user_id` text NOT NULL,
	`auth_time` integer NOT NULL,
	`amr` text DEFAULT 'pwd' NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `id_hash`)
);
--> statement-breakpoint
CREATE INDEX `bridge_sessions_user` ON `bridge_sessions` (`tenant`,`user_id`);--> statement-breakpoint
CREATE INDEX `bridge_sessions_expiry` ON `bridge_sessions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `login_throttle` (
	`tenant` text NOT NULL,
	`key` text NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`window_start` integer NOT NULL,
	`locked_until` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant`, `key`)
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`tenant` text NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant`, `key`)
);
--> statement-breakpoint
CREATE TABLE `users` (
	`tenant` text NOT NULL,
	`id` text NOT NULL,
	`email` text NOT NULL,
	`username` text,
	`password_hash` text NOT NULL,
	`nickname` text,
	`fullname` text,
	`dob` text,
	`gender` text,
	`postcode` text,
	`country` text,
	`language` text,
	`timezone` text,
	`phone` text,
	`customer_id` text,
	`external_id` text,
	`email_verified` integer DEFAULT false NOT NULL,
	`blocked` integer DEFAULT false NOT NULL,
	`logins_count` integer DEFAULT 0 NOT NULL,
	`login_time` integer,
	`create_time` integer NOT NULL,
	`update_time` integer NOT NULL,
	PRIMARY KEY(`tenant`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_tenant_email` ON `users` (`tenant`,`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_tenant_username` ON `users` (`tenant`,`username`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_tenant_customer` ON `users` (`tenant`,`customer_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_tenant_external` ON `users` (`tenant`,`external_id`);--> statement-breakpoint
CREATE INDEX `users_tenant_phone` ON `users` (`tenant`,`phone`);