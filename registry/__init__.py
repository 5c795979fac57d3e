"""The registry: staging store, build, model, queries and the `registry` command."""
