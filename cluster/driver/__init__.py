"""What runs in the Ray driver process of one run (``python -m cluster.driver RUN_ID``): the
Tune loop, the Optuna search on the shared database, trials, events, control and recovery."""
