"""The trial object a user's objective receives in a code run: Optuna's own `Trial`.

It is `optuna.trial.Trial` on the run's study, so ``suggest_*``, ``set_user_attr``,
``number``, ``params`` and ``user_attrs`` behave exactly as under ``study.optimize``. Three
things differ, and only inside the product:

- ``suggest_*`` of a parameter whose range the run holds (a range change from the run page,
  advice or the spec's ``space``) uses that range; a range of another kind is not forced on
  the code (an int stays an int);
- ``report(value, step)`` goes to Ray Tune, whose scheduler (ASHA, median) decides about the
  trial; the driver stores the intermediate value in the study;
- ``should_prune()`` is True once the run's scheduler would stop the trial: the scheduler
  marks the trial (system attr `PRUNE_ATTR`) instead of killing it, so the code's own
  clean-up runs before it raises ``optuna.TrialPruned``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from cluster.driver.keys import PARAMS_KEY, PRUNE_ATTR, STEP_KEY
from optunagui.spec.space import distribution_from_param

if TYPE_CHECKING:
    from optunagui.spec import ParamSpec

__all__ = ["ProductTrial", "override_for"]

Report = Callable[[dict[str, Any]], None]


def override_for(code: BaseDistribution, held: BaseDistribution | None) -> BaseDistribution:
    """The distribution a suggest uses: the run's range when it is of the same kind."""
    if held is None:
        return code
    if isinstance(code, IntDistribution) and isinstance(held, IntDistribution):
        return held
    if isinstance(code, FloatDistribution) and isinstance(held, FloatDistribution):
        return held
    if isinstance(code, CategoricalDistribution) and isinstance(held, CategoricalDistribution):
        return held
    return code


class ProductTrial(optuna.trial.Trial):
    """`optuna.trial.Trial` with the run's ranges, Tune reports and scheduler pruning.

    Args:
        study: the run's study, in this worker, with the run's sampler.
        trial_id: the Optuna trial the driver asked for this Tune trial.
        ranges: the run's current ranges (`current_space`), by parameter name.
        metric: the primary metric's name (what a report's value is called).
        send: sends one result to Tune (`ray.tune.report` in a worker).
        prunes: whether the run has a pruner; without one `should_prune` is always False.
    """

    def __init__(
        self,
        study: optuna.Study,
        trial_id: int,
        *,
        ranges: Mapping[str, ParamSpec],
        metric: str,
        send: Report,
        prunes: bool,
    ) -> None:
        super().__init__(study, trial_id)
        self._ranges = {name: distribution_from_param(param) for name, param in ranges.items()
                        if param.type != "fixed"}
        self._metric = metric
        self._send = send
        self._prunes = prunes
        self._extra: dict[str, Any] = {}
        self.last_step = 0
        self.reported = False

    def with_first_report(self, extra: Mapping[str, Any]) -> None:
        """Keys sent once with the first report (where the trial runs)."""
        self._extra = dict(extra)

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        return super()._suggest(name, override_for(distribution, self._ranges.get(name)))

    def params_json(self) -> str:
        return json.dumps(self.params, default=str)

    def report(self, value: float, step: int) -> None:
        if len(self.study.directions) > 1:
            raise NotImplementedError(
                "Trial.report is not supported for multi-objective optimization.")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"The `value` argument is of type '{type(value)}' but supposed "
                            "to be a float.") from None
        if step < 0:
            raise ValueError(f"The `step` argument is {step} but cannot be negative.")
        step = int(step)
        result: dict[str, Any] = {STEP_KEY: step, PARAMS_KEY: self.params_json()}
        result[self._metric] = value if math.isfinite(value) else float("nan")
        if self._extra:
            result.update(self._extra)
            self._extra = {}
        self.last_step = step
        self.reported = True
        self._send(result)

    def should_prune(self) -> bool:
        if len(self.study.directions) > 1:
            raise NotImplementedError(
                "Trial.should_prune is not supported for multi-objective optimization.")
        if not self._prunes or not self.reported:
            return False
        return bool(self.storage.get_trial_system_attrs(self._trial_id).get(PRUNE_ATTR))
