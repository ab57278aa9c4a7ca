// Empty: cargo reads a package's build-dependencies (and unifies their features) only when it
// has a build script.
fn main() {}
