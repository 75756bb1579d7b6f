//! Call-log statuses and reasons (filled in with the call-log work).
