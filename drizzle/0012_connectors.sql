CREATE TABLE `connector_flows` (
	`tenant` text NOT NULL,
	`id_hash` text NOT NULL,
	`kind` text NOT NULL,
	`connector_id` text NOT NULL,
	`request_id` text,
	`browser_hash` text NOT NULL,
	`user_id` text,
	`sealed` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `id_hash`)
);
--> statement-breakpoint
CREATE INDEX `connector_flows_expiry` ON `connector_flows` (`expires_at`);--> statement-breakpoint
CREATE TABLE `connector_links` (
	`tenant` text NOT NULL,
	`connector_id` text NOT NULL,
	`subject_hash` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	PRIMARY KEY(`tenant`, `connector_id`, `subject_hash`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `connector_links_user` ON `connector_links` (`tenant`,`user_id`,`connector_id`);--> statement-breakpoint
ALTER TABLE `auth_requests` ADD `acr` text;--> statement-breakpoint
ALTER TABLE `bridge_requests` ADD `acr` text;