//! One integration-test binary: black-box tests against a real Postgres and the local AWS
//! endpoint. `cargo xtask test` starts both.

mod accounts;
mod admin;
mod ai_agents;
mod analytics;
mod billing;
mod errors;
mod health;
mod insights;
mod integrations;
mod kv;
mod layout;
mod media;
mod migrations;
mod notifications;
mod openapi;
mod platform_webhooks;
mod platforms;
mod publishing;
mod publishing_races;
mod schema;
mod social_accounts;
mod startup;
