//! The AI agents. An endpoint submits a task ([`pipeline::submit`]): a pending row and a
//! message on the agent's queue. The agent's function ([`worker::handle_batch`]) claims the row
//! once, runs it through the language-model port with the platforms' rules checked, and records
//! the output, tokens, latency and cost. Workflows ([`workflows`]) chain tasks, one message per
//! step. Agents write drafts and suggestions only: nothing here publishes or schedules.

pub mod budget;
pub mod catalog;
pub mod competitor;
pub mod content;
mod error;
pub mod hashtags;
pub mod memory;
pub mod pipeline;
mod rules;
mod session;
pub mod views;
pub mod worker;
pub mod workflows;

pub use catalog::{AgentSettings, TaskInput, TaskKind};
pub use error::AgentsError;
pub use session::ModelSession;
