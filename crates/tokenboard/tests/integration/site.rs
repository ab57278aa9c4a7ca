//! The site's tests, through its router in process (no socket) except for `serve`.

mod feed;
mod router;
mod serve;
