//! The site's integration tests in one binary. Cargo links each file under `tests/` into a test
//! binary of its own, and each one compiled the data stack's generic code again: about a minute
//! apiece on 2 cores. As modules of one binary they share it.

mod feed;
mod router;
mod serve;
