PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_users` (
	`tenant` text NOT NULL,
	`id` text NOT NULL,
	`email` text NOT NULL,
	`username` text,
	`password_hash` text,
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
	`attributes` text DEFAULT '{}' NOT NULL,
	`email_verified` integer DEFAULT false NOT NULL,
	`blocked` integer DEFAULT false NOT NULL,
	`logins_count` integer DEFAULT 0 NOT NULL,
	`login_time` integer,
	`create_time` integer NOT NULL,
	`update_time` integer NOT NULL,
	PRIMARY KEY(`tenant`, `id`)
);
--> statement-breakpoint
INSERT INTO `__new_users`("tenant", "id", "email", "username", "password_hash", "nickname", "fullname", "dob", "gender", "postcode", "country", "language", "timezone", "phone", "customer_id", "external_id", "email_verified", "blocked", "logins_count", "login_time", "create_time", "update_time") SELECT "tenant", "id", "email", "username", "password_hash", "nickname", "fullname", "dob", "gender", "postcode", "country", "language", "timezone", "phone", "customer_id", "external_id", "email_verified", "blocked", "logins_count", "login_time", "create_time", "update_time" FROM `users`;--> statement-breakpoint
DROP TABLE `users`;--> statement-breakpoint
ALTER TABLE `__new_users` RENAME TO `users`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `users_tenant_email` ON `users` (`tenant`,`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_tenant_username` ON `users` (`tenant`,`username`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_tenant_customer` ON `users` (`tenant`,`customer_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_tenant_external` ON `users` (`tenant`,`external_id`);--> statement-breakpoint
CREATE INDEX `users_tenant_phone` ON `users` (`tenant`,`phone`);