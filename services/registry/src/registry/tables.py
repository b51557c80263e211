"""The registry service's own tables (projections, replicas); the kit's tables live in `kit_metadata`."""

from sqlalchemy import MetaData

metadata = MetaData()
