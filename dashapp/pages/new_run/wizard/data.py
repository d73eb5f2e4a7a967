"""The wizard's data source: resolving the form's choice on the server, loading it once.

A builtin is named by the form; an upload is named by its dataset version id, which is
checked against the user and the experiment before its stored path is used. Paths never come
from the browser.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dashapp.pages.new_run.wizard.form import DatasetRef
from dashapp.pages.new_run.wizard.upload import accessible_version, upload_form, version_summary
from optunagui.datasets import (
    BUILTIN_DATASETS,
    DatasetError,
    LoadedDataset,
    load_builtin,
    load_file,
    read_header,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["VersionSwap", "clear_cache", "hide_path", "load_cached", "load_for_preview",
           "resolve_dataset", "swap_version"]

_CACHE_SIZE = 4
_MAX_TARGET_TRIES = 8
_cache: OrderedDict[str, LoadedDataset] = OrderedDict()
_lock = threading.Lock()


def resolve_dataset(
    session: Session, form: Mapping[str, Any], *, user_id: int | None, experiment_id: int,
    secret: str | None = None,
) -> DatasetRef | None:
    """The spec's ``dataset`` for the form's choice, or None when nothing usable is chosen.

    Args:
        secret: checks the upload's proof that the user sent its content (``upload_proof``).
    """
    if form.get("source") == "upload":
        upload = form.get("upload")
        if not isinstance(upload, Mapping):
            return None
        version = accessible_version(
            session, upload.get("version_id"), user_id=user_id, experiment_id=experiment_id,
            proof=upload.get("proof"), secret=secret,
        )
        if version is None:
            return None
        target = form.get("target")
        spec = {"path": version.stored_path, "version": version.sha256,
                "target": target if isinstance(target, str) and target else None}
        return DatasetRef(spec={k: v for k, v in spec.items() if v is not None},
                          version_id=version.id,
                          shown_name=version.original_filename or version.name)
    name = form.get("builtin")
    if not isinstance(name, str) or name not in BUILTIN_DATASETS:
        return None
    options = form.get("options") if isinstance(form.get("options"), Mapping) else {}
    spec: dict[str, Any] = {"builtin": name}
    if options:
        spec["options"] = dict(options)
    return DatasetRef(spec=spec)


def hide_path(text: str, ref: DatasetRef | None) -> str:
    """``text`` with the stored file's path (a server detail) replaced by the file's own name."""
    path = ref.spec.get("path") if ref is not None else None
    if ref is None or not isinstance(path, str) or not path:
        return text
    return text.replace(path, ref.shown_name or "the uploaded file")


@dataclass(frozen=True)
class VersionSwap:
    """The form after asking for a dataset version, and what to tell the person."""

    form: dict[str, Any]
    text: str
    applied: bool


def swap_version(
    session: Session, form: Mapping[str, Any], version_id: int | None, *, user_id: int | None,
    experiment_id: int
) -> VersionSwap:
    """The form reading the given dataset version instead of its data, when this user may use
    that version in this experiment (``accessible_version``); else the form unchanged."""
    version = (accessible_version(session, version_id, user_id=user_id,
                                  experiment_id=experiment_id)
               if version_id is not None else None)
    if version is None:
        return VersionSwap(dict(form), "That dataset version does not exist, or you may not use it "
                           "in this experiment; the data was left as it was.", False)
    swapped = {**form, "source": "upload", "builtin": None, "options": {},
               "upload": upload_form(version)}
    return VersionSwap(swapped, f"Using {version_summary(version)}.", True)


def _key(dataset: Mapping[str, Any]) -> str:
    items = sorted((str(k), repr(v)) for k, v in dataset.items() if k != "version")
    return repr(items)


def load_cached(dataset: Mapping[str, Any]) -> LoadedDataset:
    """Load the spec's ``dataset`` (builtin or file), keeping the last few in memory.

    Raises:
        DatasetError: the data cannot be used (the message says why).
    """
    key = _key(dataset)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    loaded = _load_uncached(dataset)
    with _lock:
        _cache[key] = loaded
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return loaded


def _load_uncached(dataset: Mapping[str, Any]) -> LoadedDataset:
    if dataset.get("builtin"):
        return load_builtin(str(dataset["builtin"]), **dict(dataset.get("options") or {}))
    return load_file(str(dataset["path"]), target=dataset.get("target"))


def load_for_preview(
    dataset: Mapping[str, Any], target: Any, *, cached: bool = True
) -> tuple[LoadedDataset | None, str | None]:
    """The data to preview, read with the chosen target when that target can be used.

    A file's rows do not depend on the target, but ``load_file`` refuses a target it cannot
    use (one class only, all missing): then the file is read with another column as target,
    so the preview and the column list still show, together with the reason.

    Returns:
        (dataset or None, the problem with the chosen target or the file, or None).
    """
    load = load_cached if cached else _load_uncached
    if dataset.get("builtin"):
        try:
            return load(dataset), None
        except (DatasetError, KeyError, TypeError, ValueError) as error:
            return None, str(error).strip("'\"")
    base = {k: v for k, v in dataset.items() if k != "target"}
    wanted = target if isinstance(target, str) and target else None
    try:
        return load({**base, "target": wanted} if wanted else base), None
    except DatasetError as error:
        problem = str(error)
    try:
        columns = read_header(str(base["path"]))
    except DatasetError as error:
        return None, str(error)
    for column in [c for c in reversed(columns) if c != wanted][:_MAX_TARGET_TRIES]:
        try:
            return load({**base, "target": column}), problem
        except DatasetError:
            continue
    return None, problem


def clear_cache() -> None:
    with _lock:
        _cache.clear()
