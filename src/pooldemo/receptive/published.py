"""Published receptive fields of reference networks, and ResNet50's stages as a chain of specs.

:data:`PUBLISHED` holds the figures of Araujo, Norris & Sim, "Computing Receptive Fields of
Convolutional Neural Networks" (Distill, 2019; bibliography key ``araujo2019``), computed with
their library on the TF-Slim implementations at a 224-pixel input and listed in the README and
``RECEPTIVE_FIELD_TABLE.md`` of github.com/google-research/receptive_field. Each entry is keyed
by the ``tf.keras.applications`` model that implements the same network, with the Keras layer
that ends the same stage. Effective padding ``p`` relates to our ``start`` (centre of unit 0) by
``start = (size - 1) / 2 - p``.

The networks without an entry (MobileNetV2, Xception, DenseNet121, EfficientNetB0,
ConvNeXtTiny) are not in their table.
"""

from __future__ import annotations

from .specs import Conv2D, MaxPooling2D, ZeroPadding2D

__all__ = ["PUBLISHED", "SOURCE", "RESNET50_STAGES"]

SOURCE = ("Araujo, Norris & Sim (2019), Computing Receptive Fields of Convolutional Neural "
          "Networks, Distill, doi:10.23915/distill.00021; table of "
          "github.com/google-research/receptive_field (TF-Slim models, 224-pixel input)")

#: keras application -> Araujo et al.'s figures for the TF-Slim network of the same name
PUBLISHED = {
    "VGG16": {"network": "vgg_16", "end_point": "vgg_16/pool5", "keras_layer": "block5_pool",
              "resolution": 224, "size": 212, "effective_stride": 32, "effective_padding": 90},
    "ResNet50": {"network": "resnet_v1_50", "end_point": "resnet_v1_50/block4",
                 "keras_layer": "conv5_block3_out", "resolution": 224, "size": 483,
                 "effective_stride": 32, "effective_padding": 239},
    "ResNet50V2": {"network": "resnet_v2_50", "end_point": "resnet_v2_50/block4",
                   "keras_layer": "conv5_block3_out", "resolution": 224, "size": 483,
                   "effective_stride": 32, "effective_padding": 239},
    "MobileNet": {"network": "mobilenet_v1", "end_point": "Conv2d_13_pointwise",
                  "keras_layer": "conv_pw_13_relu", "resolution": 224, "size": 315,
                  "effective_stride": 32, "effective_padding": 126},
    "InceptionV3": {"network": "inception_v3", "end_point": "Mixed_7c", "keras_layer": "mixed10",
                    "resolution": 224, "size": 1311, "effective_stride": 32,
                    "effective_padding": 618},
}


def _resnet50_stages():
    """Keras ResNet50's longest path: the stem, then 1x1 (stride), 3x3 'same', 1x1 per block."""
    chain = [ZeroPadding2D(3, name="conv1_pad"), Conv2D(7, 2, name="conv1_conv"),
             ZeroPadding2D(1, name="pool1_pad"), MaxPooling2D(3, 2, name="pool1_pool")]
    for stage, (blocks, stride) in enumerate([(3, 1), (4, 2), (6, 2), (3, 2)], start=2):
        for b in range(1, blocks + 1):
            name = f"conv{stage}_block{b}"
            chain += [Conv2D(1, stride if b == 1 else 1, name=f"{name}_1_conv"),
                      Conv2D(3, padding="same", name=f"{name}_2_conv"),
                      Conv2D(1, name=f"{name}_out" if b == blocks else f"{name}_3_conv")]
    return tuple(chain)


#: ResNet50's longest path to each stage output (``conv2_block3_out`` ... ``conv5_block3_out``)
RESNET50_STAGES = _resnet50_stages()
