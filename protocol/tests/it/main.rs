//! The typed client against the real sandbox, in-process on 127.0.0.1 port 0: one merchant per
//! test, created through the sandbox's control API; faults through `/_sandbox/faults`.

mod earning;
mod helpers;
mod hostile;
mod lifecycle;
mod orders;
mod retries;
mod webhooks;
