"""Background work on RQ: the Redis connection and queues (conexion), the worker that runs
every job inside the app context (worker), periodic jobs declared as data (programacion)
and the thin job functions (trabajos/) that call the agencia services."""
