"""Receptive fields: which input pixels one unit of a layer can see.

One module per concern:

- :mod:`~pooldemo.receptive.specs` (also ``pooldemo.specs``): layer specs with Keras's names,
  ``specs.Conv2D(kernel_size=3, strides=2)``, ``specs.MaxPooling2D(2)`` ...;
- :mod:`~pooldemo.receptive.closed_form`: Araujo et al.'s closed form for a list of specs
  (:func:`receptive_field`, :func:`unit_box`);
- :mod:`~pooldemo.receptive.graph`: the same for any tf.keras model, merges and nested models
  included;
- :mod:`~pooldemo.receptive.measure`: the field measured on the real model
  (:func:`measure_field`, :func:`empirical_receptive_field`) and Luo et al.'s effective field;
- :mod:`~pooldemo.receptive.stack`: a tf.keras model from a list of specs (:func:`stack_model`);
- :mod:`~pooldemo.receptive.published`: the figures Araujo et al. publish for reference
  networks, and ResNet50's stages as a chain of specs.

Used in: the receptive-field chapters, the ReceptiveFieldExplorer and ShapeExplorer, the census
of modern networks.
"""

from . import specs
from .closed_form import RFRecord, layer_specs, receptive_field, unit_box
from .measure import (
                      Measurement,
                      effective_receptive_field,
                      empirical_receptive_field,
                      measure_field,
)
from .published import PUBLISHED, RESNET50_STAGES
from .specs import LayerSpec
from .stack import stack_model

__all__ = ["specs", "LayerSpec", "RFRecord", "receptive_field", "unit_box", "layer_specs",
           "Measurement", "measure_field", "empirical_receptive_field",
           "effective_receptive_field", "stack_model", "PUBLISHED", "RESNET50_STAGES"]
