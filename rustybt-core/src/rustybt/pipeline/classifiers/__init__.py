"""zipline's ``pipeline.classifiers``: Classifier, CustomClassifier, Quantiles, Everything,
Relabel."""

from rustybt.pipeline.classifier import (
    Classifier,
    CustomClassifier,
    Everything,
    Quantiles,
    Relabel,
)

__all__ = ["Classifier", "CustomClassifier", "Everything", "Quantiles", "Relabel"]
