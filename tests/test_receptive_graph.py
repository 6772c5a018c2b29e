"""Receptive fields of tf.keras graphs: merges, nested models, global summaries, measured."""

import numpy as np
import pytest

import pooldemo
from pooldemo import receptive_field, specs, unit_box
from pooldemo.receptive import PUBLISHED, RESNET50_STAGES, measure_field


def box_of(rec, unit, size):
    return unit_box(rec, *unit, clip_to=(size, size))


@pytest.fixture(scope="module")
def zoo(tf):
    """A small functional model with every merge type and every supported layer type."""
    L = tf.keras.layers
    x = inp = tf.keras.Input((64, 64, 2))
    x = L.Rescaling(0.5, name="rescale")(x)
    x = L.Conv2D(4, 3, dilation_rate=2, padding="same", activation="relu", name="dilated")(x)
    x = L.Conv2D(4, 3, groups=2, name="grouped")(x)
    x = L.BatchNormalization(name="bn")(x)
    x = L.ReLU(max_value=6.0, name="relu6")(x)
    a = L.DepthwiseConv2D(3, padding="same", name="depthwise")(x)
    b = L.SeparableConv2D(4, 5, padding="same", name="separable")(x)
    c = L.MaxPooling2D(3, strides=1, padding="same", name="max_same")(x)
    m = L.Add(name="add")([a, b])
    m = L.Subtract(name="subtract")([m, c])
    m = L.Maximum(name="maximum")([m, a])
    m = L.Minimum(name="minimum")([m, b])
    m = L.Average(name="average")([m, c])
    m = L.Concatenate(name="concat")([m, a])
    m = L.ZeroPadding2D(((1, 0), (0, 1)), name="zeropad")(m)
    m = L.AveragePooling2D(2, strides=2, padding="valid", name="avg_valid")(m)
    m = L.Cropping2D(((1, 2), (0, 1)), name="crop")(m)
    m = L.MaxPooling2D(3, strides=2, padding="same", name="max_same_s2")(m)
    m = L.LayerNormalization(name="ln")(m)
    m = L.Dense(6, name="dense_per_position")(m)
    m = L.Dropout(0.2, name="dropout")(m)
    m = L.Activation("gelu", name="gelu")(m)
    out = L.Conv2D(3, 3, strides=2, padding="same", name="last")(m)
    return tf.keras.Model(inp, out, name="zoo")


