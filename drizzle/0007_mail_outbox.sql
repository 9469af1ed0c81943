CREATE TABLE `mail_outbox` (
	`tenant` text NOT NULL,
	`id` text NOT NULL,
	`recipient` text NOT NULL,
	`subject` text NOT NULL,
	`text_body` text NOT NULL,
	`html_body` text NOT NULL,
	`template` text NOT NULL,
	`locale` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `id`)
);
--> statement-breakpoint
CREATE INDEX `mail_outbox_created` ON `mail_outbox` (`tenant`,`created_at`);