CREATE TABLE `directory_links` (
	`tenant` text NOT NULL,
	`directory` text NOT NULL,
	`site_key` text NOT NULL,
	`user_id` text NOT NULL,
	`migrated_at` integer,
	`logins_count` integer DEFAULT 0 NOT NULL,
	`login_time` integer,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `directory`, `site_key`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `directory_links_user` ON `directory_links` (`tenant`,`user_id`);