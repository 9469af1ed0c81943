CREATE TABLE `oidc_clients` (
	`tenant` text NOT NULL,
	`client_id` text NOT NULL,
	`name` text NOT NULL,
	`redirect_uris` text NOT NULL,
	`post_logout_redirect_uris` text DEFAULT '[]' NOT NULL,
	`public` integer NOT NULL,
	`trusted` integer DEFAULT false NOT NULL,
	`scopes` text NOT NULL,
	`secret_hash` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `client_id`)
);
--> statement-breakpoint
CREATE TABLE `oidc_codes` (
	`tenant` text NOT NULL,
	`code_hash` text NOT NULL,
	`grant_id` text NOT NULL,
	`client_id` text NOT NULL,
	`redirect_uri` text NOT NULL,
	`code_challenge` text,
	`nonce` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`consumed_at` integer,
	PRIMARY KEY(`tenant`, `code_hash`)
);
--> statement-breakpoint
CREATE TABLE `oidc_grants` (
	`tenant` text NOT NULL,
	`grant_id` text NOT NULL,
	`client_id` text NOT NULL,
	`username` text NOT NULL,
	`sub` text NOT NULL,
	`scopes` text NOT NULL,
	`claims` text NOT NULL,
	`auth_time` integer NOT NULL,
	`acr` text,
	`amr` text,
	`sid` text,
	`openid2_id` text,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	PRIMARY KEY(`tenant`, `grant_id`)
);
--> statement-breakpoint
CREATE INDEX `oidc_grants_sid` ON `oidc_grants` (`tenant`,`sid`);--> statement-breakpoint
CREATE TABLE `oidc_tokens` (
	`tenant` text NOT NULL,
	`token_hash` text NOT NULL,
	`kind` text NOT NULL,
	`grant_id` text NOT NULL,
	`client_id` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`consumed_at` integer,
	`revoked_at` integer,
	PRIMARY KEY(`tenant`, `token_hash`)
);
--> statement-breakpoint
CREATE INDEX `oidc_tokens_grant` ON `oidc_tokens` (`tenant`,`grant_id`);--> statement-breakpoint
CREATE TABLE `op_sessions` (
	`tenant` text NOT NULL,
	`id_hash` text NOT NULL,
	`sid` text NOT NULL,
	`username` text NOT NULL,
	`auth_time` integer NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `id_hash`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `op_sessions_sid` ON `op_sessions` (`tenant`,`sid`);--> statement-breakpoint
CREATE TABLE `signing_keys` (
	`tenant` text NOT NULL,
	`kid` text NOT NULL,
	`alg` text NOT NULL,
	`public_jwk` text NOT NULL,
	`private_jwk` text NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer,
	`publish_until` integer,
	PRIMARY KEY(`tenant`, `kid`)
);
--> statement-breakpoint
ALTER TABLE `auth_requests` ADD `auth_time` integer;--> statement-breakpoint
ALTER TABLE `auth_requests` ADD `amr` text;--> statement-breakpoint
ALTER TABLE `bridge_requests` ADD `auth_time` integer;--> statement-breakpoint
ALTER TABLE `bridge_requests` ADD `amr` text;--> statement-breakpoint
ALTER TABLE `bridge_requests` ADD `login_hint` text;