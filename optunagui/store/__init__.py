"""The database layer: tables, the Database (engine, transactions, migrations) and repositories.

Repository functions take the session first; callers own the transaction::

    db = Database(settings.database_url)
    db.upgrade()
    with db.session() as session:
        user = create_user(session, "ada", password_hash)

`get_*` functions return None for an unknown id; functions that change a row raise NotFound.
"""

from optunagui.store import (
    accounts,  # noqa: F401  (its tables join Base.metadata)
    alerts,  # noqa: F401  (its tables join Base.metadata)
    idempotency,  # noqa: F401  (its table joins Base.metadata)
    models,  # noqa: F401  (its table joins Base.metadata)
    notes,  # noqa: F401  (its table joins Base.metadata)
    tracking,  # noqa: F401  (its tables join Base.metadata)
)
from optunagui.store.attached import (
    AttachedStudy,
    advance_cursor,
    get_attached,
    list_followed,
    record_follow_error,
)
from optunagui.store.code import (
    CodeVersion,
    get_code_version,
    put_code_version,
    read_code_file,
)
from optunagui.store.control import (
    acknowledge_control,
    get_pending_control,
    request_control,
    set_current_space,
)
from optunagui.store.datasets import (
    add_dataset_version,
    get_dataset_version,
    get_dataset_version_by_hash,
    list_dataset_versions,
)
from optunagui.store.db import Database
from optunagui.store.errors import Conflict, InvalidState, NotFound, StoreError
from optunagui.store.events import EventRow, append_events, last_event_id, list_events_after
from optunagui.store.experiments import (
    ExperimentAccess,
    create_experiment,
    delete_experiment,
    get_experiment,
    list_experiments_for_user,
    rename_experiment,
    set_baseline_run,
    update_experiment_description,
)
from optunagui.store.memberships import (
    Member,
    get_role,
    list_members,
    remove_member,
    set_member_role,
)
from optunagui.store.runs import (
    create_run,
    get_run,
    get_run_by_study_name,
    list_runs,
    list_runs_in_group,
    set_run_environment,
    set_run_process,
    update_run_status,
)
from optunagui.store.tables import (
    CONTROL_KINDS,
    EVENT_KINDS,
    ROLES,
    TRIAL_STATES,
    Base,
    DatasetVersion,
    Experiment,
    Membership,
    Run,
    Trial,
    TrialEvent,
    User,
)
from optunagui.store.trial_overview import (
    latest_started_before,
    latest_trials,
    primary_values,
    trials_by_numbers,
)
from optunagui.store.trial_pages import (
    TrialCondition,
    TrialFilter,
    TrialPage,
    TrialSort,
    page_trials,
)
from optunagui.store.trials import (
    TrialRow,
    count_trials_by_state,
    get_best_trial,
    list_trials,
    refresh_run_best,
    upsert_trials,
)
from optunagui.store.users import (
    create_user,
    get_user,
    get_user_by_name,
    list_users,
    set_user_active,
    update_user,
)

__all__ = [
    "CodeVersion",
    "AttachedStudy",
    "advance_cursor",
    "get_attached",
    "list_followed",
    "record_follow_error",
    "get_code_version",
    "put_code_version",
    "read_code_file",
    "CONTROL_KINDS",
    "EVENT_KINDS",
    "ROLES",
    "TRIAL_STATES",
    "Base",
    "Conflict",
    "Database",
    "DatasetVersion",
    "EventRow",
    "Experiment",
    "ExperimentAccess",
    "InvalidState",
    "Member",
    "Membership",
    "NotFound",
    "Run",
    "StoreError",
    "Trial",
    "TrialCondition",
    "TrialEvent",
    "TrialFilter",
    "TrialPage",
    "TrialRow",
    "TrialSort",
    "User",
    "acknowledge_control",
    "add_dataset_version",
    "append_events",
    "count_trials_by_state",
    "create_experiment",
    "create_run",
    "create_user",
    "delete_experiment",
    "get_best_trial",
    "get_dataset_version",
    "get_dataset_version_by_hash",
    "get_experiment",
    "get_pending_control",
    "get_role",
    "get_run",
    "get_run_by_study_name",
    "get_user",
    "get_user_by_name",
    "last_event_id",
    "list_dataset_versions",
    "list_events_after",
    "list_experiments_for_user",
    "list_members",
    "list_runs",
    "list_runs_in_group",
    "list_trials",
    "page_trials",
    "latest_started_before",
    "latest_trials",
    "primary_values",
    "trials_by_numbers",
    "list_users",
    "refresh_run_best",
    "remove_member",
    "rename_experiment",
    "request_control",
    "set_baseline_run",
    "set_current_space",
    "set_member_role",
    "set_run_environment",
    "set_run_process",
    "set_user_active",
    "update_experiment_description",
    "update_run_status",
    "update_user",
    "upsert_trials",
]
