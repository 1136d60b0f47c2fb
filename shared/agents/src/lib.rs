//! The AI agents. An endpoint submits a task ([`pipeline::submit`]): a pending row and a
//! message on the agent's queue. The agent's function ([`worker::handle_batch`]) claims the row
//! once, runs it through the language-model port with the platforms' rules checked, and records
//! the output, tokens, latency and cost. Workflows ([`workflows`]) chain tasks, one message per
//! step. Agents write drafts and suggestions only: nothing here publishes or schedules.

pub mod budget;
pub mod catalog;
pub mod competitor;
pub mod content;
pub mod crisis;
mod error;
pub mod hashtags;
pub mod history;
pub mod memory;
pub mod performance;
pub mod pipeline;
pub mod prediction;
mod rules;
pub mod schedule;
pub mod scheduled;
mod session;
pub mod trends;
pub mod views;
pub mod worker;
pub mod workflows;

pub use catalog::{AgentSettings, TaskInput, TaskKind};
pub use error::AgentsError;
pub use session::ModelSession;
