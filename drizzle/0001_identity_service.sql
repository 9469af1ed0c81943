CREATE TABLE `associations` (
	`tenant` text NOT NULL,
	`handle` text NOT NULL,
	`type` text NOT NULL,
	`secret` text NOT NULL,
	`private` integer NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `handle`)
);
--> statement-breakpoint
CREATE INDEX `associations_expiry` ON `associations` (`expires_at`);--> statement-breakpoint
CREATE TABLE `auth_requests` (
	`tenant` text NOT NULL,
	`request_id` text NOT NULL,
	`protocol` text NOT NULL,
	`browser_hash` text NOT NULL,
	`state` text NOT NULL,
	`realm` text NOT NULL,
	`requested_attributes` text DEFAULT '' NOT NULL,
	`immediate` integer DEFAULT false NOT NULL,
	`payload` text NOT NULL,
	`username` text,
	`attributes` text,
	`no_prompt` integer,
	`created_at` integer NOT NULL,
	`posted_at` integer,
	`completed_at` integer,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `request_id`)
);
--> statement-breakpoint
CREATE INDEX `auth_requests_expiry` ON `auth_requests` (`expires_at`);--> statement-breakpoint
CREATE TABLE `consents` (
	`tenant` text NOT NULL,
	`username` text NOT NULL,
	`audience` text NOT NULL,
	`grants` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `username`, `audience`)
);
--> statement-breakpoint
CREATE TABLE `identities` (
	`tenant` text NOT NULL,
	`username` text NOT NULL,
	`public_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `username`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identities_public` ON `identities` (`tenant`,`public_id`);