"""What runs in the web and command-line processes: submitting a run, as a Ray Job or a local
driver process, watching and stopping it."""
