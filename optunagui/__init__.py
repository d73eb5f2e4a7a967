"""OptunaGui: hyperparameter tuning without writing tuning code."""

__version__ = "0.1.0"
