"""The DCI Social Registry v1.0.0 API for ministries (sync/async search, txn status, subscribe/notify).

The same inner shape as the service: `domain/` (the message contract, the Group record, the rules of search and
subscription), `application/` (what each message does, the background jobs), `adapters/` (the DCI tables, the
query language's SQL, signatures, clients, callbacks) and `entrypoints/` (routes, the worker, the ministry's
command-line tool); `bootstrap.install` wires them into the registry's app.
"""
