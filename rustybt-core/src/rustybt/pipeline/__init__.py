"""zipline's Pipeline API: cross-sectional factors, filters and classifiers over daily data.

``from rustybt.pipeline import Pipeline, CustomFactor`` replaces ``from zipline.pipeline
import ...``; see :mod:`rustybt.pipeline.engine` for how a pipeline is computed and
:func:`run_pipeline` for research use.
"""

from rustybt.pipeline.classifier import Classifier, CustomClassifier
from rustybt.pipeline.data.dataset import BoundColumn, Column, DataSet
from rustybt.pipeline.engine import PipelineEngine
from rustybt.pipeline.factor import CustomFactor, Factor
from rustybt.pipeline.filter import CustomFilter, Filter
from rustybt.pipeline.pipeline import Pipeline
from rustybt.pipeline.research import run_pipeline
from rustybt.pipeline.term import Term

__all__ = [
    "BoundColumn",
    "Classifier",
    "Column",
    "CustomClassifier",
    "CustomFactor",
    "CustomFilter",
    "DataSet",
    "Factor",
    "Filter",
    "Pipeline",
    "PipelineEngine",
    "Term",
    "run_pipeline",
]
