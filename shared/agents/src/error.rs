use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AgentsError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("the {0} agent is switched off for your organization; a manager can switch it on")]
    AgentDisabled(&'static str),
    #[error(
        "this month's AI budget is spent: ${spent:.2} of ${budget:.2}; it renews on {renews_on}"
    )]
    BudgetExhausted {
        spent: f64,
        budget: f64,
        renews_on: chrono::NaiveDate,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("only a failed workflow can be retried")]
    NotRetryable,
    /// The model kept answering with something that is not the document asked for.
    #[error("the model's answer was not usable: {0}")]
    MalformedOutput(String),
    #[error("the model could not be reached: {0}")]
    Model(#[from] llm::ModelError),
    #[error("the task queue is unavailable: {0}")]
    Queue(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Analytics(#[from] analytics::AnalyticsError),
}

impl AgentsError {
    /// Whether the failure is the task's own (recorded on it) rather than our infrastructure's
    /// (the message is delivered again).
    pub fn settles_the_task(&self) -> bool {
        !matches!(
            self,
            AgentsError::Store(_)
                | AgentsError::Queue(_)
                | AgentsError::Analytics(analytics::AnalyticsError::Store(_))
        )
    }
}

impl From<store::tokio_postgres::Error> for AgentsError {
    fn from(error: store::tokio_postgres::Error) -> Self {
        AgentsError::Store(error.into())
    }
}
