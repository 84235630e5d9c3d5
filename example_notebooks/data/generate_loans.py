"""Write ``loans.csv``: a synthetic personal-loan book with 12-month default labels, from a fixed seed.

The file is shipped, so every machine fingerprints the same bytes; this script
documents how it was made and rewrites it identically (same seed, same numpy):

    python example_notebooks/data/generate_loans.py

No row describes a real person. The default probability is a logistic function
of debt-to-income, delinquencies, interest rate, credit history, employment and
age, with noise, so a model has something real to learn and segments differ.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20260115
ROWS = 4_000
OUT = Path(__file__).with_name("loans.csv")


def loans(seed: int = SEED, rows: int = ROWS) -> pd.DataFrame:
    """The loan book: one row per application, ``defaulted`` the label (1 = defaulted within 12 months)."""
    rng = np.random.default_rng(seed)
    age = np.clip(rng.normal(41, 12, rows), 18, 79).round().astype(int)
    income = (np.exp(rng.normal(np.log(46_000), 0.45, rows)) / 100).round() * 100
    employment = np.clip(rng.gamma(2.0, 3.0, rows), 0, age - 17).round(1)
    employment[rng.random(rows) < 0.03] = np.nan  # not stated on the application
    home = rng.choice(["rent", "mortgage", "own"], rows, p=[0.45, 0.40, 0.15])
    purpose = rng.choice(["debt_consolidation", "car", "home_improvement", "small_business", "education", "other"],
                         rows, p=[0.38, 0.2, 0.16, 0.08, 0.06, 0.12])
    amount = np.clip(income * rng.uniform(0.05, 0.45, rows) / 250, 4, 160).round() * 250
    term = rng.choice([36, 60], rows, p=[0.7, 0.3])
    history = np.clip(rng.normal((age - 18) * 0.6, 3), 0, age - 18).round().astype(int)
    delinquencies = rng.poisson(0.35, rows)
    debt_to_income = np.clip(rng.beta(2.2, 6.0, rows) + amount / income / 4, 0, 0.95).round(3)
    region = rng.choice(["north", "south", "east", "west"], rows, p=[0.3, 0.25, 0.25, 0.2])
    grade_risk = 1.8 * debt_to_income + 0.45 * delinquencies - 0.03 * history + rng.normal(0, 0.35, rows)
    interest = np.clip(7.5 + 5.0 * grade_risk + (term == 60) * 1.2, 4.0, 29.9).round(2)
    logit = (-2.2 + 3.2 * (debt_to_income - 0.3) + 0.55 * delinquencies + 0.09 * (interest - 10)
             - 0.035 * np.nan_to_num(employment, nan=2.0) - 0.02 * history + 0.05 * np.maximum(30 - age, 0)
             + 0.35 * (purpose == "small_business") + 0.25 * (home == "rent") + (term == 60) * 0.3
             + rng.normal(0, 0.4, rows))
    defaulted = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    months = pd.period_range("2024-01", "2025-12", freq="M").astype(str)
    return pd.DataFrame({
        "loan_id": [f"L{i:05d}" for i in range(1, rows + 1)],
        "application_month": np.sort(rng.choice(months, rows)),
        "age": age,
        "annual_income": income.astype(int),
        "employment_years": employment,
        "home_ownership": home,
        "purpose": purpose,
        "loan_amount": amount.astype(int),
        "term_months": term,
        "interest_rate": interest,
        "debt_to_income": debt_to_income,
        "credit_history_years": history,
        "delinquencies_2y": delinquencies,
        "region": region,
        "defaulted": defaulted,
    })


if __name__ == "__main__":
    frame = loans()
    frame.to_csv(OUT, index=False, lineterminator="\n")
    print(f"wrote {OUT}: {len(frame)} rows, default rate {frame['defaulted'].mean():.3f}, "
          f"{OUT.stat().st_size:,} bytes")
