CREATE TABLE `import_errors` (
	`tenant` text NOT NULL,
	`job_id` text NOT NULL,
	`line` integer NOT NULL,
	`field` text NOT NULL,
	`reason` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `import_errors_job` ON `import_errors` (`tenant`,`job_id`,`line`);--> statement-breakpoint
CREATE TABLE `import_jobs` (
	`tenant` text NOT NULL,
	`id` text NOT NULL,
	`origin` text NOT NULL,
	`source` text NOT NULL,
	`fingerprint` text NOT NULL,
	`format` text NOT NULL,
	`options` text NOT NULL,
	`header` text,
	`state` text NOT NULL,
	`offset` integer DEFAULT 0 NOT NULL,
	`line` integer DEFAULT 0 NOT NULL,
	`total_bytes` integer NOT NULL,
	`inserted` integer DEFAULT 0 NOT NULL,
	`updated` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`rejected` integer DEFAULT 0 NOT NULL,
	`error` text,
	`create_time` integer NOT NULL,
	`update_time` integer NOT NULL,
	`finish_time` integer,
	PRIMARY KEY(`tenant`, `id`)
);
--> statement-breakpoint
CREATE INDEX `import_jobs_source` ON `import_jobs` (`tenant`,`source`);