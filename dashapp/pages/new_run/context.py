"""What every wizard callback shares on the server: the check it declares (an editor or owner
of the experiment in the URL), the experiment state it reads that from, and what it reads for
the caller (the upload secret, the resources trials can use, the dataset the form names)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from dash import State

from dashapp import guard, services
from dashapp.guard import Access
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.estimate import Capacity, local_capacity
from dashapp.pages.new_run.wizard.form import DatasetRef
from dashapp.permissions import Role

__all__ = ["EDITOR", "EXPERIMENT", "capacity", "resolve_choice", "upload_secret"]

EDITOR = guard.experiment(Role.editor, "experiment_id")
EXPERIMENT = State(ids.experiment, "data")


def upload_secret() -> str | None:
    """The key that signs an upload's proof that its user sent the content."""
    return services.state().settings.secret_key


def capacity() -> Capacity:
    """The resources trials can use, as far as the dashboard knows them."""
    return local_capacity(os.cpu_count(), services.state().settings.ray_address)


def resolve_choice(access: Access, form: Mapping[str, Any]) -> DatasetRef | None:
    """The dataset the form names, if the caller may use it in this experiment."""
    with services.database().session() as session:
        return wizard_data.resolve_dataset(session, form, user_id=access.principal.user_id,
                                           experiment_id=access.experiment_id,
                                           secret=upload_secret())
