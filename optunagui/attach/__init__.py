"""Existing Optuna studies in the product: attach one as a run, and follow it as it grows."""

from optunagui.attach.attach import (
    AttachedRun,
    AttachError,
    attach_studies,
    is_product_database,
    mirror_until_caught_up,
    stop_following,
)
from optunagui.attach.follower import PollOutcome, poll_run
from optunagui.attach.readers import ReaderCache
from optunagui.attach.source import SourceError, StudySource, parse_source

__all__ = [
    "AttachError",
    "AttachedRun",
    "PollOutcome",
    "ReaderCache",
    "SourceError",
    "StudySource",
    "attach_studies",
    "is_product_database",
    "mirror_until_caught_up",
    "parse_source",
    "poll_run",
    "stop_following",
]
