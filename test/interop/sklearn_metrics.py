"""scikit-learn's side of test/interop/training-control.test.ts: the metrics
of each case in the JSON request (path in argv[1]), as scikit-learn defines
them (zero_division=0)."""
import json
import sys

import numpy as np
from sklearn import metrics


def case(c):
    kind = c["kind"]
    if kind == "multiclass":
        t, p = np.array(c["true"]), np.array(c["predicted"])
        labels = list(range(c["classes"]))
        return {
            "accuracy": metrics.accuracy_score(t, p),
            "precision": metrics.precision_score(t, p, average="macro", zero_division=0),
            "recall": metrics.recall_score(t, p, average="macro", zero_division=0),
            "f1": metrics.f1_score(t, p, average="macro", zero_division=0),
            "confusion": metrics.confusion_matrix(t, p, labels=labels).tolist(),
        }
    if kind == "binary":
        t, s = np.array(c["true"]), np.array(c["scores"])
        p = (s > 0.5).astype(int)
        return {
            "accuracy": metrics.accuracy_score(t, p),
            "precision": metrics.precision_score(t, p, zero_division=0),
            "recall": metrics.recall_score(t, p, zero_division=0),
            "f1": metrics.f1_score(t, p, zero_division=0),
            "auc": metrics.roc_auc_score(t, s),
        }
    if kind == "multilabel":
        t, s = np.array(c["true"]), np.array(c["scores"])
        p = (s > 0.5).astype(int)
        return {
            "precision": metrics.precision_score(t, p, average="micro", zero_division=0),
            "recall": metrics.recall_score(t, p, average="micro", zero_division=0),
            "f1": metrics.f1_score(t, p, average="micro", zero_division=0),
        }
    t, p = np.array(c["true"]), np.array(c["predicted"])
    return {
        "mae": metrics.mean_absolute_error(t, p),
        "rmse": float(np.sqrt(metrics.mean_squared_error(t, p))),
        "r2": metrics.r2_score(t, p),
    }


request = json.load(open(sys.argv[1]))
print(json.dumps([case(c) for c in request]))
