//! A run's deadline: Lambda's, less a margin so the writes in flight finish inside it.

use std::time::{Duration, Instant};

/// Stop starting work this long before the deadline, so writes finish inside it.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(5);

pub(crate) fn out_of_time(deadline: Instant) -> bool {
    Instant::now() + DEADLINE_MARGIN >= deadline
}
