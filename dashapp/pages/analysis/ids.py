"""Component ids of the run analysis page, defined once."""

from __future__ import annotations

__all__ = [
    "ALL_PARAMS_FIGURES",
    "AXES_FIGURES",
    "DIAGNOSIS_FIGURES",
    "FEATURE_FIGURES",
    "FIGURES",
    "PARALLEL_FIGURES",
    "PARAM_FIGURES",
    "ids",
]


class ids:
    run = "analysis-run-id"
    denied = "analysis-denied"
    body = "analysis-body"
    title = "analysis-title"
    links = "analysis-links"
    summary = "analysis-summary"
    tabs = "analysis-tabs"
    pareto_tab = "analysis-pareto-tab"
    features_tab = "analysis-features-tab"
    objective = "analysis-objective"
    x_param = "analysis-x-param"
    y_param = "analysis-y-param"
    method = "analysis-importance-method"
    importance_note = "analysis-importance-note"
    importance_poll = "analysis-importance-poll"
    advice = "analysis-advice"
    pareto_note = "analysis-pareto-note"
    features_note = "analysis-features-note"
    features_poll = "analysis-features-poll"
    features_rerun = "analysis-features-rerun"
    features_drop = "analysis-features-drop"
    features_link = "analysis-features-rerun-link"
    features_hint = "analysis-features-rerun-hint"
    drawn_axes = "analysis-drawn-axes"  # [objective, x, y] the scatter and contour show
    drawn_params = "analysis-drawn-params"  # [objective] the slice and history show
    download = "analysis-download"
    download_button = "analysis-download-button"  # pattern-matching type, with "figure"

    @staticmethod
    def graph(name: str) -> str:
        return f"analysis-{name}-graph"

    @staticmethod
    def verdict(name: str) -> str:
        """The line of text under a diagnosis figure (one of ``DIAGNOSIS_FIGURES``)."""
        return f"analysis-{name}-verdict"


# Figures of the page, by tab: their graph ids are ``ids.graph(name)``.
AXES_FIGURES = ("scatter", "contour")  # drawn for the chosen X and Y parameters
ALL_PARAMS_FIGURES = ("slice", "history")  # every parameter at once
PARAM_FIGURES = (*AXES_FIGURES, *ALL_PARAMS_FIGURES)  # the "Parameter space" tab
# A tab of its own: parallel coordinates are WebGL and cost a second to draw whatever the size.
PARALLEL_FIGURES = ("parallel",)
DIAGNOSIS_FIGURES = ("convergence", "exploration", "pruning", "workers")
FEATURE_FIGURES = ("feature_importance", "shap_bar", "shap_beeswarm")  # the best trial's model
FIGURES = (*PARAM_FIGURES, *PARALLEL_FIGURES, "importance", *DIAGNOSIS_FIGURES, "pareto",
           *FEATURE_FIGURES)
