//! The `points` commands in-process against real parts: the merchant server over real HTTP and
//! TLS, the sandbox as Points, a real git repository.

mod listen;
mod preflight;
mod smoke;
mod support;
