"""Storing a code run's working directory as a code version, on the way to a new run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from optunagui.code.archive import build_archive
from optunagui.store.code import get_code_version, put_code_version

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from optunagui.spec import ExperimentSpec

__all__ = ["with_stored_code"]


def with_stored_code(session: Session, spec: ExperimentSpec) -> ExperimentSpec:
    """The spec with its code version stored and named (``objective.code``).

    A spec that names a code version already (a replay, a clone) keeps it, provided it is
    stored; otherwise the working directory is packaged now. A spec of a built-in model is
    returned as it is.

    Raises:
        ValueError: the named code version is not stored, or the folder cannot be packaged.
    """
    objective = spec.objective
    if objective is None:
        return spec
    if objective.code is not None:
        if get_code_version(session, objective.code) is None:
            raise ValueError(f"objective.code: code version {objective.code[:12]} is not "
                             "stored in this database")
        return spec
    if not objective.working_dir:
        raise ValueError("objective.working_dir: the folder of your code is not known")
    archive = build_archive(Path(objective.working_dir))
    version = put_code_version(session, archive, entry=objective.function)
    return spec.model_copy(
        update={"objective": objective.model_copy(update={"code": version.sha256})})
