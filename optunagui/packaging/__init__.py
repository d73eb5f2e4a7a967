"""Deployment-ready model packages: a trained pipeline with model.json and a standalone
predict.py that scores CSV files with nothing but the listed libraries."""

from optunagui.packaging._artifacts import PackageError, portable_copy, save_pipeline
from optunagui.packaging._build import (
    FORMAT_VERSION,
    PREDICT_FILE,
    BuiltPackage,
    PackageSource,
    build_package,
)
from optunagui.packaging._schema import column_kind, input_schema, package_versions

__all__ = [
    "FORMAT_VERSION",
    "PREDICT_FILE",
    "BuiltPackage",
    "PackageError",
    "PackageSource",
    "build_package",
    "column_kind",
    "input_schema",
    "package_versions",
    "portable_copy",
    "save_pipeline",
]
