"""What the example notebooks share: the loan book, the seeded split, the features, the model and the age bands."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

DATA = Path("data/loans.csv")
MODEL_PATH = Path("models/credit-default.joblib")  # written by 03-train, read by 04-evaluate; not committed
TARGET = "defaulted"
NUMERIC = ["annual_income", "employment_years", "loan_amount", "term_months", "interest_rate", "debt_to_income",
           "credit_history_years", "delinquencies_2y"]
CATEGORICAL = ["home_ownership", "purpose"]
FEATURES = NUMERIC + CATEGORICAL  # age and region are left out on purpose (see 01-framing, fairness criteria)
AGE_BANDS = ([17, 29, 44, 59, 120], ["18-29", "30-44", "45-59", "60+"])


def load_loans(path: Path = DATA) -> pd.DataFrame:
    """The loan book as shipped (``data/loans.csv``)."""
    return pd.read_csv(path)


def split(loans: pd.DataFrame, seed: int, test_size: float = 0.25) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test): a split stratified by the label, the same for the same seed."""
    return train_test_split(loans, test_size=test_size, stratify=loans[TARGET], random_state=seed)


def age_band(age: pd.Series) -> pd.Series:
    """Each applicant's age band, the segments the model is evaluated on."""
    edges, labels = AGE_BANDS
    return pd.cut(age, edges, labels=labels).astype(str)


def preprocessing() -> ColumnTransformer:
    """Median-imputed, standardised numbers and one-hot categories."""
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    return ColumnTransformer([("numeric", numbers, NUMERIC),
                              ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)])


def logistic_regression(params: Mapping[str, Any]) -> Pipeline:
    """The chosen model: regularised logistic regression with the recorded hyperparameters."""
    model = LogisticRegression(C=params["C"], class_weight=params["class_weight"], max_iter=params["max_iter"])
    return Pipeline([("prepare", preprocessing()), ("model", model)])


def gradient_boosting(seed: int) -> Pipeline:
    """The challenger compared in model selection."""
    model = GradientBoostingClassifier(n_estimators=150, learning_rate=0.05, max_depth=3, subsample=0.8,
                                       random_state=seed)
    return Pipeline([("prepare", preprocessing()), ("model", model)])
