// Stub: implemented by the routing work.
