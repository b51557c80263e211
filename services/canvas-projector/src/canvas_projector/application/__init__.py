"""Use cases of the read side: applying other services' facts to the replicas, staging, sealing and signing the
transparency log, and the queries behind the API, the portal and open data."""