def test_every_layer_type_closed_form_equals_measured(zoo):
    recs = {r.name: r for r in receptive_field(zoo)}
    assert [r.name for r in receptive_field(zoo)] == [ly.name for ly in zoo.layers]
    fits = 0
    for layer in ("concat", "crop", "dense_per_position", "last"):
        rec = recs[layer]
        n = rec.output_size
        for unit in [(0, 0), (n[0] // 2, n[1] // 2), (n[0] - 1, n[1] - 1)]:
            meas = measure_field(zoo, layer=layer, unit=unit)
            (top, bottom), (left, right) = box_of(rec, unit, 64)
            if unit_box(rec, *unit) == ((top, bottom), (left, right)):  # fits in the input
                assert meas.box == ((top, bottom), (left, right)), (layer, unit)
            else:  # clipped: padding cells are not pixels, a stride may skip the edge pixel
                assert not meas.mask[:top].any() and not meas.mask[bottom + 1:].any()
                assert not meas.mask[:, :left].any() and not meas.mask[:, right + 1:].any()
            assert meas.min_positive > 0
            fits += unit_box(rec, *unit) == box_of(rec, unit, 64)
    assert fits >= 4  # at least the centre unit of each layer: its field lies inside the input


def test_measurement_does_not_depend_on_width(zoo):
    thin = measure_field(zoo, unit=(1, 2), width=1)
    full = measure_field(zoo, unit=(1, 2), width=None)
    np.testing.assert_array_equal(thin.mask, full.mask)


def test_hand_computed_misaligned_merge(tf):
    # branch a: pad 2 cells after, then a valid 3x3: unit 0 sees input cells 0..2 (centre 1)
    # branch b: a 'same' 3x3: unit 0 sees cells -1..1 (centre 0); the union is -1..2
    L = tf.keras.layers
    inp = tf.keras.Input((9, 9, 1))
    a = L.Conv2D(1, 3, name="a")(L.ZeroPadding2D(((0, 2), (0, 2)), name="pad")(inp))
    b = L.Conv2D(1, 3, padding="same", name="b")(inp)
    model = tf.keras.Model(inp, L.Add(name="merge")([a, b]))
    recs = {r.name: r for r in receptive_field(model)}
    assert (recs["a"].start, recs["b"].start) == ((1.0, 1.0), (0.0, 0.0))
    merged = recs["merge"]
    assert merged.size == (4, 4) and merged.start == (0.5, 0.5) and merged.jump == (1, 1)
    assert merged.aligned is False and merged.centre_offset == (1.0, 1.0)
    assert recs["a"].aligned is None
    for unit in [(0, 0), (4, 4), (8, 8)]:
        assert measure_field(model, unit=unit).box == box_of(merged, unit, 9)
    aligned = tf.keras.Model(inp, L.Add()([b, L.Conv2D(1, 5, padding="same")(inp)]))
    rec = receptive_field(aligned)[-1]
    assert rec.aligned is True and rec.size == (5, 5) and rec.centre_offset == (0.0, 0.0)


def test_squeeze_and_excitation_makes_every_later_unit_global(tf):
    L = tf.keras.layers
    inp = tf.keras.Input((24, 24, 3))
    x = L.Conv2D(8, 3, padding="same", name="conv")(inp)
    g = L.GlobalAveragePooling2D(name="squeeze")(x)
    g = L.Dense(2, activation="relu", name="reduce")(g)
    g = L.Dense(8, activation="sigmoid", name="expand")(g)
    g = L.Reshape((1, 1, 8), name="reshape")(g)
    x = L.Multiply(name="excite")([x, g])
    x = L.Conv2D(8, 3, padding="same", name="after")(x)
    model = tf.keras.Model(inp, x)
    recs = {r.name: r for r in receptive_field(model)}
    assert recs["conv"].whole is False and recs["conv"].label == "3×3"
    for name in ("squeeze", "reduce", "reshape", "excite", "after"):
        assert recs[name].whole and recs[name].label == "whole input", name
    assert recs["excite"].jump == (0, 0) and recs["excite"].output_size == (24, 24)
    assert box_of(recs["after"], (0, 0), 24) == ((0, 23), (0, 23))
    meas = measure_field(model, unit=(0, 0))
    assert meas.mask.all() and meas.box == ((0, 23), (0, 23))


def test_flatten_then_dense_is_whole_and_chain_results_unchanged(tf):
    L = tf.keras.layers
    model = tf.keras.Sequential([tf.keras.Input((9, 9, 1)), L.Conv2D(2, 3, name="c"),
                                 L.MaxPooling2D(2, name="p"), L.Flatten(name="f"),
                                 L.Dense(4, name="d")])
    got = receptive_field(model)
    want = receptive_field([specs.Conv2D(3, name="c"), specs.MaxPooling2D(2, name="p"),
                            specs.Flatten(name="f"), specs.Pointwise(name="d")], 9)
    assert got == want
    assert [r.whole for r in got] == [False, False, True, True]
    assert got[-1].size == (8, 8)


def test_nested_models_are_walked(tf):
    L = tf.keras.layers
    inner = tf.keras.Sequential([L.Conv2D(2, 3, strides=2, name="ic"), L.ReLU(name="ir")],
                                name="inner")
    inp = tf.keras.Input((17, 17, 1))
    x = L.Conv2D(2, 3, name="first")(inp)
    y = inner(x)
    z = L.Conv2D(2, 3, name="last")(y)
    model = tf.keras.Model(inp, z)
    recs = receptive_field(model)
    assert [r.name for r in recs[1:]] == ["first", "inner/ic", "inner/ir", "inner", "last"]
    flat = receptive_field([specs.Conv2D(3), specs.Conv2D(3, 2), specs.Conv2D(3)], 17)
    assert recs[-1].size == flat[-1].size == (9, 9) and recs[-1].start == flat[-1].start
    assert recs[-1].output_size == (5, 5)
    assert measure_field(model, unit=(2, 3)).box == box_of(recs[-1], (2, 3), 17)


def test_unknown_layers_are_named_and_can_be_declared(tf):
    L = tf.keras.layers
    inp = tf.keras.Input((8, 8, 1))
    x = L.Conv2D(1, 3, name="c")(inp)
    x = L.Lambda(lambda t: t * 2.0, name="double")(x)
    model = tf.keras.Model(inp, L.Conv2D(1, 3, name="c2")(x))
    with pytest.raises(ValueError, match="layer 'double' of type Lambda is not supported.*"
                                         "custom="):
        receptive_field(model)
    recs = receptive_field(model, custom={"double": "pointwise"})
    assert recs[-1].size == (5, 5)
    as_pool = receptive_field(model, custom={"Lambda": specs.MaxPooling2D(3, 1, "same")})
    assert {r.name: r for r in as_pool}["double"].size == (5, 5) and as_pool[-1].size == (7, 7)
    with pytest.raises(ValueError, match="the arithmetic gives a"):  # declared wrong: shapes
        receptive_field(model, custom={"double": specs.MaxPooling2D(2)})
    with pytest.raises(TypeError, match="custom must be a dict"):
        receptive_field(model, custom=["double"])
    with pytest.raises(ValueError, match=r"custom\['double'\] must be 'pointwise'"):
        receptive_field(model, custom={"double": "conv"})
    assert measure_field(model, custom={"double": "pointwise"}, unit=(1, 1)).box == \
        ((1, 5), (1, 5))


def test_upsampling_and_mixing_layers_raise_clear_errors(tf):
    L = tf.keras.layers
    inp = tf.keras.Input((8, 8, 2))
    for layer, why in [(L.UpSampling2D(name="up"), "not evenly spaced"),
                       (L.LayerNormalization(axis=(1, 2, 3), name="ln_all"), "mixes positions"),
                       (L.Concatenate(axis=1, name="cat_rows"), "channel axis"),
                       (L.Reshape((16, 8), name="flat_rows"), "without moving units")]:
        out = layer([inp, inp]) if isinstance(layer, L.Concatenate) else layer(inp)
        with pytest.raises(ValueError, match=f"{layer.name}.*{why}"):
            receptive_field(tf.keras.Model(inp, out))


def test_resnet50_stages_chain_equals_the_graph(tf):
    model = tf.keras.applications.ResNet50(weights=None, include_top=False,
                                           input_shape=(224, 224, 3))
    graph = {r.name: r for r in receptive_field(model)}
    chain = receptive_field(RESNET50_STAGES, 224)
    last = chain[-1]
    assert last.name == "conv5_block3_out"
    got = graph["conv5_block3_out"]
    assert (last.size, last.jump, last.start, last.output_size) == \
        (got.size, got.jump, got.start, got.output_size)
    for rec in chain:
        if rec.name.endswith("_out"):
            assert rec.size == graph[rec.name].size and rec.start == graph[rec.name].start


@pytest.mark.parametrize("name", ["VGG16", "MobileNet"])
def test_published_figures(tf, name):
    pub = PUBLISHED[name]
    model = getattr(tf.keras.applications, name)(weights=None, include_top=False,
                                                 input_shape=(224, 224, 3))
    rec = {r.name: r for r in receptive_field(model)}[pub["keras_layer"]]
    assert rec.size[0] == pub["size"] and rec.jump[0] == pub["effective_stride"]
    assert (rec.size[0] - 1) / 2 - rec.start[0] == pub["effective_padding"]


def test_records_are_top_level_and_specs_one_module():
    import pooldemo.specs as alias

    import pooldemo.receptive.specs as home

    assert alias is home is pooldemo.specs
    assert pooldemo.receptive_field is pooldemo.receptive.receptive_field
    assert callable(pooldemo.receptive_field)


def test_census_names_each_way_of_down_sampling(tf):
    from pooldemo.experiments.census import downsampling

    L = tf.keras.layers
    inp = tf.keras.Input((32, 32, 3))
    x = L.Conv2D(4, 4, strides=4, name="patchify")(inp)
    x = L.MaxPooling2D(2, name="maxpool")(x)
    s = L.Conv2D(4, 1, strides=2, name="skip")(x)
    x = L.Conv2D(4, 3, strides=2, padding="same", name="strided")(x)
    x = L.Add(name="add")([x, s])
    g = L.GlobalAveragePooling2D(name="squeeze")(x)
    g = L.Reshape((1, 1, 4), name="reshape")(L.Dense(4, name="fc")(g))
    x = L.Multiply(name="excite")([x, g])
    x = L.AveragePooling2D(2, name="avgpool")(x)
    out = L.Dense(3, name="classes")(L.GlobalMaxPooling2D(name="head")(x))
    steps = downsampling(tf.keras.Model(inp, out))
    got = [(s["layer"], s["type"], s["role"], s["stage"]) for s in steps]
    assert got == [("patchify", "patchify conv", "body", 1), ("maxpool", "max pool", "body", 2),
                   ("strided", "strided conv", "body", 3), ("skip", "strided conv", "body", 3),
                   ("squeeze", "global average", "squeeze", None),
                   ("avgpool", "average pool", "body", 4), ("head", "global max", "head", None)]
    assert [s["skips_inputs"] for s in steps if s["role"] == "body"] == [False] * 3 + [True] + \
        [False]
    assert steps[0]["field_after"] == [4, 4] and steps[0]["jump_after"] == [4, 4]
    assert steps[-2]["whole_after"] is True and steps[1]["whole_after"] is False


def test_census_record_of_vgg16(tf):
    from pooldemo.evidence import KINDS, plan
    from pooldemo.experiments.census import evidence_run

    assert KINDS["census"] == "pooldemo.experiments.census" and len(plan("census")) == 10
    rec = evidence_run(plan("census")["vgg16"]["params"], 0)
    assert rec["head"] == "flatten + dense" and rec["se_blocks"] == 0 and rec["merges"] == 0
    assert [s["type"] for s in rec["downsampling"]] == ["max pool"] * 5
    assert rec["closed_form"]["size"] == [212, 212] and rec["measured"]["equal"] is True
    assert rec["measured"]["closed_form_box"] == rec["measured"]["measured_box"]
    assert rec["published"]["equal"] is True and rec["params"] == 138357544


def test_keras_operations_are_merges_and_are_measured(tf):
    L = tf.keras.layers
    inp = tf.keras.Input((20, 20, 1))
    a = L.Conv2D(2, 3, padding="same", name="a")(inp)
    b = L.Conv2D(2, 5, padding="same", name="b")(inp)
    x = L.Conv2D(2, 3, padding="same", name="c")(a * b - a + b)  # operations, not layers
    model = tf.keras.Model(inp, x)
    recs = receptive_field(model)
    merges = [r for r in recs if r.kind == "merge"]
    assert len(merges) == 3 and all(r.aligned for r in merges)
    assert recs[-1].name == "c" and recs[-1].size == (7, 7)
    assert measure_field(model, unit=(10, 10)).box == ((7, 13), (7, 13))


def test_census_field_without_squeeze_and_excitation(tf):
    from pooldemo.experiments.census import _without_se, downsampling

    L = tf.keras.layers
    inp = tf.keras.Input((24, 24, 3))
    x = L.Conv2D(8, 3, padding="same", name="conv")(inp)
    g = L.Reshape((1, 1, 8), name="reshape")(L.GlobalAveragePooling2D(name="squeeze")(x))
    x = L.Conv2D(8, 3, padding="same", name="after")(L.Multiply(name="excite")([x, g]))
    model = tf.keras.Model(inp, x)
    assert receptive_field(model)[-1].whole
    local = _without_se(model, downsampling(model))
    assert local["size"] == [5, 5] and local["whole"] is False and local["layer"] == "after"
    plain = tf.keras.Model(inp, L.Conv2D(2, 3)(inp))
    assert _without_se(plain, downsampling(plain)) is None
