// Stub: implemented by the HTTP work.
