"""`POST /api/v1/experiments/<id>/datasets`: upload a CSV or Parquet file as a dataset
version, as the wizard's upload step does (``receive_upload``: size limit, checks, stored by
content hash); a run is then launched on it with ``dataset_version_id``."""

from __future__ import annotations

from dashapp import services
from dashapp.api.registry import Call
from dashapp.api.responses import ApiProblem
from dashapp.api.schemas import DatasetAnswer
from optunagui.store import get_dataset_version

__all__ = ["upload_dataset"]


def upload_dataset(call: Call) -> DatasetAnswer:
    """Store the file and record it as a dataset version the caller may launch on."""
    # The wizard's package is a page: it loads with the pages, after the API.
    from dashapp.pages.new_run.wizard.upload import UploadError, max_upload_bytes, receive_upload

    contents = f"data:application/octet-stream;base64,{call.body.content_base64}"
    try:
        stored = receive_upload(services.database(), services.state().settings.data_dir,
                                contents, call.body.filename, user_id=call.user_id,
                                limit=max_upload_bytes())
    except UploadError as error:
        raise ApiProblem(422, str(error), [{"field": "content_base64", "message": str(error)}]
                         ) from None
    with services.database().session() as session:
        version = get_dataset_version(session, stored.version_id)
        assert version is not None
        sha256 = version.sha256
    return DatasetAnswer(id=stored.version_id, name=stored.name, filename=stored.filename,
                         sha256=sha256, n_rows=stored.n_rows, n_columns=stored.n_columns)
