"""Screening engine benchmark: intakes screened per second, and time per intake as the
medication list grows (1, 5, 10, 20, 40 medicines).

The intakes are built by seed_demo's generator and turned into the engine's input by the
real export (`screening_input`), so they look like what patients enter. No database is
needed. Run alone with `.venv/bin/python bench/screening.py`, or as part of `make bench`.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
MED_COUNTS = (1, 5, 10, 20, 40)
TARGET_MS = 2.0  # one intake, on the project's 2-core machine


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def sample_inputs(count: int, seed: int = 1) -> list[dict]:
    """`count` realistic engine inputs (submitted intakes: every step answered)."""
    from django.utils import timezone

    from intake.export import screening_input
    from intake.management.commands.seed_demo import Seeder
    from intake.models import Intake

    seeder = Seeder(
        rng=random.Random(seed),
        practitioners=[],
        consent=SimpleNamespace(version=1),  # answers only; nothing is saved
        password_hash="",
        patient_group=None,
        first_number=0,
    )
    inputs = []
    for i in range(count):
        answers, _ = seeder.answers(f"Patient {i}", 8, timezone.now())
        inputs.append(screening_input(Intake(answers=answers)))
    return inputs


# One of each kind of line a patient types: a brand with a dose, a generic, an SSRI, a
# misspelling and something the reference does not know. Longer lists repeat the block, so
# every added medicine costs the same if the engine is linear.
MEDICATION_BLOCK = (
    {"name": "Eliquis 5mg", "dose": "5 mg", "frequency": "twice daily"},
    {"name": "ibuprofen", "dose": "400 mg", "frequency": "when needed"},
    {"name": "sertraline", "dose": "50 mg"},
    {"name": "ibuprofin", "frequency": "when needed"},
    {"name": "the little white pill for my heart"},
)


def with_medications(base: dict, count: int) -> dict:
    """`base` with a list of `count` medicines, repeating MEDICATION_BLOCK."""
    meds = [dict(MEDICATION_BLOCK[i % len(MEDICATION_BLOCK)]) for i in range(count)]
    return {**base, "medications": meds}


def per_intake_ms(inputs: list[dict], *, min_seconds: float = 0.5, repeats: int = 3) -> float:
    """Best-of-`repeats` mean time to screen one of `inputs`, in milliseconds."""
    from intake.screening import screen

    for answers in inputs[:20]:
        screen(answers)  # warm the phrase indexes and caches
    best = float("inf")
    for _ in range(repeats):
        done = 0
        started = time.perf_counter()
        while True:
            for answers in inputs:
                screen(answers)
            done += len(inputs)
            elapsed = time.perf_counter() - started
            if elapsed >= min_seconds:
                break
        best = min(best, elapsed / done * 1000)
    return best


def run(quick: bool = False) -> dict:
    """Measure, print a table, and return the figures (run.py adds them to its summary)."""
    inputs = sample_inputs(200 if quick else 1000)
    mean_ms = per_intake_ms(inputs, min_seconds=0.3 if quick else 1.0)
    base = inputs[0]
    scaling = []
    for count in MED_COUNTS:
        batch = [with_medications(base, count)] * 10
        scaling.append((count, per_intake_ms(batch, min_seconds=0.2 if quick else 0.5)))

    print("\nScreening engine (pure Python, one process)")
    print(f"  realistic intakes: {mean_ms:.3f} ms per intake, {1000 / mean_ms:,.0f} intakes/s")
    print(f"  {'medicines':>9}  {'ms/intake':>9}  {'µs per medicine added':>22}")
    previous = None
    marginals = []
    for count, ms in scaling:
        if previous is None:
            step = ""
        else:
            marginal = (ms - previous[1]) * 1000 / (count - previous[0])
            marginals.append(marginal)
            step = f"{marginal:.1f}"
        print(f"  {count:>9}  {ms:>9.3f}  {step:>22}")
        previous = (count, ms)
    # Linear (or better) when adding a medicine costs no more at 40 than at 5, allowing
    # for timer noise: a quadratic matcher would make the last step several times dearer.
    linear = marginals[-1] <= max(marginals[1], 1.0) * 1.5 + 2.0
    growth = scaling[-1][1] / scaling[0][1]
    print(
        f"  40 medicines take {growth:.1f}x the time of 1: "
        f"{'linear or better' if linear else 'worse than linear'}"
    )
    return {
        "ms_per_intake": mean_ms,
        "intakes_per_second": 1000 / mean_ms,
        "scaling": scaling,
        "linear": linear,
        "pass": mean_ms < TARGET_MS,
        "worst_ms": max(ms for _, ms in scaling),
    }


if __name__ == "__main__":
    setup_django()
    result = run(quick="--quick" in sys.argv)
    verdict = "PASS" if result["pass"] else "FAIL"
    print(f"  screening one intake under {TARGET_MS} ms: {verdict}")
